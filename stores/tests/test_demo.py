"""Demo stores: idempotent, verified stores with synced inventories and schedules, one pending."""

import io
from decimal import Decimal

import pytest

from accounts.demo import seed as seed_accounts
from cards.tests.factories import CardPriceFactory
from lists import demo as demo_lists
from stores import demo as demo_stores
from stores.enums import StoreStatus, SyncRunStatus
from stores.models import InventorySyncRun, LGSProfile, StoreInventoryItem
from stores.selectors import FinderFilters, stores_near
from stores.wants import wanted_in_stock_counts

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_the_seattle_store_stocks_demo_traders_wants():
    for index in range(80):
        CardPriceFactory(price=Decimal("1.00") + index)
    seed_accounts(io.StringIO())
    demo_lists.seed(io.StringIO())
    out = io.StringIO()
    demo_stores.seed(out)
    counts = (LGSProfile.objects.count(), StoreInventoryItem.objects.count(), InventorySyncRun.objects.count())
    demo_stores.seed(io.StringIO())
    assert (LGSProfile.objects.count(), StoreInventoryItem.objects.count(), InventorySyncRun.objects.count()) == counts

    assert LGSProfile.objects.filter(status=StoreStatus.PENDING).count() == 1
    verified = LGSProfile.objects.filter(status=StoreStatus.VERIFIED)
    assert verified.count() == 6
    assert set(InventorySyncRun.objects.values_list("status", flat=True)) == {SyncRunStatus.SUCCEEDED}
    assert all(store.inventory_items.exists() and store.next_sync_at for store in verified)
    found = stores_near(lat=47.6062, lng=-122.3321, radius_km=40, filters=FinderFilters())
    assert {entry.store.store_name for entry in found} == {"Emerald City Games", "Fremont Card Shop", "Eastside Gaming"}
    from accounts.models import User

    demo_trader = User.objects.get(username="demo_trader")
    seattle = LGSProfile.objects.get(user__username="store_seattle")
    assert wanted_in_stock_counts(user=demo_trader, store_ids=[seattle.pk])[seattle.pk] >= 1
    assert "finder at /stores/?near=98101" in out.getvalue()

    # Smart buylists: Seattle buys demo_trader's haves (its hotlist) and sees them as a match.
    from stores.matches import quote_for, store_matches
    from stores.models import BuylistEntry, BuylistRules

    assert BuylistRules.objects.count() == 4  # the verified stores that run a buylist
    assert BuylistEntry.objects.filter(store=seattle).exists()
    assert quote_for(store=seattle, user=demo_trader).lines
    assert "demo_trader" in [match.username for match in store_matches(store=seattle)]
