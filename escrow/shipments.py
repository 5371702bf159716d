"""Who ships in an escrowed trade, and each recipient's inspection deadline (reads only)."""

from datetime import timedelta

from django.conf import settings

from .models import EscrowTransaction

SIDES = ("payer", "payee")


def other_side(side: str) -> str:
    return "payee" if side == "payer" else "payer"


def shipping_sides(escrow: EscrowTransaction) -> set[str]:
    """The sides that ship cards: those giving at least one item of the trade (SPEC §8.6)."""
    trade_cache = (
        getattr(escrow.trade, "_prefetched_objects_cache", {}) if "trade" in escrow._state.fields_cache else {}
    )
    if "items" in trade_cache:  # the selectors prefetch them for lists and pages
        givers = {item.giver_id for item in escrow.trade.items.all()}
    else:
        from trades.models import TradeItem

        givers = set(TradeItem.objects.filter(trade_id=escrow.trade_id).values_list("giver_id", flat=True))
    return {side for side in SIDES if getattr(escrow, f"{side}_id") in givers}


def inspection_deadline(escrow: EscrowTransaction, recipient_side: str):
    """When the recipient is deemed to have received: the other side's shipment + the window."""
    shipped = getattr(escrow, f"{other_side(recipient_side)}_shipped_at")
    return shipped + timedelta(days=settings.ESCROW_INSPECTION_DAYS) if shipped else None
