"""Digital-only printings and non-card layouts stay in the catalog but are offered by no picker, search or list."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from cards.importers import scryfall_import
from cards.models import Card, CardPrice, PriceSnapshot
from cards.selectors import card_autocomplete, card_search, card_sets_list, tradable_cards
from cards.tests.factories import CardFactory
from lists.models import HaveItem

pytestmark = pytest.mark.django_db

FIXTURE = "cards/tests/fixtures/scryfall_tradability.json"
AS_OF = datetime(2026, 11, 25, tzinfo=UTC)


@pytest.fixture
def catalog():
    report = scryfall_import(path=FIXTURE, as_of=AS_OF, publish=False)
    assert report.is_ok and report.cards_created == 11
    return {card.set_code: card for card in Card.objects.all()}


def test_import_fills_layout_digital_only_and_tradable(catalog):
    flags = {code: (card.layout, card.digital_only, card.tradable) for code, card in catalog.items()}

    assert flags == {
        "m11": ("normal", False, True),
        "ha5": ("normal", True, False),  # Scryfall digital: true (Arena)
        "me4": ("normal", True, False),  # games without "paper" (MTGO only), digital: false
        "t2xm": ("token", False, False),
        "tafr": ("double_faced_token", False, False),
        "tkld": ("emblem", False, False),
        "astx": ("art_series", False, False),
        "pvan": ("vanguard", False, False),
        "opca": ("planar", False, False),
        "oarc": ("scheme", False, False),
        "ust": ("augment", False, True),  # Unstable's augments are booster cards
    }


def test_non_tradable_cards_keep_their_prices_and_card_page(client, catalog):
    token = catalog["t2xm"]

    assert PriceSnapshot.objects.filter(card=token).exists()
    assert CardPrice.objects.filter(card=token).exists()
    assert client.get(reverse("cards:detail", args=[token.pk])).status_code == 200
    assert client.get(f"/api/v1/cards/{catalog['ha5'].pk}/").json()["tradable"] is False


def test_search_autocomplete_api_and_sets_offer_only_tradable_printings(client, catalog):
    paper_bolt = catalog["m11"]

    assert [card.pk for card in card_search(query="Lightning Bolt")] == [paper_bolt.pk]
    assert [card.pk for card in card_autocomplete(query="lightning")] == [paper_bolt.pk]
    assert card_search(query="Goblin") == []
    assert card_search(query="Goblni") == []  # the typo index knows no word only tokens use
    page = client.get(reverse("cards:search"), {"q": "Bolt"}).content.decode()
    assert reverse("cards:detail", args=[paper_bolt.pk]) in page
    assert reverse("cards:detail", args=[catalog["ha5"].pk]) not in page
    options = client.get(reverse("cards:autocomplete"), {"q": "Bolt"}).content.decode()
    assert options.count('data-card-id="') == 1
    api = client.get("/api/v1/cards/", {"q": "Lightning"}).json()
    assert [row["id"] for row in api["results"]] == [paper_bolt.pk]
    all_cards = client.get("/api/v1/cards/").json()["results"]
    assert {row["set_code"] for row in all_cards} == {"m11", "ust"}
    assert {row["set_code"] for row in card_sets_list()} == {"m11", "ust"}


def test_a_layout_change_on_reimport_updates_tradability(catalog, tmp_path):
    records = json.loads(Path(FIXTURE).read_text())
    records[0]["layout"] = "art_series"  # Scryfall reclassified a printing
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(records))

    report = scryfall_import(path=changed, as_of=AS_OF, publish=False)

    assert (report.cards_updated, report.cards_unchanged) == (1, 10)
    assert tradable_cards().filter(pk=catalog["m11"].pk).exists() is False


def test_lists_refuse_a_non_tradable_printing(client, catalog):
    owner = UserFactory()
    client.force_login(owner)
    api = APIClient()
    api.force_authenticate(owner)
    digital = catalog["ha5"]

    form = client.post(
        reverse("lists:list_item_add", args=["have"]),
        {"card": digital.pk, "quantity": 1, "condition": "NM", "finish": "nonfoil", "language": "en"},
        HTTP_HX_REQUEST="true",
    )
    created = api.post("/api/v1/haves/", {"card": digital.pk}, format="json")
    bulk = api.post("/api/v1/haves/bulk/", [{"card": catalog["m11"].pk}, {"card": digital.pk}], format="json")

    assert form.status_code == 422
    assert "not tradable" in form.content.decode()
    assert (created.status_code, created.json()["code"]) == (400, "not_tradable")
    assert bulk.status_code == 400
    assert "not tradable" in str(bulk.json()["errors"])
    assert not HaveItem.objects.exists()


def test_list_form_name_fallback_ignores_non_tradable_printings(client):
    owner = UserFactory()
    client.force_login(owner)
    paper = CardFactory(name="Sol Ring")
    CardFactory(name="Sol Ring", digital_only=True, tradable=False)

    response = client.post(
        reverse("lists:list_item_add", args=["have"]),
        {"q": "Sol Ring", "quantity": 1, "condition": "NM", "finish": "nonfoil", "language": "en"},
    )

    assert response.status_code == 302
    assert HaveItem.objects.get(owner=owner).card_id == paper.pk
