"""The trader's want list seen from the stores side: which stores stock what I want.

A want names a printing (the list's card), so "stocks a card on my want list" means the
store has that printing on its shelf (quantity > 0), in any condition, finish and language.
"""

from django.db.models import Count

from lists.enums import ListKind
from lists.selectors import list_items_for


def wanted_card_ids(*, user) -> set[int]:
    return set(list_items_for(kind=ListKind.WANT, owner=user).values_list("card_id", flat=True))


def wanted_in_stock_counts(*, user, store_ids: list[int]) -> dict[int, int]:
    """Store id → how many distinct cards of the user's want list it has in stock."""
    if not store_ids:
        return {}
    from .models import StoreInventoryItem

    wanted = list_items_for(kind=ListKind.WANT, owner=user).values("card_id")
    rows = (
        StoreInventoryItem.objects.filter(store_id__in=store_ids, quantity__gt=0, card_id__in=wanted)
        .values("store_id")
        .annotate(cards=Count("card_id", distinct=True))
    )
    return {row["store_id"]: row["cards"] for row in rows}
