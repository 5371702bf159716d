"""Who reaches what: owners only their own store's dashboard, inventory and runs; 404 otherwise.

Every stores route with an id is listed in ROUTE_CASES, and a resolver test fails when a new
route is added without an access case here.
"""

from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.services import api_token_create
from accounts.tests.factories import UserFactory
from stores.enums import StoreStatus, SyncSource
from stores.models import InventorySyncRun, LGSProfile, StoreInventoryItem

from .conftest import upload
from .factories import StoreFactory, StoreInventoryItemFactory

pytestmark = pytest.mark.django_db


def _routes(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            module = getattr(pattern.callback, "__module__", "") or ""
            view_class = getattr(pattern.callback, "view_class", None)
            if view_class is not None:
                module = view_class.__module__
            if module.startswith("stores."):
                yield prefix + str(pattern.pattern)


# Every stores route that carries an id, and the test below that covers it.
ROUTE_CASES = {
    "stores/<int:pk>/": "test_pending_and_rejected_store_pages_are_404_to_others",
    "dashboard/store/inventory/items/<int:item_id>/": "test_dashboard_writes_only_reach_your_own_items",
    "dashboard/store/sync/runs/<int:run_id>/": "test_runs_of_another_store_are_404",
    "api/v1/stores/<int:pk>/": "test_api_store_detail_and_patch_access",
    "api/v1/stores/<int:pk>/inventory/": "test_api_inventory_writes_are_404_for_others",
    "api/v1/stores/<int:pk>/inventory/syncs/": "test_api_syncs_are_404_for_others",
    "api/v1/stores/<int:pk>/inventory/syncs/<int:run_id>/": "test_api_syncs_are_404_for_others",
    "api/v1/stores/<int:pk>/buylist/": "test_buylist_quote_and_block_of_a_pending_store_are_404",
    "api/v1/stores/<int:pk>/quote/": "test_buylist_quote_and_block_of_a_pending_store_are_404",
    "api/v1/stores/<int:pk>/quote/send/": "test_buylist_quote_and_block_of_a_pending_store_are_404",
    "stores/<int:pk>/quote/": "test_buylist_quote_and_block_of_a_pending_store_are_404",
    "stores/<int:pk>/block/": "test_buylist_quote_and_block_of_a_pending_store_are_404",
    "api/v1/stores/<int:pk>/matches/": "test_matches_are_the_owners_alone",
    "api/v1/stores/<int:pk>/matches/<str:username>/message/": "test_matches_are_the_owners_alone",
    "dashboard/store/matches/<str:username>/message/": "test_matches_are_the_owners_alone",
    "stores/threads/<int:pk>/": "test_conversations_are_their_parties_alone",
    "stores/threads/<int:pk>/messages/<int:message_id>/report/": "test_conversations_are_their_parties_alone",
}


def test_every_stores_route_with_an_id_has_an_access_case():
    with_ids = {route for route in _routes() if "<" in route}
    assert with_ids == set(ROUTE_CASES)
    assert all(name in globals() for name in ROUTE_CASES.values())


@pytest.mark.parametrize("status", [StoreStatus.PENDING, StoreStatus.REJECTED])
def test_pending_and_rejected_store_pages_are_404_to_others(client, status):
    store = StoreFactory(status=status, rejection_reason="r" if status == StoreStatus.REJECTED else "")
    url = f"/stores/{store.pk}/"
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(store.user)
    assert client.get(url).status_code == 200
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url).status_code == 200
    assert client.get("/stores/99999999/").status_code == 404
    assert client.get("/stores/abc/").status_code == 404


def test_verified_store_page_is_public(client):
    assert client.get(f"/stores/{StoreFactory().pk}/").status_code == 200


def test_dashboard_needs_login_and_a_store(client):
    for url in [
        "/dashboard/store/",
        "/dashboard/store/inventory/",
        "/dashboard/store/sync/",
        "/dashboard/store/profile/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(UserFactory())
    assert client.get("/dashboard/store/").status_code == 404


def test_the_store_param_is_for_staff_only(client):
    mine, theirs = StoreFactory(store_name="Mine"), StoreFactory(store_name="Theirs")
    client.force_login(mine.user)
    page = client.get("/dashboard/store/", {"store": theirs.pk}).content.decode()
    assert "Mine" in page and "Theirs" not in page  # a trader's ?store= is ignored: their own store
    client.force_login(UserFactory(is_staff=True))
    assert "Theirs" in client.get("/dashboard/store/", {"store": theirs.pk}).content.decode()
    assert client.get("/dashboard/store/", {"store": "x"}).status_code == 404
    assert client.get("/dashboard/store/").status_code == 404  # staff without a store of their own


def test_dashboard_writes_only_reach_your_own_items(client):
    mine, theirs = StoreFactory(), StoreFactory()
    item = StoreInventoryItemFactory(store=theirs, quantity=3)
    client.force_login(mine.user)
    response = client.post(f"/dashboard/store/inventory/items/{item.pk}/", {"quantity": "0", "price": "0"})
    assert response.status_code == 404
    client.post("/dashboard/store/inventory/bulk/", {"action": "delete", "items": [item.pk]})
    item.refresh_from_db()
    assert item.quantity == 3
    client.logout()
    response = client.post(f"/dashboard/store/inventory/items/{item.pk}/", {"quantity": "0"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.quantity == 3


def test_runs_of_another_store_are_404(client):
    mine, theirs = StoreFactory(), StoreFactory()
    run = InventorySyncRun.objects.create(store=theirs, provider="tcgplayer", source=SyncSource.UPLOAD)
    client.force_login(mine.user)
    assert client.get(f"/dashboard/store/sync/runs/{run.pk}/").status_code == 404
    client.force_login(theirs.user)
    assert client.get(f"/dashboard/store/sync/runs/{run.pk}/").status_code == 200


def test_api_store_detail_and_patch_access():
    api = APIClient()
    pending = StoreFactory(status=StoreStatus.PENDING)
    verified = StoreFactory()
    assert api.get(f"/api/v1/stores/{pending.pk}/").status_code == 404
    assert api.get(f"/api/v1/stores/{verified.pk}/").status_code == 200
    assert api.patch(f"/api/v1/stores/{verified.pk}/", {"store_name": "Hacked"}, format="json").status_code in (
        401,
        403,
    )
    api.force_authenticate(UserFactory())
    assert api.get(f"/api/v1/stores/{pending.pk}/").status_code == 404
    assert api.patch(f"/api/v1/stores/{verified.pk}/", {"store_name": "Hacked"}, format="json").status_code == 404
    assert api.patch(f"/api/v1/stores/{pending.pk}/", {"store_name": "Hacked"}, format="json").status_code == 404
    assert set(LGSProfile.objects.values_list("store_name", flat=True)) == {pending.store_name, verified.store_name}


def test_api_inventory_writes_are_404_for_others():
    api = APIClient()
    store = StoreFactory()
    pending = StoreFactory(status=StoreStatus.PENDING)
    item = StoreInventoryItemFactory(store=store, quantity=2, price=Decimal("1.00"))
    assert api.get(f"/api/v1/stores/{store.pk}/inventory/").status_code == 200  # public
    assert api.get(f"/api/v1/stores/{pending.pk}/inventory/").status_code == 404
    body = {"items": [{"card": item.card_id, "quantity": 99}]}
    assert api.put(f"/api/v1/stores/{store.pk}/inventory/", body, format="json").status_code in (401, 403)
    outsider = StoreFactory()
    api.force_authenticate(outsider.user)
    assert api.put(f"/api/v1/stores/{store.pk}/inventory/", body, format="json").status_code == 404
    assert api.patch(f"/api/v1/stores/{store.pk}/inventory/", body, format="json").status_code == 404
    item.refresh_from_db()
    assert item.quantity == 2 and StoreInventoryItem.objects.count() == 1


def test_api_syncs_are_404_for_others():
    api = APIClient()
    store = StoreFactory()
    run = InventorySyncRun.objects.create(store=store, provider="tcgplayer", source=SyncSource.API)
    for client_user in (None, UserFactory(), StoreFactory().user):
        if client_user is not None:
            api.force_authenticate(client_user)
        expected = (401, 403) if client_user is None else (404,)
        assert api.get(f"/api/v1/stores/{store.pk}/inventory/syncs/").status_code in expected
        assert api.get(f"/api/v1/stores/{store.pk}/inventory/syncs/{run.pk}/").status_code in expected
        response = api.post(
            f"/api/v1/stores/{store.pk}/inventory/syncs/",
            {"file": upload("tcgplayer_good.csv"), "provider": "tcgplayer", "mode": "full"},
            format="multipart",
        )
        assert response.status_code in expected
    assert InventorySyncRun.objects.count() == 1
    api.force_authenticate(store.user)
    assert api.get(f"/api/v1/stores/{store.pk}/inventory/syncs/{run.pk}/").status_code == 200
    other_run = InventorySyncRun.objects.create(store=StoreFactory(), provider="tcgplayer", source=SyncSource.API)
    assert api.get(f"/api/v1/stores/{store.pk}/inventory/syncs/{other_run.pk}/").status_code == 404


def test_scoped_token_of_one_store_cannot_reach_another():
    api = APIClient()
    mine, theirs = StoreFactory(), StoreFactory()
    run = InventorySyncRun.objects.create(store=theirs, provider="tcgplayer", source=SyncSource.API)
    _, raw = api_token_create(user=mine.user, name="pos", expires_in_days=None, scope="store:inventory")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get(f"/api/v1/stores/{theirs.pk}/inventory/syncs/").status_code == 404
    assert api.get(f"/api/v1/stores/{theirs.pk}/inventory/syncs/{run.pk}/").status_code == 404
    assert api.get(f"/api/v1/stores/{mine.pk}/inventory/syncs/{run.pk}/").status_code == 404
    assert api.get(f"/api/v1/stores/{mine.pk}/inventory/syncs/").status_code == 200


def test_buylist_quote_and_block_of_a_pending_store_are_404(client):
    from stores.models import StoreBlock, StoreThread

    store = StoreFactory(status=StoreStatus.PENDING, offers_buylist=True)
    api = APIClient()
    api.force_authenticate(UserFactory())
    assert api.get(f"/api/v1/stores/{store.pk}/buylist/").status_code == 404
    assert api.get(f"/api/v1/stores/{store.pk}/quote/").status_code == 404
    assert api.post(f"/api/v1/stores/{store.pk}/quote/send/", {}, format="json").status_code == 404
    client.force_login(UserFactory())
    assert client.get(f"/stores/{store.pk}/quote/").status_code == 404
    assert client.post(f"/stores/{store.pk}/block/").status_code == 404
    assert APIClient().get(f"/api/v1/stores/{store.pk}/quote/").status_code in (401, 403)
    assert not StoreThread.objects.exists() and not StoreBlock.objects.exists()


def test_matches_are_the_owners_alone(client):
    from stores.models import StoreMessage

    store = StoreFactory(offers_buylist=True)
    item = StoreInventoryItemFactory(store=store, quantity=1, price=Decimal("1.00"))
    trader = UserFactory(latitude=Decimal("47.62"), longitude=Decimal("-122.34"), match_with_stores=True)
    from lists.tests.factories import WantItemFactory

    WantItemFactory(owner=trader, card=item.card)
    other_store = StoreFactory()
    for user in (UserFactory(), UserFactory(is_staff=True), other_store.user):
        api = APIClient()
        api.force_authenticate(user)
        assert api.get(f"/api/v1/stores/{store.pk}/matches/").status_code == 404
        url = f"/api/v1/stores/{store.pk}/matches/{trader.username}/message/"
        assert api.post(url, {"body": "Hi"}, format="json").status_code == 404
    client.force_login(other_store.user)  # the dashboard route acts for your own store: not a match of it
    client.post(f"/dashboard/store/matches/{trader.username}/message/", {"body": "Hi"})
    assert not StoreMessage.objects.exists()


def test_conversations_are_their_parties_alone(client):
    from stores.models import StoreMessage, StoreMessageReport, StoreThread

    store = StoreFactory()
    trader = UserFactory()
    thread = StoreThread.objects.create(store=store, trader=trader)
    message = StoreMessage.objects.create(thread=thread, sender=store.user, body="Hello")
    for user in (UserFactory(), UserFactory(is_staff=True)):
        client.force_login(user)
        assert client.get(f"/stores/threads/{thread.pk}/").status_code == 404
        assert client.post(f"/stores/threads/{thread.pk}/", {"body": "x"}).status_code == 404
        report_url = f"/stores/threads/{thread.pk}/messages/{message.pk}/report/"
        assert client.post(report_url, {"reason": "x"}).status_code == 404
    client.force_login(store.user)  # the store cannot report its own conversation's messages
    assert client.post(f"/stores/threads/{thread.pk}/messages/{message.pk}/report/", {"reason": "x"}).status_code == 404
    assert StoreMessage.objects.count() == 1 and not StoreMessageReport.objects.exists()
