"""Stores' routes that name an object, for the resolver-wide access test (docs/api.md)."""

from decimal import Decimal

from core.tests.access import OWNER, PUBLIC, AccessRoute, Target
from stores.enums import SyncSource
from stores.models import InventorySyncRun

from .factories import StoreFactory, StoreInventoryItemFactory


def _verified_store():
    store = StoreFactory()
    StoreInventoryItemFactory(store=store, quantity=2)
    return Target(kwargs={"pk": store.pk})


def _item():
    item = StoreInventoryItemFactory(quantity=3, price=Decimal("1.00"))
    return Target(kwargs={"item_id": item.pk}, owners=[item.store.user])


def _run_page():
    store = StoreFactory()
    run = InventorySyncRun.objects.create(store=store, provider="tcgplayer", source=SyncSource.UPLOAD)
    return Target(kwargs={"run_id": run.pk}, owners=[store.user])


def _store_for_syncs():
    store = StoreFactory()
    return Target(kwargs={"pk": store.pk}, owners=[store.user])


def _run():
    store = StoreFactory()
    run = InventorySyncRun.objects.create(store=store, provider="tcgplayer", source=SyncSource.API)
    return Target(kwargs={"pk": store.pk, "run_id": run.pk}, owners=[store.user])


ROUTES = [
    # Verified stores are public; pending and rejected ones are 404 to all but owner and staff
    # (stores/tests/test_access.py covers those, anonymous callers included).
    AccessRoute("stores:detail", _verified_store, PUBLIC),
    AccessRoute("stores:dashboard_item_edit", _item, OWNER, payload={"quantity": "1", "price": "1.00"}),
    AccessRoute("stores:dashboard_sync_run", _run_page, OWNER),
    AccessRoute("api-store-detail", _verified_store, PUBLIC, payload={"store_phone": "555-0100"}),
    # Inventory of a verified store: anyone reads it; only the owner writes.
    AccessRoute("api-store-inventory", _verified_store, PUBLIC, payload={"items": []}),
    AccessRoute("api-store-syncs", _store_for_syncs, OWNER),
    AccessRoute("api-store-sync-detail", _run, OWNER),
]
NOT_OBJECT_ROUTES = {}
