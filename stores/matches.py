"""Reads for the smart buylist's consumers: a trader's quote, a store's local matches, the mirror view.

Only traders who opted in (`match_with_stores`) and have a location within the store's
radius are matches; a trader who blocked the store never is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.http import Http404

from stores.enums import StoreStatus
from stores.models import BuylistEntry, LGSProfile, StoreBlock, StoreInventoryItem, StoreThread
from stores.services.buylist import MARKET_CURRENCY, haversine_km, nearby_trader_ids
from stores.wants import satisfying_q, want_lines_for_stock

MAX_MATCHES = 200


def offerable_quantity(have) -> int:
    """What the trader may offer of a have: its quantity less what open trades reserve."""
    return have.available


def buylist_for(*, store: LGSProfile, card_id: int | None = None):
    rows = BuylistEntry.objects.filter(store=store).select_related("card")
    if card_id is not None:
        rows = rows.filter(card_id=card_id)
    return rows.order_by("card_name", "card_id", "finish", "condition", "pk")


@dataclass
class QuoteLine:
    have_id: int
    card_id: int
    card_name: str
    condition: str
    finish: str
    quantity: int
    cash_price: Decimal
    credit_price: Decimal

    @property
    def cash_total(self) -> Decimal:
        return self.cash_price * self.quantity

    @property
    def credit_total(self) -> Decimal:
        return self.credit_price * self.quantity

    def as_dict(self) -> dict:
        return {
            "have_id": self.have_id,
            "card": self.card_id,
            "card_name": self.card_name,
            "condition": self.condition,
            "finish": self.finish,
            "quantity": self.quantity,
            "cash_price": str(self.cash_price),
            "credit_price": str(self.credit_price),
            "cash_total": str(self.cash_total),
            "credit_total": str(self.credit_total),
        }


@dataclass
class Quote:
    lines: list[QuoteLine] = field(default_factory=list)
    currency: str = MARKET_CURRENCY

    @property
    def cash_total(self) -> Decimal:
        return sum((line.cash_total for line in self.lines), Decimal("0.00"))

    @property
    def credit_total(self) -> Decimal:
        return sum((line.credit_total for line in self.lines), Decimal("0.00"))

    def as_dict(self) -> dict:
        return {
            "lines": [line.as_dict() for line in self.lines],
            "cash_total": str(self.cash_total),
            "credit_total": str(self.credit_total),
            "currency": self.currency,
        }


def quotes_for(*, store_ids: list[int], user) -> dict[int, Quote]:
    """Store id → the user's haves priced by that store's buylist (lines the store buys only)."""
    from lists.enums import ListKind
    from lists.selectors import list_items_for

    haves = list(list_items_for(kind=ListKind.HAVE, owner=user).select_related("card").order_by("card__name", "pk"))
    quotes = {store_id: Quote() for store_id in store_ids}
    if not haves or not store_ids:
        return quotes
    entries = BuylistEntry.objects.filter(
        store_id__in=store_ids, card_id__in={have.card_id for have in haves}
    ).values_list("store_id", "card_id", "condition", "finish", "cash_price", "credit_price")
    prices = {(s, c, cond, fin): (cash, credit) for s, c, cond, fin, cash, credit in entries}
    for store_id in store_ids:
        for have in haves:
            price = prices.get((store_id, have.card_id, have.condition, have.finish))
            quantity = offerable_quantity(have)
            if price is None or quantity <= 0:
                continue
            quotes[store_id].lines.append(
                QuoteLine(
                    have_id=have.pk,
                    card_id=have.card_id,
                    card_name=have.card.name,
                    condition=have.condition,
                    finish=have.finish,
                    quantity=quantity,
                    cash_price=price[0],
                    credit_price=price[1],
                )
            )
    return quotes


def quote_for(*, store: LGSProfile, user) -> Quote:
    return quotes_for(store_ids=[store.pk], user=user)[store.pk]


@dataclass
class Match:
    username: str
    user_id: int
    distance_km: float
    wants_stocked: int = 0
    haves_bought: int = 0
    wants_value: Decimal = Decimal("0.00")
    haves_value: Decimal = Decimal("0.00")
    currency: str = MARKET_CURRENCY

    @property
    def value(self) -> Decimal:
        return self.wants_value + self.haves_value


def store_matches(*, store: LGSProfile) -> list[Match]:
    """Opted-in traders within the store's radius whose wants it stocks or whose haves it buys.

    wants_stocked / haves_bought count list lines; value = what the store would sell them
    (its price * the quantity it can supply) + what it would pay for their haves (cash).
    """
    from accounts.models import User
    from lists.enums import ListKind
    from lists.selectors import list_items_for

    if store.status != StoreStatus.VERIFIED:
        return []  # traders share their lists with verified stores only
    nearby = nearby_trader_ids(store=store, opted_in_only=True)
    blocked = set(StoreBlock.objects.filter(store=store).values_list("trader_id", flat=True))
    ids = [pk for pk in nearby if pk not in blocked]
    if not ids:
        return []
    names = dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))
    matches = {pk: Match(username=names[pk], user_id=pk, distance_km=nearby[pk]) for pk in ids}

    stock = defaultdict(lambda: [0, None])
    oracle_of = {}
    for card_id, quantity, price, oracle in StoreInventoryItem.objects.filter(
        store=store, quantity__gt=0, card__tradable=True
    ).values_list("card_id", "quantity", "price", "card__oracle_id"):
        oracle_of[card_id] = oracle
        entry = stock[card_id]
        entry[0] += quantity
        if price is not None and (entry[1] is None or price < entry[1]):
            entry[1] = price
    # A want line is stocked by its printing, or (any printing) by any tradable printing of its card.
    for owner_id, quantity, supply, price in want_lines_for_stock(owner_ids=ids, stock=stock, oracle_of=oracle_of):
        match = matches[owner_id]
        match.wants_stocked += 1
        if price is not None:
            match.wants_value += price * min(quantity, supply)

    entries = {
        (c, cond, fin): cash
        for c, cond, fin, cash in BuylistEntry.objects.filter(store=store).values_list(
            "card_id", "condition", "finish", "cash_price"
        )
    }
    for have in list_items_for(kind=ListKind.HAVE, owner_ids=ids).only(
        "owner_id", "card_id", "condition", "finish", "quantity", "reserved"
    ):
        cash = entries.get((have.card_id, have.condition, have.finish))
        quantity = offerable_quantity(have)
        if cash is None or quantity <= 0:
            continue
        match = matches[have.owner_id]
        match.haves_bought += 1
        match.haves_value += cash * quantity
    found = [m for m in matches.values() if m.wants_stocked or m.haves_bought]
    found.sort(key=lambda m: (-m.value, m.distance_km, m.username))
    return found[:MAX_MATCHES]


def access_match(*, store: LGSProfile, username: str) -> Match:
    for match in store_matches(store=store):
        if match.username == username:
            return match
    raise Http404("No such match")


@dataclass
class StoreForMe:
    store: LGSProfile
    distance_km: float
    stocks: list[dict]
    quote: Quote


def my_store_matches(*, user) -> list[StoreForMe]:
    """The mirror view: verified stores whose radius covers me, that stock my wants or buy my haves."""

    if not user.has_location:
        return []
    blocked = StoreBlock.objects.filter(trader=user).values("store_id")
    candidates = []
    for store in (
        LGSProfile.objects.filter(status=StoreStatus.VERIFIED, latitude__isnull=False)
        .exclude(pk=user.pk)
        .exclude(pk__in=blocked)
        .select_related("user")
    ):
        distance = haversine_km(store.latitude, store.longitude, user.latitude, user.longitude)
        if distance <= store.service_radius_km:
            candidates.append((round(distance, 1), store))
    if not candidates:
        return []
    store_ids = [store.pk for _d, store in candidates]
    stocked = defaultdict(list)
    for store_id, card_id, name, quantity, price, currency in (
        StoreInventoryItem.objects.filter(satisfying_q(user=user), store_id__in=store_ids, quantity__gt=0)
        .order_by("card_name", "pk")
        .values_list("store_id", "card_id", "card__name", "quantity", "price", "currency")
    ):
        stocked[store_id].append(
            {
                "card": card_id,
                "card_name": name,
                "quantity": quantity,
                "price": str(price) if price is not None else None,
                "currency": currency,
            }
        )
    quotes = quotes_for(store_ids=store_ids, user=user)
    found = [
        StoreForMe(store=store, distance_km=distance, stocks=stocked[store.pk], quote=quotes[store.pk])
        for distance, store in sorted(candidates, key=lambda pair: (pair[0], pair[1].pk))
        if stocked[store.pk] or quotes[store.pk].lines
    ]
    return found


def access_store_thread(*, user, pk: int) -> StoreThread:
    """A thread is seen by its trader and the store's owner only; anyone else gets a 404."""
    if not user.is_authenticated:
        raise Http404("No such conversation")
    thread = (
        StoreThread.objects.select_related("store", "trader", "store__user")
        .filter(Q(trader=user) | Q(store__user=user), pk=pk)
        .first()
    )
    if thread is None:
        raise Http404("No such conversation")
    return thread


def threads_of(*, user):
    return (
        StoreThread.objects.filter(Q(trader=user) | Q(store__user=user))
        .select_related("store", "trader")
        .order_by("-updated_at", "-pk")
    )
