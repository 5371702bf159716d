"""Stores for the API contract run (core/tests/contract.py): the token's owner has a verified store
with stock and a finished sync; the other user has a pending store."""

from decimal import Decimal

from cards.tests.factories import CardFactory
from stores.enums import StoreStatus, SyncRunStatus, SyncSource
from stores.models import InventorySyncRun, LGSProfile, StoreInventoryItem


def seed(*, user, other):
    mine = LGSProfile.objects.create(
        user=user,
        store_name="Contract Games",
        store_postal="98101",
        latitude=Decimal("47.61"),
        longitude=Decimal("-122.33"),
        timezone="America/Los_Angeles",
        hours={"monday": {"open": "10:00", "close": "21:00"}},
        status=StoreStatus.VERIFIED,
    )
    LGSProfile.objects.create(
        user=other,
        store_name="Other Games",
        latitude=Decimal("47.62"),
        longitude=Decimal("-122.34"),
        status=StoreStatus.PENDING,
    )
    for index in range(3):
        StoreInventoryItem.objects.create(
            store=mine, card=CardFactory(name=f"Contract Card {index}"), quantity=index + 1, price=Decimal("1.50")
        )
    InventorySyncRun.objects.create(
        store=mine, provider="tcgplayer", source=SyncSource.API, status=SyncRunStatus.SUCCEEDED, created_count=3
    )
    # The smart buylist: the store buys both traders' haves (fixed prices), and `other` is a nearby,
    # opted-in match, so quotes, the buylist and matches answer with rows.
    from lists.models import HaveItem
    from stores.services.buylist import buylist_rules_save

    type(other).objects.filter(pk=other.pk).update(
        latitude=Decimal("47.62"), longitude=Decimal("-122.34"), match_with_stores=True
    )
    type(user).objects.filter(pk=user.pk).update(latitude=Decimal("47.60"), longitude=Decimal("-122.32"))
    LGSProfile.objects.filter(pk=mine.pk).update(offers_buylist=True, trade_in_bonus_pct=Decimal("20"))
    mine.refresh_from_db()
    hot = sorted(set(HaveItem.objects.filter(owner__in=[user, other]).values_list("card_id", flat=True)))
    fixed = {card_id: Decimal("2.00") for card_id in hot}
    buylist_rules_save(store=mine, data={"card_rules": {"hot": [], "dark": [], "fixed": fixed}})
    return {"stores": [mine.pk]}
