"""Auto price adjustment: price = market * (1 + price_adjustment_pct / 100), in batches.

Runs after a store's sync and from a beat job for stores whose market prices moved since
their last repricing — never on each live tick. Only `price` changes; `feed_price` stays what
the feed said, so a re-run of the same feed still writes nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, Exists, OuterRef, Subquery, Value
from django.db.models.functions import Round
from django.utils import timezone

from cards.models import CardPrice
from stores.models import LGSProfile, StoreInventoryItem

MARKET_CURRENCY = "USD"


def adjusted_factor(pct: Decimal) -> Decimal:
    return Decimal(1) + Decimal(pct) / Decimal(100)


@transaction.atomic
def store_prices_reprice(*, store_id: int) -> int:
    store = LGSProfile.objects.select_for_update().get(pk=store_id)
    if not store.auto_price_adjustment:
        return 0
    market = CardPrice.objects.filter(
        card_id=OuterRef("card_id"), finish=OuterRef("finish"), currency=MARKET_CURRENCY
    ).values("price")[:1]
    factor = Value(
        adjusted_factor(store.price_adjustment_pct), output_field=DecimalField(max_digits=12, decimal_places=4)
    )
    changed = (
        StoreInventoryItem.objects.filter(store_id=store_id)
        .filter(Exists(market))
        .update(
            price=Round(Subquery(market, output_field=DecimalField(max_digits=12, decimal_places=2)) * factor, 2),
            updated_at=timezone.now(),
        )
    )
    store.prices_adjusted_at = timezone.now()
    store.save(update_fields=["prices_adjusted_at", "updated_at"])
    return changed


def stores_reprice_due() -> list[int]:
    """Auto-adjusted stores whose cards have a market price newer than their last repricing."""
    stores = LGSProfile.objects.filter(auto_price_adjustment=True).values_list("pk", "prices_adjusted_at")
    done = []
    for store_id, adjusted_at in stores:
        moved = CardPrice.objects.filter(
            card_id__in=StoreInventoryItem.objects.filter(store_id=store_id).values("card_id")
        )
        if adjusted_at is not None:
            moved = moved.filter(captured_at__gt=adjusted_at)
        if moved.exists():
            store_prices_reprice(store_id=store_id)
            done.append(store_id)
    return done
