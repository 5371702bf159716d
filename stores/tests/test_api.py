"""The stores API, exactly as issue 15 specifies it."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create
from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from stores.enums import StoreStatus, SyncRunStatus, SyncSource
from stores.models import InventorySyncRun, LGSProfile, StoreInventoryItem

from .conftest import upload
from .factories import StoreFactory, StoreInventoryItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_register_a_store(api):
    trader = UserFactory()
    api.force_authenticate(trader)
    response = api.post(
        "/api/v1/stores/",
        {
            "store_name": "Card Kingdom Store",
            "store_postal": "98107",
            "timezone": "America/Los_Angeles",
            "offers_buylist": True,
            "hours": {"monday": {"open": "10:00", "close": "20:00"}},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"] == trader.pk and body["status"] == "pending"
    assert body["store_name"] == "Card Kingdom Store" and body["offers_buylist"] is True
    assert body["hours"] == {"monday": {"open": "10:00", "close": "20:00"}}
    assert body["service_radius_km"] == 40 and body["owner"] == trader.username
    assert body["latitude"] is not None
    assert api.get("/api/v1/me/").json()["store"] == trader.pk
    again = api.post("/api/v1/stores/", {"store_name": "Twice", "store_postal": "98107"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "store_exists"


def test_me_store_is_null_without_a_store(api):
    api.force_authenticate(UserFactory())
    assert api.get("/api/v1/me/").json()["store"] is None


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"store_postal": "98107"}, "store_name"),
        ({"store_name": "X", "hours": {"monday": {"open": "10", "close": "20:00"}}}, "hours"),
        ({"store_name": "X", "service_radius_km": 501, "store_postal": "98107"}, "service_radius_km"),
    ],
)
def test_register_validation_is_400_with_field_errors(api, payload, field):
    api.force_authenticate(UserFactory())
    response = api.post("/api/v1/stores/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert any(name == field or name.startswith(f"{field}.") for name in response.json()["errors"])
    assert not LGSProfile.objects.exists()


def test_register_anonymous_is_refused(api):
    assert api.post("/api/v1/stores/", {"store_name": "X"}, format="json").status_code in (401, 403)


def test_domain_validation_error_is_400(api):
    api.force_authenticate(UserFactory())
    response = api.post("/api/v1/stores/", {"store_name": "X", "store_postal": "00000"}, format="json")
    assert response.status_code == 400 and not LGSProfile.objects.exists()


def test_get_and_patch_a_store(api):
    store = StoreFactory(status=StoreStatus.PENDING)
    api.force_authenticate(store.user)
    assert api.get(f"/api/v1/stores/{store.pk}/").json()["status"] == "pending"
    response = api.patch(
        f"/api/v1/stores/{store.pk}/", {"offers_events": True, "store_phone": "555-0199"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["offers_events"] is True and response.json()["store_phone"] == "555-0199"


def test_public_store_hides_owner_settings(api):
    store = StoreFactory(rejection_reason="", inventory_sync_config={"csv_mapping": {"quantity": "q"}})
    body = api.get(f"/api/v1/stores/{store.pk}/").json()
    assert body["inventory_sync_config"] == {} and body["rejection_reason"] == ""
    assert body["status"] == "verified"
    api.force_authenticate(store.user)
    assert api.get(f"/api/v1/stores/{store.pk}/").json()["inventory_sync_config"] == {"csv_mapping": {"quantity": "q"}}


def test_finder_api_query_count_does_not_grow_with_results(api, django_assert_max_num_queries):
    StoreFactory.create_batch(30)
    with django_assert_max_num_queries(3):
        response = api.get("/api/v1/stores/", {"near": "98101"})
    assert len(response.json()["results"]) == 30


def test_finder_api(api):
    card = CardFactory()
    near = StoreFactory(store_name="Near")
    StoreFactory(store_name="Far", latitude=Decimal("40.7128"), longitude=Decimal("-74.0060"))
    StoreInventoryItemFactory(store=near, card=card, quantity=1)
    response = api.get("/api/v1/stores/", {"near": "98101", "stocks": card.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None and [store["store_name"] for store in body["results"]] == ["Near"]
    assert isinstance(body["results"][0]["distance_km"], float)
    response = api.get("/api/v1/stores/", {"near": "47.61,-122.33", "radius_km": 500})
    assert [store["store_name"] for store in response.json()["results"]] == ["Near"]


@pytest.mark.parametrize(
    "params",
    [
        {"near": "nowhere"},
        {"near": "99999"},
        {},
        {"near": "98101", "radius_km": 0},
        {"near": "98101", "radius_km": 501},
        {"near": "98101", "radius_km": "ten"},
        {"near": "98101", "open_now": "maybe"},
        {"near": "98101", "stocks": "abc"},
        {"near": "98101", "buys": "-1"},
    ],
)
def test_finder_bad_input_is_400(api, params):
    response = api.get("/api/v1/stores/", params)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_public_inventory_lists_only_stock_and_searches(api):
    store = StoreFactory()
    bolt = StoreInventoryItemFactory(store=store, card=CardFactory(name="Lightning Bolt"), quantity=3)
    StoreInventoryItemFactory(store=store, card=CardFactory(name="Counterspell"), quantity=1)
    StoreInventoryItemFactory(store=store, card=CardFactory(name="Lightning Helix"), quantity=0)
    body = api.get(f"/api/v1/stores/{store.pk}/inventory/", {"q": "lightning"}).json()
    assert [item["card_name"] for item in body["results"]] == ["Lightning Bolt"]
    assert body["results"][0]["price"] == "1.00" and body["results"][0]["currency"] == "USD"
    body = api.get(f"/api/v1/stores/{store.pk}/inventory/", {"card": bolt.card_id}).json()
    assert [item["id"] for item in body["results"]] == [bolt.pk]
    assert api.get(f"/api/v1/stores/{store.pk}/inventory/", {"card": "x"}).status_code == 400


def test_put_upserts_and_reports_unmatched_items(api):
    store = StoreFactory()
    card, other = CardFactory(), CardFactory(finishes=["nonfoil"])
    StoreInventoryItemFactory(store=store, card=card, quantity=1, price=Decimal("2.00"))
    api.force_authenticate(store.user)
    response = api.put(
        f"/api/v1/stores/{store.pk}/inventory/",
        {
            "items": [
                {"card": card.pk, "quantity": 5, "price": "2.50"},
                {"scryfall_id": str(other.scryfall_id), "condition": "LP", "quantity": 2, "price": "1.10"},
                {"card": 999999, "quantity": 1},
                {"scryfall_id": "00000000-0000-4000-8000-000000000000", "quantity": 1},
                {"tcgplayer_sku": "123", "quantity": 1},
                {"card": other.pk, "finish": "foil", "quantity": 1},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["applied"], body["created"], body["updated"]) == (2, 1, 1)
    assert [(error["index"], error["field"]) for error in body["errors"]] == [
        (2, "card"),
        (3, "scryfall_id"),
        (4, "tcgplayer_sku"),
        (5, "finish"),
    ]
    stock = {(item.card_id, item.condition): (item.quantity, item.price) for item in store.inventory_items.all()}
    assert stock == {(card.pk, "NM"): (5, Decimal("2.50")), (other.pk, "LP"): (2, Decimal("1.10"))}


def test_put_by_tcgplayer_sku_updates_the_synced_item(api):
    store = StoreFactory()
    item = StoreInventoryItemFactory(store=store, condition="LP", finish="foil", provider_sku="4563830", quantity=1)
    api.force_authenticate(store.user)
    response = api.put(
        f"/api/v1/stores/{store.pk}/inventory/", {"items": [{"tcgplayer_sku": "4563830", "quantity": 4}]}, format="json"
    )
    assert response.json()["updated"] == 1
    item.refresh_from_db()
    assert item.quantity == 4


def test_put_is_limited_to_10000_items(api):
    store = StoreFactory()
    api.force_authenticate(store.user)
    items = [{"card": 1, "quantity": 1}] * 10001
    response = api.put(f"/api/v1/stores/{store.pk}/inventory/", {"items": items}, format="json")
    assert response.status_code == 400


def test_patch_applies_deltas_and_refuses_to_go_below_zero(api):
    store = StoreFactory()
    item = StoreInventoryItemFactory(store=store, quantity=1, price=Decimal("3.00"))
    api.force_authenticate(store.user)
    url = f"/api/v1/stores/{store.pk}/inventory/"
    response = api.patch(url, {"items": [{"card": item.card_id, "quantity_delta": -1}]}, format="json")
    assert response.json()["updated"] == 1
    response = api.patch(url, {"items": [{"card": item.card_id, "quantity_delta": -1}]}, format="json")
    assert response.json()["errors"] == [
        {"index": 0, "field": "quantity_delta", "detail": "Only 0 in stock; nothing changed."}
    ]
    response = api.patch(url, {"items": [{"card": item.card_id, "quantity": 7, "price": "3.50"}]}, format="json")
    item.refresh_from_db()
    assert (item.quantity, item.price, item.feed_price) == (7, Decimal("3.50"), Decimal("1.00"))
    response = api.patch(url, {"items": [{"card": item.card_id, "quantity": 1, "quantity_delta": 1}]}, format="json")
    assert response.json()["errors"][0]["field"] == "quantity_delta"


def test_sync_upload_status_and_history(api, catalog):
    store = StoreFactory()
    api.force_authenticate(store.user)
    response = api.post(
        f"/api/v1/stores/{store.pk}/inventory/syncs/",
        {"file": upload("tcgplayer_bad_rows.csv"), "provider": "tcgplayer", "mode": "full"},
        format="multipart",
    )
    assert response.status_code == 202
    run_id = response.json()["id"]
    from stores.services.syncs import sync_run_execute

    sync_run_execute(run_id=run_id)  # Celery runs it on commit; the test transaction never commits
    body = api.get(f"/api/v1/stores/{store.pk}/inventory/syncs/{run_id}/").json()
    assert body["status"] == "succeeded"
    assert body["counts"] == {"created": 2, "updated": 0, "zeroed": 0, "unchanged": 0, "skipped": 8}
    assert body["errors"][0] == {"row": 3, "column": "Condition", "reason": "Unknown condition “Gently Used”."}
    assert body["unmatched"][0]["row"] == 8
    assert body["started_at"] and body["finished_at"]
    history = api.get(f"/api/v1/stores/{store.pk}/inventory/syncs/").json()
    assert [run["id"] for run in history["results"]] == [run_id]
    assert "errors" not in history["results"][0]


def test_second_sync_while_one_runs_is_409_with_its_id(api):
    store = StoreFactory()
    running = InventorySyncRun.objects.create(
        store=store, provider="tcgplayer", source=SyncSource.API, status=SyncRunStatus.RUNNING
    )
    api.force_authenticate(store.user)
    response = api.post(
        f"/api/v1/stores/{store.pk}/inventory/syncs/",
        {"file": upload("tcgplayer_good.csv"), "provider": "tcgplayer", "mode": "full"},
        format="multipart",
    )
    assert response.status_code == 409
    assert response.json()["running_run_id"] == running.pk and response.json()["code"] == "sync_running"


def test_csv_sync_without_a_mapping_is_400(api):
    store = StoreFactory()
    api.force_authenticate(store.user)
    response = api.post(
        f"/api/v1/stores/{store.pk}/inventory/syncs/",
        {"file": upload("generic_mapped.csv"), "provider": "csv", "mode": "full"},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["code"] == "no_mapping"
    assert not InventorySyncRun.objects.exists()


def test_sync_bad_provider_or_mode_is_400(api):
    store = StoreFactory()
    api.force_authenticate(store.user)
    for data in ({"provider": "shopify", "mode": "full"}, {"provider": "tcgplayer", "mode": "all"}):
        response = api.post(
            f"/api/v1/stores/{store.pk}/inventory/syncs/",
            {"file": upload("tcgplayer_good.csv"), **data},
            format="multipart",
        )
        assert response.status_code == 400
    assert not InventorySyncRun.objects.exists()


def test_store_inventory_token_reaches_only_its_stores_inventory_and_syncs(api):
    store = StoreFactory()
    other = StoreFactory()
    item = StoreInventoryItemFactory(store=store, quantity=1)
    other_item = StoreInventoryItemFactory(store=other, card=item.card, quantity=1)
    _, raw = api_token_create(user=store.user, name="till", expires_in_days=None, scope="store:inventory")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    own = f"/api/v1/stores/{store.pk}/inventory/"
    assert api.patch(own, {"items": [{"card": item.card_id, "quantity_delta": 2}]}, format="json").status_code == 200
    assert api.get(f"/api/v1/stores/{store.pk}/inventory/syncs/").status_code == 200
    # Other stores: 404, and nothing written.
    theirs = f"/api/v1/stores/{other.pk}/inventory/"
    assert api.patch(theirs, {"items": [{"card": item.card_id, "quantity": 50}]}, format="json").status_code == 404
    assert api.get(f"/api/v1/stores/{other.pk}/inventory/syncs/").status_code == 404
    other_item.refresh_from_db()
    assert other_item.quantity == 1
    # Everything else in the API is outside the scope: 403 with the reason.
    for method, url in [
        ("get", "/api/v1/me/"),
        ("patch", f"/api/v1/stores/{store.pk}/"),
        ("get", f"/api/v1/stores/{store.pk}/"),
        ("get", "/api/v1/stores/?near=98101"),
        ("get", "/api/v1/cards/"),
        # Part 2's store routes: a till reads and writes stock, never the traders who share lists.
        ("get", f"/api/v1/stores/{store.pk}/matches/"),
        ("get", f"/api/v1/stores/{store.pk}/buylist/"),
        ("get", f"/api/v1/stores/{other.pk}/quote/"),
        ("get", "/api/v1/me/store-matches/"),
    ]:
        response = getattr(api, method)(url, {}, format="json")
        assert response.status_code == 403, url
        assert "scope" in response.json()["detail"]
    item.refresh_from_db()
    assert item.quantity == 3


def test_full_token_keeps_todays_behaviour(api):
    store = StoreFactory()
    _, raw = api_token_create(user=store.user, name="script", expires_in_days=None)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/me/").status_code == 200
    assert api.patch(f"/api/v1/stores/{store.pk}/", {"offers_events": True}, format="json").status_code == 200


def test_store_inventory_tokens_are_for_store_owners():
    from core.errors import DomainError

    with pytest.raises(DomainError, match="store owners"):
        api_token_create(user=UserFactory(), name="till", expires_in_days=None, scope="store:inventory")


def test_schema_documents_the_store_routes(api):
    response = api.get("/api/schema/", {"format": "json"})
    paths = response.json()["paths"]
    for path in [
        "/api/v1/stores/",
        "/api/v1/stores/{id}/",
        "/api/v1/stores/{id}/inventory/",
        "/api/v1/stores/{id}/inventory/syncs/",
        "/api/v1/stores/{id}/inventory/syncs/{run_id}/",
    ]:
        assert path in paths, path
    assert "409" in paths["/api/v1/stores/{id}/inventory/syncs/"]["post"]["responses"]
    assert StoreInventoryItem.objects.count() == 0
