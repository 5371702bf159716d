"""Stores' routes that name an object, for the resolver-wide access test (docs/api.md)."""

from decimal import Decimal

from core.tests.access import OWNER, PARTY, PUBLIC, SIGNED_IN, AccessRoute, Target
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


def _pending_store():
    store = StoreFactory(status="pending", offers_buylist=True)
    return Target(kwargs={"pk": store.pk}, owners=[store.user])


def _buylist_store():
    store = StoreFactory(offers_buylist=True)
    return Target(kwargs={"pk": store.pk}, owners=[store.user])


def _match():
    from accounts.tests.factories import UserFactory
    from lists.tests.factories import WantItemFactory

    store = StoreFactory(offers_buylist=True)
    item = StoreInventoryItemFactory(store=store, quantity=2, price=Decimal("3.00"))
    trader = UserFactory(latitude=Decimal("47.62"), longitude=Decimal("-122.34"), match_with_stores=True)
    WantItemFactory(owner=trader, card=item.card)
    return Target(kwargs={"pk": store.pk, "username": trader.username}, owners=[store.user])


def _dashboard_match():
    target = _match()
    return Target(kwargs={"username": target.kwargs["username"]}, owners=target.owners)


def _thread():
    from accounts.tests.factories import UserFactory
    from stores.models import StoreMessage, StoreThread

    store = StoreFactory()
    trader = UserFactory()
    thread = StoreThread.objects.create(store=store, trader=trader)
    message = StoreMessage.objects.create(thread=thread, sender=store.user, body="Hello")
    return thread, message


def _thread_target():
    thread, _message = _thread()
    return Target(kwargs={"pk": thread.pk}, owners=[thread.trader, thread.store.user])


def _report_target():
    thread, message = _thread()
    return Target(kwargs={"pk": thread.pk, "message_id": message.pk}, owners=[thread.trader])


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
    # Smart buylist: public for a verified store; a quote is the caller's own haves.
    AccessRoute("api-store-buylist", _verified_store, PUBLIC),
    AccessRoute("api-store-quote", _verified_store, SIGNED_IN),
    AccessRoute("stores:quote", _verified_store, SIGNED_IN, outsider_writes=("post",)),
    # Sending a quote and blocking take POST only, from any signed-in trader, to a verified store:
    # registered with a pending store, which only its owner (and staff) can reach.
    AccessRoute("api-store-quote-send", _pending_store, OWNER, payload={"body": ""}),
    AccessRoute("stores:block", _pending_store, OWNER),
    # Local matches are the store owner's alone (not staff's); a conversation is its two parties'.
    AccessRoute("api-store-matches", _buylist_store, OWNER),
    AccessRoute("api-store-match-message", _match, OWNER, payload={"body": "We stock your wants"}),
    AccessRoute("stores:dashboard_match_message", _dashboard_match, OWNER, payload={"body": "Hello"}),
    AccessRoute("stores:thread", _thread_target, PARTY, payload={"body": "Hi"}),
    AccessRoute("stores:message_report", _report_target, OWNER, payload={"reason": "Spam"}),
]
NOT_OBJECT_ROUTES = {}
