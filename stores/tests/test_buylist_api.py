"""The smart buylist, quote and matches API, exactly as issue 16 specifies it; and its pages."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, CardPriceFactory
from lists.tests.factories import HaveItemFactory, WantItemFactory
from stores.models import BuylistRules, StoreMessage, StoreMessageReport, StoreThread
from stores.services.buylist import buylist_recompute, buylist_rules_save

from .factories import StoreFactory, StoreInventoryItemFactory

pytestmark = pytest.mark.django_db

NEAR = {"latitude": Decimal("47.62"), "longitude": Decimal("-122.34")}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def setup():
    store = StoreFactory(offers_buylist=True, trade_in_bonus_pct=Decimal("20"))
    card = CardFactory(name="Counterspell")
    CardPriceFactory(card=card, price=Decimal("8.00"))
    StoreInventoryItemFactory(store=store, card=card, quantity=2, price=Decimal("9.00"))
    BuylistRules.objects.create(store=store, buy_pct=Decimal("50"), max_qty_per_card=4)
    buylist_recompute(store_id=store.pk)
    trader = UserFactory(username="nearby", match_with_stores=True, **NEAR)
    WantItemFactory(owner=trader, card=card, quantity=1)
    HaveItemFactory(owner=trader, card=card, quantity=2, condition="NM")
    return store, card, trader


def test_buylist_rows_with_breakdown_and_card_filter(api, setup):
    store, card, _trader = setup
    other = CardFactory()
    buylist_rules_save(store=store, data={"card_rules": {"hot": [], "dark": [], "fixed": {other.pk: Decimal("1.00")}}})
    body = api.get(f"/api/v1/stores/{store.pk}/buylist/", {"card": card.pk}).json()
    assert body["next"] is None and len(body["results"]) == 5
    row = next(r for r in body["results"] if r["condition"] == "NM")
    assert row == {
        "card": card.pk,
        "card_name": "Counterspell",
        "condition": "NM",
        "finish": "nonfoil",
        "cash_price": "2.00",  # 8 x 50 % x 1 x 1 x (1 - 2/4)
        "credit_price": "2.40",
        "currency": "USD",
        "breakdown": {
            "market": "8.00",
            "buy_pct": "50.00",
            "condition_multiplier": "1.00",
            "demand_factor": "1.000",
            "local_demand": "none",
            "signal_demand": 0,
            "momentum": "0.0000",
            "stock_taper": "0.500",
            "override": None,
        },
    }
    assert api.get(f"/api/v1/stores/{store.pk}/buylist/", {"card": "x"}).status_code == 400


def test_quote_and_send(api, setup):
    store, _card, trader = setup
    api.force_authenticate(trader)
    quote = api.get(f"/api/v1/stores/{store.pk}/quote/").json()
    assert quote["currency"] == "USD"
    assert (quote["cash_total"], quote["credit_total"]) == ("4.00", "4.80")
    assert quote["lines"][0]["quantity"] == 2
    response = api.post(f"/api/v1/stores/{store.pk}/quote/send/", {"body": "Saturday?"}, format="json")
    assert response.status_code == 201
    thread = StoreThread.objects.get(pk=response.json()["thread"])
    assert thread.trader == trader and thread.messages.get().quote["credit_total"] == "4.80"


def test_quote_send_with_nothing_bought_is_409_and_own_store_403(api, setup):
    store, _card, _trader = setup
    api.force_authenticate(UserFactory())
    response = api.post(f"/api/v1/stores/{store.pk}/quote/send/", {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "empty_quote"
    api.force_authenticate(store.user)
    assert api.post(f"/api/v1/stores/{store.pk}/quote/send/", {}, format="json").status_code == 403
    assert not StoreThread.objects.exists()


def test_matches_owner_only_and_message(api, setup):
    store, _card, trader = setup
    api.force_authenticate(UserFactory(is_staff=True))
    assert api.get(f"/api/v1/stores/{store.pk}/matches/").status_code == 404  # not even staff
    api.force_authenticate(store.user)
    rows = api.get(f"/api/v1/stores/{store.pk}/matches/").json()["results"]
    assert rows == [
        {
            "username": "nearby",
            "distance_km": rows[0]["distance_km"],
            "wants_stocked": 1,
            "haves_bought": 1,
            "value": "13.00",  # 9.00 for the want + 2 x 2.00 for the haves
            "currency": "USD",
        }
    ]
    url = f"/api/v1/stores/{store.pk}/matches/nearby/message/"
    assert api.post(url, {"body": ""}, format="json").status_code == 400
    assert api.post(url, {"body": 5}, format="json").status_code == 400
    response = api.post(url, {"body": "We have your Counterspell"}, format="json")
    assert response.status_code == 201
    assert StoreThread.objects.get(pk=response.json()["thread"]).trader == trader
    nobody = f"/api/v1/stores/{store.pk}/matches/{UserFactory().username}/message/"
    assert api.post(nobody, {"body": "Hi"}, format="json").status_code == 404


def test_my_store_matches(api, setup):
    store, card, trader = setup
    api.force_authenticate(trader)
    body = api.get("/api/v1/me/store-matches/").json()
    assert body["results"][0]["store"] == store.pk
    assert body["results"][0]["stocks"][0]["card"] == card.pk
    assert body["results"][0]["buys"]["cash_total"] == "4.00"
    assert APIClient().get("/api/v1/me/store-matches/").status_code in (401, 403)


# --- pages --------------------------------------------------------------------------------------


def test_rules_page_previews_without_saving_and_saves(client, setup):
    store, card, _trader = setup
    client.force_login(store.user)
    form = {
        "buy_pct": "60",
        "max_qty_per_card": "4",
        "hotlist_bonus_pct": "10",
        "mult_NM": "1",
        "mult_LP": "0.8",
        "mult_MP": "0.6",
        "mult_HP": "0.4",
        "mult_DMG": "0.2",
        "hotlist": "",
        "darklist": "",
        "fixed": "",
    }
    response = client.post("/dashboard/store/buylist/", {**form, "preview": "1"})
    assert response.status_code == 200 and b"Preview (not saved)" in response.content
    assert b"$2.40" in response.content  # 8 x 60 % x 0.5
    assert BuylistRules.objects.get(store=store).buy_pct == Decimal("50")
    assert client.post("/dashboard/store/buylist/", {**form, "fixed": "abc"}).status_code == 422
    assert client.post("/dashboard/store/buylist/", {**form, "darklist": str(card.pk)}).status_code == 302
    assert BuylistRules.objects.get(store=store).buy_pct == Decimal("60")
    assert b"No cards on the buylist" in client.get("/dashboard/store/buylist/").content


def test_matches_page_and_report_and_block(client, setup, django_assert_max_num_queries):
    store, _card, trader = setup
    client.force_login(store.user)
    with django_assert_max_num_queries(12):
        page = client.get("/dashboard/store/matches/")
    assert b"<td>nearby</td>" in page.content
    response = client.post("/dashboard/store/matches/nearby/message/", {"body": "Come by"})
    thread = StoreThread.objects.get()
    assert response["Location"] == f"/stores/threads/{thread.pk}/"
    message = StoreMessage.objects.get()

    client.force_login(trader)
    assert b"Come by" in client.get(f"/stores/threads/{thread.pk}/").content
    client.post(f"/stores/threads/{thread.pk}/messages/{message.pk}/report/", {"reason": "Unwanted"})
    assert StoreMessageReport.objects.get().reason == "Unwanted"
    client.post(f"/stores/{store.pk}/block/", {"next": f"/stores/threads/{thread.pk}/"})
    client.force_login(store.user)
    assert b"<td>nearby</td>" not in client.get("/dashboard/store/matches/").content
    assert client.post(f"/stores/threads/{thread.pk}/", {"body": "Hello?"}).status_code == 422
    client.force_login(UserFactory())
    assert client.get(f"/stores/threads/{thread.pk}/").status_code == 404


def test_the_opt_in_says_it_shares_both_lists_with_verified_stores(client):
    client.force_login(UserFactory())
    page = client.get("/settings/").content.decode()
    assert "Match me with local stores" in page
    assert "Shares both your want list and your have list (even private ones) with verified stores" in page
