from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from cards.name_index import name_index
from cards.tests.factories import CardFactory, CardPriceFactory, PriceSnapshotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()  # anonymous: market data is public


def test_card_search_is_public_and_filters(api, django_assert_max_num_queries):
    bolt = CardFactory(name="Lightning Bolt", set_code="2xm", rarity="uncommon")
    CardFactory(name="Lightning Helix", set_code="rav", rarity="uncommon")
    CardFactory(name="Black Lotus", set_code="lea", rarity="rare")
    CardPriceFactory(card=bolt, price=Decimal("2.35"))
    name_index()  # built once per catalog change (one query, see test_search_typos.py); not per request

    with django_assert_max_num_queries(2):
        response = api.get("/api/v1/cards/", {"q": "lightnig"})
    by_set = api.get("/api/v1/cards/", {"set": "lea"}).json()
    by_rarity = api.get("/api/v1/cards/", {"rarity": "uncommon", "q": "bolt"}).json()

    assert response.status_code == 200
    body = response.json()
    assert [card["name"] for card in body["results"]] == ["Lightning Bolt", "Lightning Helix"]
    assert body["has_next"] is False
    assert body["results"][0]["prices"][0] == {
        "finish": "nonfoil",
        "price": "2.35",
        "currency": "USD",
        "source": "scryfall",
        "captured_at": body["results"][0]["prices"][0]["captured_at"],
        "change_24h_pct": None,
        "change_7d_pct": None,
    }
    assert [card["name"] for card in by_set["results"]] == ["Black Lotus"]
    assert [card["name"] for card in by_rarity["results"]] == ["Lightning Bolt"]


def test_card_search_rejects_unknown_rarity(api):
    response = api.get("/api/v1/cards/", {"rarity": "legendary"})

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], list(body["errors"])) == ("invalid", ["rarity"])


def test_card_detail(api):
    card = CardFactory(name="Sol Ring")

    body = api.get(f"/api/v1/cards/{card.pk}/").json()

    assert (body["id"], body["name"], body["prices"]) == (card.pk, "Sol Ring", [])
    assert api.get("/api/v1/cards/999999/").status_code == 404


def test_card_price_history_filters(api):
    card = CardFactory()
    for day, price in [(20, "1.00"), (21, "1.10"), (22, "1.20")]:
        PriceSnapshotFactory(card=card, price=Decimal(price), captured_at=datetime(2026, 11, day, 12, tzinfo=UTC))
    PriceSnapshotFactory(
        card=card, finish="foil", price=Decimal("5.00"), captured_at=datetime(2026, 11, 21, tzinfo=UTC)
    )

    ranged = api.get(
        f"/api/v1/cards/{card.pk}/prices/", {"finish": "nonfoil", "from": "2026-11-21", "to": "2026-11-22"}
    )
    foil = api.get(f"/api/v1/cards/{card.pk}/prices/", {"finish": "foil"})

    assert [row["price"] for row in ranged.json()["results"]] == ["1.10", "1.20"]
    assert [(row["finish"], row["price"]) for row in foil.json()["results"]] == [("foil", "5.00")]


def test_card_price_history_rejects_bad_dates(api):
    card = CardFactory()

    bad = api.get(f"/api/v1/cards/{card.pk}/prices/", {"from": "yesterday"})
    backwards = api.get(f"/api/v1/cards/{card.pk}/prices/", {"from": "2026-11-22", "to": "2026-11-01"})

    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["from"]
    assert backwards.status_code == 400 and backwards.json()["errors"] == {"to": ["must not be before from"]}


def test_movers_api(api):
    gainer = CardPriceFactory(price=Decimal("10.00"), change_24h_pct=Decimal("25.00"))
    CardPriceFactory(price=Decimal("0.10"), change_24h_pct=Decimal("90.00"))
    loser = CardPriceFactory(price=Decimal("4.00"), change_7d_pct=Decimal("-30.00"))

    day = api.get("/api/v1/movers/").json()
    week = api.get("/api/v1/movers/", {"window": "7d", "min_price": "0"}).json()

    assert (day["window"], day["min_price"]) == ("24h", "1.00")
    assert [row["card_id"] for row in day["gainers"]] == [gainer.card_id]
    assert day["losers"] == []
    assert [row["card_id"] for row in week["losers"]] == [loser.card_id]
    assert week["losers"][0]["change_7d_pct"] == "-30.00"
    assert api.get("/api/v1/movers/", {"window": "1y"}).status_code == 400


def test_market_endpoints_are_in_the_openapi_schema(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()

    for path in ["/api/v1/cards/", "/api/v1/cards/{id}/", "/api/v1/cards/{id}/prices/", "/api/v1/movers/"]:
        assert path in schema["paths"]
    assert {} in schema["paths"]["/api/v1/cards/"]["get"]["security"]  # anonymous allowed
