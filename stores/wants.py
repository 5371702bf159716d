"""Want lists seen from the stores side: which printings satisfy a want, which stores stock them.

A want names a printing (the list's card). An any-printing want (`WantItem.any_printing`) is
satisfied by every printing with the same `Card.oracle_id`. Only tradable cards
(`Card.tradable`) count: a store's digital-only or token row never satisfies a want, and no
demand is counted for one. Every stores surface that reads wants goes through here: the finder's
"stocks N of your wants", the store page's badge, the buylist's local demand, a store's local
matches and the trader's mirror view.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection
from django.db.models import Count, Q

from lists.enums import ListKind
from lists.selectors import list_items_for


def _wants(user_ids):
    return list_items_for(kind=ListKind.WANT, owner_ids=user_ids)


def satisfying_q(*, user) -> Q:
    """Items (StoreInventoryItem-like rows with a `card`) that satisfy one of the user's wants."""
    wants = list_items_for(kind=ListKind.WANT, owner=user)
    exact = wants.values("card_id")
    oracles = wants.filter(any_printing=True, card__oracle_id__isnull=False).values("card__oracle_id")
    return (Q(card_id__in=exact) | Q(card__oracle_id__in=oracles)) & Q(card__tradable=True)


def wanted_card_ids(*, user) -> set[int]:
    """Every tradable printing that satisfies one of the user's wants (any-printing wants: all of them)."""
    from cards.models import Card

    wants = list_items_for(kind=ListKind.WANT, owner=user)
    oracles = wants.filter(any_printing=True, card__oracle_id__isnull=False).values("card__oracle_id")
    printings = Card.objects.filter(Q(pk__in=wants.values("card_id")) | Q(oracle_id__in=oracles), tradable=True)
    return set(printings.values_list("pk", flat=True))


def wanted_in_stock_counts(*, user, store_ids: list[int]) -> dict[int, int]:
    """Store id → how many distinct printings satisfying the user's wants it has in stock."""
    if not store_ids:
        return {}
    from .models import StoreInventoryItem

    rows = (
        StoreInventoryItem.objects.filter(satisfying_q(user=user), store_id__in=store_ids, quantity__gt=0)
        .values("store_id")
        .annotate(cards=Count("card_id", distinct=True))
    )
    return {row["store_id"]: row["cards"] for row in rows}


WANTERS_SQL = """
    SELECT w.card_id, w.owner_id FROM lists_wantitem w JOIN cards_card c ON c.id = w.card_id
    WHERE w.owner_id = ANY(%(owners)s) AND c.tradable
    UNION
    SELECT p.id, w.owner_id FROM lists_wantitem w
    JOIN cards_card c ON c.id = w.card_id
    JOIN cards_card p ON p.oracle_id = c.oracle_id
    WHERE w.owner_id = ANY(%(owners)s) AND w.any_printing AND p.tradable
"""


def wanters_by_card(*, owner_ids) -> dict[int, set[int]]:
    """Printing id → the traders (of `owner_ids`) with a want it satisfies (tradable printings); one query."""
    owner_ids = list(owner_ids)
    found: dict[int, set[int]] = defaultdict(set)
    if not owner_ids:
        return found
    with connection.cursor() as cursor:
        cursor.execute(WANTERS_SQL, {"owners": owner_ids})
        for card_id, owner_id in cursor.fetchall():
            found[card_id].add(owner_id)
    return found


def want_lines_for_stock(*, owner_ids, stock: dict, oracle_of: dict):
    """The want lines of `owner_ids` that `stock` satisfies, as (owner id, wanted quantity, supply, lowest price).

    `stock`: printing id → (quantity on the shelf, lowest asking price or None), tradable printings
    only; `oracle_of`: printing id → its oracle id. An exact want looks at its printing; an
    any-printing want at every stocked printing of its oracle id (quantities added up, the lowest price).
    """
    if not stock or not owner_ids:
        return []
    by_oracle: dict = {}
    for card_id, (quantity, price) in stock.items():
        oracle = oracle_of.get(card_id)
        if oracle is None:
            continue
        supply, lowest = by_oracle.get(oracle, (0, None))
        if price is not None and (lowest is None or price < lowest):
            lowest = price
        by_oracle[oracle] = (supply + quantity, lowest)
    wants = _wants(owner_ids).filter(
        Q(card_id__in=list(stock)) | Q(any_printing=True, card__oracle_id__in=list(by_oracle))
    )
    lines = []
    for owner_id, card_id, oracle, any_printing, quantity in wants.values_list(
        "owner_id", "card_id", "card__oracle_id", "any_printing", "quantity"
    ):
        supply = by_oracle.get(oracle) if any_printing and oracle is not None else stock.get(card_id)
        if supply is None:
            continue
        lines.append((owner_id, quantity, supply[0], supply[1]))
    return lines
