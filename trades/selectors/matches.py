"""Matching: traders near me who have what I want and want what I have, best first.

Both radii must hold (mine and theirs): a trader 40 km away with a 25 km radius does not want
to meet me. Every qualifying trader is scored. One SQL query finds them — active personal
accounts within both radii (distance in SQL, inside a lat/long bounding box), whose have and
want lists are public (matching uses my private lists for my own matches, but shows me only
what others made public), holding an available copy of a card I want and wanting a card I
have. Only if more than `MAX_SCORED` qualify is the list cut, and then after ranking them by a
cheap SQL score (overlap values and counts, distance, reputation), so the best are never the
ones dropped. Their rows are then read as value tuples (no model instances; cards reached only through their
primary key or the oracle index, never a join over the catalog), wants less what agreed trades
already bring, and scored in Python by card-indexed lookups. Only tradable cards are offered.

An any-printing want (`WantItem.any_printing`) is filled by any printing of its card (same
oracle id), under the same finish, language, condition and price rules as a specific want.

The result is cached per user under a freshness stamp (docs/decisions/0033): one indexed query
sums the stamps that database triggers bump on every change matching reads (lists, reservations,
list visibility, location and radius, reputation, agreed trades, prices and cards). A page then
costs that query and a cache read; a change anywhere in the box of traders recomputes it.
Six queries to compute (one more with any-printing wants, one more with a cut), however many
traders or items there are.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ACos, Cast, Coalesce, Cos, Greatest, Least, Radians, Sin
from django.urls import reverse

from accounts.enums import AccountType
from accounts.models import User
from cards.enums import Finish
from cards.models import Card, CardPrice
from core.money import DEFAULT_CURRENCY, quantize_money
from lists.enums import CONDITION_ORDER, ListKind
from lists.selectors import condition_satisfies, list_items_for, private_list_owner_ids, want_accepts
from trades.enums import TradeStatus
from trades.models import MatchingStamp, TradeItem

EARTH_RADIUS_KM = 6371.0088
# Scoring is cheap per trader (tuples and dict lookups); the cut exists only so that a city of
# 50,000 traders cannot make one request unbounded. Override with settings.MATCHING_MAX_SCORED.
MAX_SCORED = 5000
# Score weights (sum 100): a fair swap matters most, then how much is worth the trip.
WEIGHTS = {"balance": 35, "value": 20, "variety": 15, "distance": 15, "reputation": 15}
VALUE_FOR_FULL_POINTS = Decimal("500")
VARIETY_FOR_FULL_POINTS = 10
REPUTATION_FOR_FULL_POINTS = Decimal("900")
CONDITION_RANK = {condition: rank for rank, condition in enumerate(CONDITION_ORDER)}  # 0 is best

__all__ = [
    "Match",
    "MatchLine",
    "bounding_box",
    "condition_satisfies",
    "haversine_km",
    "matches_for",
]


@dataclass(frozen=True)
class CardRef:
    pk: int
    name: str = ""
    set_code: str = ""


@dataclass
class ListRow:
    """A have or want row as matching reads it (a tuple's fields, not a model instance).

    For haves `quantity` is what is available (not promised in agreed trades) and `limit` the
    minimum trade value; for wants `limit` is the maximum price. `oracle_id` is the card's (for
    other traders' wants, read only when the want is for any printing).
    """

    pk: int
    owner_id: int
    card_id: int
    condition: str
    finish: str
    language: str
    quantity: int
    limit: Decimal | None
    any_printing: bool = False
    oracle_id: object = None
    card: CardRef | None = None

    @property
    def min_trade_value(self) -> Decimal | None:
        return self.limit

    @property
    def max_price(self) -> Decimal | None:
        return self.limit

    def get_finish_display(self) -> str:
        return Finish(self.finish).label


@dataclass(frozen=True)
class MatchTrader:
    pk: int
    username: str
    trade_radius_km: int
    reputation_score: Decimal
    reputation_tier: str


@dataclass
class MatchLine:
    """One card that would change hands: `have` (the giver's row) fills `want`."""

    have: ListRow
    want: ListRow
    quantity: int
    unit_price: Decimal | None
    value: Decimal = field(init=False)

    def __post_init__(self) -> None:
        self.value = quantize_money((self.unit_price or 0) * self.quantity)


@dataclass
class Match:
    trader: MatchTrader
    distance_km: float
    they_give: list[MatchLine]
    i_give: list[MatchLine]
    score: float = 0.0
    balance: float = 0.0
    currency: str = DEFAULT_CURRENCY
    reasons: list[dict] = field(default_factory=list)
    propose_url: str = ""
    lists_url: str = ""

    get_value: Decimal = Decimal("0.00")
    give_value: Decimal = Decimal("0.00")

    def __post_init__(self) -> None:
        self.get_value = sum((line.value for line in self.they_give), Decimal("0.00"))
        self.give_value = sum((line.value for line in self.i_give), Decimal("0.00"))

    @property
    def total_value(self) -> Decimal:
        return self.get_value + self.give_value

    @staticmethod
    def _picks(lines: list[MatchLine]) -> list[dict]:
        quantities: dict[int, int] = {}
        for line in lines:
            quantities[line.have.pk] = quantities.get(line.have.pk, 0) + line.quantity
        return [{"have_item": pk, "quantity": quantities[pk]} for pk in sorted(quantities)]

    @property
    def offer(self) -> list[dict]:
        """My have rows and the matched quantities: the proposal's `offer` (API shape)."""
        return self._picks(self.i_give)

    @property
    def request(self) -> list[dict]:
        """Their have rows and the matched quantities: the proposal's `request`."""
        return self._picks(self.they_give)

    @property
    def offer_ids(self) -> list[int]:
        return [pick["have_item"] for pick in self.offer]

    @property
    def request_ids(self) -> list[int]:
        return [pick["have_item"] for pick in self.request]

    @property
    def tier(self) -> str:
        return self.trader.reputation_tier or "new"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> dict:
    """Filter kwargs for the smallest lat/long box holding every point within radius_km.

    The longitude half-width is asin(sin(r/R) / cos(lat)) (the circle's widest point lies
    poleward of my latitude); near the poles or across the antimeridian longitude stays open.
    """
    angular = radius_km / EARTH_RADIUS_KM
    d_lat = math.degrees(angular)
    box = {"latitude__gte": lat - d_lat, "latitude__lte": lat + d_lat}
    cos_lat = math.cos(math.radians(lat))
    if math.sin(angular) < cos_lat:
        d_lon = math.degrees(math.asin(math.sin(angular) / cos_lat))
        if lon - d_lon >= -180 and lon + d_lon <= 180:
            box |= {"longitude__gte": lon - d_lon, "longitude__lte": lon + d_lon}
    return box


def _distance_sql(lat: float, lon: float):
    """Great-circle distance (km) from (lat, lon) to each user, by the spherical law of cosines.

    Clamped into [-1, 1] before ACOS so rounding at zero distance cannot leave its domain;
    the exact haversine in Python agrees to well under a metre at trading distances.
    """
    their_lat = Radians(Cast("latitude", FloatField()))
    their_lon = Radians(Cast("longitude", FloatField()))
    my_lat, my_lon = math.radians(lat), math.radians(lon)
    cosine = Value(math.sin(my_lat)) * Sin(their_lat) + Value(math.cos(my_lat)) * Cos(their_lat) * Cos(
        their_lon - Value(my_lon)
    )
    return ExpressionWrapper(
        Value(EARTH_RADIUS_KM) * ACos(Greatest(Value(-1.0), Least(Value(1.0), cosine))), output_field=FloatField()
    )


def _overlap(kind: str, card_ids, *, available_only: bool):
    """(count, value) subqueries of a candidate's rows on these cards (value at current prices)."""
    rows = list_items_for(kind=kind, owner=OuterRef("pk"), card_ids=card_ids)
    quantity = F("quantity") - F("reserved") if available_only else F("quantity")
    if available_only:
        rows = rows.filter(quantity__gt=F("reserved"))
    count = rows.order_by().values("owner_id").annotate(n=Count("pk")).values("n")
    price = CardPrice.objects.filter(card_id=OuterRef("card_id"), finish=OuterRef("finish")).values("price")[:1]
    value = (
        rows.order_by()
        .annotate(unit=Subquery(price))
        .values("owner_id")
        .annotate(
            v=Sum(ExpressionWrapper(quantity * F("unit"), output_field=DecimalField(max_digits=14, decimal_places=2)))
        )
        .values("v")
    )
    return (
        Coalesce(Subquery(count), 0),
        Coalesce(Cast(Subquery(value), FloatField()), Value(0.0)),
    )


CANDIDATE_FIELDS = ("pk", "username", "trade_radius_km", "reputation_score", "reputation_tier", "latitude", "longitude")


@dataclass(frozen=True)
class Wanted:
    """What the candidates' rows must be on.

    `printings`: the tradable cards that can fill my wants (my specific wants' printings, and
    every printing of my any-printing wants' cards). `have_card_ids`: my tradable haves' cards;
    `have_oracle_ids`: their oracle ids, which other traders' any-printing wants ask for.
    """

    printings: frozenset
    have_card_ids: frozenset
    have_oracle_ids: frozenset

    def wants_on_my_haves(self) -> Q:
        """Another trader's want my haves could fill: on the same card, or any printing of it."""
        same_oracle = Card.objects.filter(oracle_id__in=list(self.have_oracle_ids)).values("pk")
        return Q(card_id__in=list(self.have_card_ids)) | Q(any_printing=True, card_id__in=same_oracle)


def _qualifying(*, user, wanted: Wanted):
    """Active personal traders within both radii, lists public, with an available copy of a card I
    want and a want for a card I have. Unordered; annotated with `distance` (km)."""
    lat, lon = float(user.latitude), float(user.longitude)
    return (
        User.objects.filter(
            is_active=True,
            account_type=AccountType.PERSONAL,
            **bounding_box(lat, lon, user.trade_radius_km),
        )
        .exclude(pk=user.pk)
        .exclude(pk__in=private_list_owner_ids(kind=ListKind.HAVE))
        .exclude(pk__in=private_list_owner_ids(kind=ListKind.WANT))
        .filter(
            Exists(
                list_items_for(kind=ListKind.HAVE, owner=OuterRef("pk"), card_ids=wanted.printings).filter(
                    quantity__gt=F("reserved")
                )
            ),
            Exists(list_items_for(kind=ListKind.WANT, owner=OuterRef("pk")).filter(wanted.wants_on_my_haves())),
        )
        .annotate(distance=_distance_sql(lat, lon))
        .filter(Q(distance__lte=float(user.trade_radius_km)) & Q(distance__lte=Cast("trade_radius_km", FloatField())))
        .annotate(
            reputation_score=Coalesce("reputation__reputation_score", Value(Decimal("0"))),
            reputation_tier=Coalesce("reputation__reputation_tier", Value("new")),
        )
    )


def _candidates(*, user, wanted: Wanted, cap: int) -> list[tuple]:
    """Every qualifying trader as CANDIDATE_FIELDS tuples; at most `cap`, the best by the SQL score.

    While there are no more than `cap` of them (the usual case) one plain query returns them
    all: ranking is only worth its subqueries when some must be left out.
    """
    qualifying = _qualifying(user=user, wanted=wanted)
    everyone = list(qualifying.order_by("pk").values_list(*CANDIDATE_FIELDS)[: cap + 1])
    if len(everyone) <= cap:
        return everyone
    # The cheap score counts wants on my haves' own printings (any-printing wants of other
    # printings are scored in Python like the rest, only not ranked for the cut).
    has_count, has_value = _overlap(ListKind.HAVE, wanted.printings, available_only=True)
    wants_count, wants_value = _overlap(ListKind.WANT, wanted.have_card_ids, available_only=False)
    radius = Cast("trade_radius_km", FloatField())
    ranked = (
        qualifying
        # A cheap stand-in for the Python score, from the aggregates (each referenced once, so
        # PostgreSQL runs each subquery once): the value that can change hands both ways (the
        # smaller side: high only when the swap is both valuable and balanced), the overlap,
        # distance and reputation, weighted as the real score weights them.
        .annotate(
            cheap_score=Value(float(WEIGHTS["balance"] + WEIGHTS["value"]))
            * Least(Value(1.0), Least(has_value, wants_value) / Value(float(VALUE_FOR_FULL_POINTS / 2)))
            + Value(float(WEIGHTS["variety"]))
            * Least(Value(1.0), Cast(has_count + wants_count, FloatField()) / Value(float(VARIETY_FOR_FULL_POINTS)))
            + Value(float(WEIGHTS["distance"]))
            * (Value(1.0) - F("distance") / Least(Value(float(user.trade_radius_km)), radius))
            + Value(float(WEIGHTS["reputation"]))
            * Least(Value(1.0), Cast(F("reputation_score"), FloatField()) / Value(float(REPUTATION_FOR_FULL_POINTS)))
        )
        .order_by("-cheap_score", "pk")
        .values_list(*CANDIDATE_FIELDS)[:cap]
    )
    return list(ranked)


ROW_FIELDS = ("pk", "owner_id", "card_id", "condition", "finish", "language")
CARD_FIELDS = ("card__name", "card__set_code", "card__oracle_id", "card__tradable")


def _price_of_row():
    """The current price of the row's own printing and finish (one unique-index lookup per row)."""
    price = CardPrice.objects.filter(card_id=OuterRef("card_id"), finish=OuterRef("finish"))
    return Subquery(price.values("price")[:1])


def _my_haves(user, prices: dict) -> list[ListRow]:
    """My available haves on tradable cards, with their cards (joined by primary key) and prices."""
    rows = (
        list_items_for(kind=ListKind.HAVE, owner=user)
        .filter(quantity__gt=F("reserved"), card__tradable=True)
        .annotate(available=F("quantity") - F("reserved"), unit_price=_price_of_row())
        .order_by("pk")
        .values_list(*ROW_FIELDS, "available", "min_trade_value", *CARD_FIELDS, "unit_price")
    )
    haves = []
    for *row, available, minimum, name, set_code, oracle_id, _, unit_price in rows:
        prices[(row[2], row[4])] = unit_price
        haves.append(ListRow(*row, available, minimum, oracle_id=oracle_id, card=CardRef(row[2], name, set_code)))
    return haves


def _my_wants(user, prices: dict, cards: dict) -> list[ListRow]:
    """My wants, with each want's card and its price; `cards` gets the tradable ones."""
    rows = (
        list_items_for(kind=ListKind.WANT, owner=user)
        .annotate(unit_price=_price_of_row())
        .order_by("pk")
        .values_list(*ROW_FIELDS, "quantity", "max_price", "any_printing", *CARD_FIELDS, "unit_price")
    )
    wants = []
    for *row, quantity, maximum, any_printing, name, set_code, oracle_id, tradable, unit_price in rows:
        if tradable:
            prices[(row[2], row[4])] = unit_price
            cards[row[2]] = (CardRef(row[2], name, set_code), oracle_id)
        wants.append(ListRow(*row, quantity, maximum, any_printing=any_printing, oracle_id=oracle_id))
    return wants


def _other_printings(oracle_ids, prices: dict, cards: dict) -> None:
    """Every tradable printing of these cards (oracle index) with its prices, into `cards` and `prices`."""
    by_finish = {
        finish: Subquery(CardPrice.objects.filter(card_id=OuterRef("pk"), finish=finish).values("price")[:1])
        for finish in Finish.values
    }
    rows = (
        Card.objects.filter(oracle_id__in=list(oracle_ids), tradable=True)
        .annotate(**{f"price_{finish}": expression for finish, expression in by_finish.items()})
        .values_list("pk", "name", "set_code", "oracle_id", *(f"price_{finish}" for finish in Finish.values))
    )
    for pk, name, set_code, oracle_id, *finish_prices in rows:
        cards[pk] = (CardRef(pk, name, set_code), oracle_id)
        for finish, price in zip(Finish.values, finish_prices, strict=True):
            if price is not None:
                prices[(pk, finish)] = price


def _their_haves(owner_ids, cards: dict) -> list[ListRow]:
    """Their available haves on the printings that fill my wants; no join (cards are known)."""
    rows = (
        list_items_for(kind=ListKind.HAVE, owner_ids=owner_ids, card_ids=cards)
        .filter(quantity__gt=F("reserved"))
        .annotate(available=F("quantity") - F("reserved"))
        .order_by("pk")
        .values_list(*ROW_FIELDS, "available", "min_trade_value")
    )
    haves = []
    for row in rows:
        card, oracle_id = cards[row[2]]
        haves.append(ListRow(*row, oracle_id=oracle_id, card=card))
    return haves


def _their_wants(owner_ids, wanted: Wanted) -> list[ListRow]:
    """Their wants my haves could fill; an any-printing want's oracle id by primary key, only for those."""
    oracle = Subquery(Card.objects.filter(pk=OuterRef("card_id")).values("oracle_id")[:1])
    rows = (
        list_items_for(kind=ListKind.WANT, owner_ids=owner_ids)
        .filter(wanted.wants_on_my_haves())
        .annotate(want_oracle=Case(When(any_printing=True, then=oracle)))
        .order_by("pk")
        .values_list(*ROW_FIELDS, "quantity", "max_price", "any_printing", "want_oracle")
    )
    return [ListRow(*row[:8], any_printing=row[8], oracle_id=row[9]) for row in rows]


@dataclass(frozen=True)
class Incoming:
    """Copies a trader receives in an agreed trade not yet completed."""

    card_id: int
    condition: str
    finish: str
    language: str
    quantity: int
    oracle_id: object = None


def _incoming(*, receiver_ids, card_ids, oracle_ids) -> dict[int, list[Incoming]]:
    """{receiver id: what their active trades bring them} on these cards or printings of these
    oracle ids, in one query."""
    receiver_ids = set(receiver_ids)
    printings = Q(card_id__in=list(card_ids))
    if oracle_ids:
        printings |= Q(card_id__in=Card.objects.filter(oracle_id__in=list(oracle_ids)).values("pk"))
    rows = (
        TradeItem.objects.filter(printings, trade__status=TradeStatus.ACTIVE)
        .filter(Q(trade__party_a_id__in=receiver_ids) | Q(trade__party_b_id__in=receiver_ids))
        .annotate(oracle=Subquery(Card.objects.filter(pk=OuterRef("card_id")).values("oracle_id")[:1]))
        .order_by("pk")
        .values_list(
            "trade__party_a_id",
            "trade__party_b_id",
            "giver_id",
            "card_id",
            "condition",
            "finish",
            "language",
            "quantity",
            "oracle",
        )
    )
    incoming: dict[int, list[Incoming]] = defaultdict(list)
    for party_a, party_b, giver, *printing in rows:
        receiver = party_b if giver == party_a else party_a
        if receiver in receiver_ids:
            incoming[receiver].append(Incoming(*printing))
    return incoming


def _still_wanted(wants: list[ListRow], incoming: list[Incoming]) -> list[ListRow]:
    """Wants less what agreed trades already bring (the rule completion applies: `want_accepts`,
    strictest want first), so nobody is matched for a card already on its way."""
    if not incoming:
        return wants
    left = {want.pk: want.quantity for want in wants}
    for copy in incoming:
        remaining = copy.quantity
        for want in sorted(
            (want for want in wants if left[want.pk] and want_accepts(want, copy)),
            key=lambda want: (CONDITION_RANK[want.condition], want.pk),
        ):
            taken = min(left[want.pk], remaining)
            left[want.pk] -= taken
            remaining -= taken
            if not remaining:
                break
    return [replace(want, quantity=left[want.pk]) for want in wants if left[want.pk]]


def _grouped(rows: list[ListRow], *, by_oracle: bool) -> tuple[dict, dict]:
    """Rows by card id and (when any-printing wants read them) by oracle id."""
    by_card: dict[int, list[ListRow]] = defaultdict(list)
    by_oracle_id: dict[object, list[ListRow]] = defaultdict(list)
    for row in rows:
        by_card[row.card_id].append(row)
        if by_oracle and row.oracle_id is not None:
            by_oracle_id[row.oracle_id].append(row)
    return by_card, by_oracle_id


def _lines(haves: tuple[dict, dict], wants: list[ListRow], prices: dict) -> list[MatchLine]:
    """Pair each want with the best have that satisfies it (the want's card, or for an
    any-printing want any printing of it; same finish and language; condition at least as
    good; that printing's market price within the want's max price), best condition first,
    then the oldest row. `wants` in id order."""
    haves_by_card, haves_by_oracle = haves
    remaining: dict[int, int] = {}  # copies left per have: one copy fills one want, never two
    lines = []
    for want in wants:
        if want.any_printing and want.oracle_id is not None:
            candidates = haves_by_oracle.get(want.oracle_id)
        else:
            candidates = haves_by_card.get(want.card_id)
        if not candidates:
            continue
        worst = CONDITION_RANK[want.condition]
        best, best_key, best_price = None, None, None
        for have in candidates:
            rank = CONDITION_RANK[have.condition]  # condition_satisfies
            if have.finish != want.finish or have.language != want.language or rank > worst:
                continue
            if remaining.get(have.pk, have.quantity) <= 0 or (best_key is not None and (rank, have.pk) >= best_key):
                continue
            unit_price = prices.get((have.card_id, have.finish))
            if want.max_price is not None and unit_price is not None and unit_price > want.max_price:
                continue
            best, best_key, best_price = have, (rank, have.pk), unit_price
        if best is not None:
            quantity = min(remaining.get(best.pk, best.quantity), want.quantity)
            remaining[best.pk] = remaining.get(best.pk, best.quantity) - quantity
            lines.append(MatchLine(have=best, want=want, quantity=quantity, unit_price=best_price))
    return lines


def _drop_below_min_value(they_give: list[MatchLine], i_give: list[MatchLine]) -> tuple[list, list]:
    """A have with a minimum trade value only counts if what its owner receives reaches it."""
    if not any(line.have.min_trade_value for line in they_give) and not any(
        line.have.min_trade_value for line in i_give
    ):
        return they_give, i_give
    while True:
        get_value = sum((line.value for line in they_give), Decimal(0))
        give_value = sum((line.value for line in i_give), Decimal(0))
        kept_they = [line for line in they_give if (line.have.min_trade_value or 0) <= give_value]
        kept_mine = [line for line in i_give if (line.have.min_trade_value or 0) <= get_value]
        if len(kept_they) == len(they_give) and len(kept_mine) == len(i_give):
            return they_give, i_give
        they_give, i_give = kept_they, kept_mine


def _score(match: Match, *, radius_km: float) -> None:
    get_value, give_value = match.get_value, match.give_value
    high = max(get_value, give_value)
    match.balance = float(min(get_value, give_value) / high) if high else 1.0
    value_part = min(1.0, math.log1p(float(match.total_value)) / math.log1p(float(VALUE_FOR_FULL_POINTS)))
    variety = len({line.want.card_id for line in match.they_give + match.i_give})
    variety_part = min(1.0, variety / VARIETY_FOR_FULL_POINTS)
    distance_part = max(0.0, 1 - match.distance_km / radius_km) if radius_km else 0.0
    reputation_part = float(min(Decimal(1), (match.trader.reputation_score or 0) / REPUTATION_FOR_FULL_POINTS))
    match.score = round(
        WEIGHTS["balance"] * match.balance
        + WEIGHTS["value"] * value_part
        + WEIGHTS["variety"] * variety_part
        + WEIGHTS["distance"] * distance_part
        + WEIGHTS["reputation"] * reputation_part,
        1,
    )
    match.reasons = [
        {"code": "has_your_wants", "count": len(match.they_give), "value": get_value},
        {"code": "wants_your_haves", "count": len(match.i_give), "value": give_value},
        {"code": "distance", "km": round(match.distance_km, 1)},
        {"code": "tier", "tier": match.tier},
        {"code": "balance", "percent": round(match.balance * 100)},
    ]


def _attach_urls(matches: list[Match]) -> None:
    """The proposal link (with the matched quantities) and the lists link, reversed once, not per match."""
    propose = reverse("trades:proposal_create", args=["-user-"])
    lists = reverse("lists:public_lists", args=["-user-"])
    for match in matches:
        picks = [f"offer_{p['have_item']}={p['quantity']}" for p in match.offer]
        picks += [f"request_{p['have_item']}={p['quantity']}" for p in match.request]
        match.propose_url = propose.replace("-user-", match.trader.username) + "?" + "&".join(picks)
        match.lists_url = lists.replace("-user-", match.trader.username)


# Bump when what is cached changes shape, so a deploy never reads another version's pickles.
CACHE_VERSION = 2
# A backstop only: every change that matching reads bumps a stamp (docs/decisions/0033).
CACHE_SECONDS = 15 * 60


def _freshness(user) -> str | None:
    """A key that changes whenever anything my matches read changes; None where the stamps are
    not kept (databases other than PostgreSQL: matches are then computed on every request).

    One indexed query: the number of users in my box and the sum of their stamps (a user
    bumps on changes to their lists, reservations, visibility, location, radius, reputation
    and agreed trades; stamps are unique sequence values, so a change, an arrival or a
    departure changes the pair), and the catalog's stamp (cards and prices).
    """
    if connection.vendor != "postgresql":
        return None
    lat, lon, radius = float(user.latitude), float(user.longitude), float(user.trade_radius_km)
    box = bounding_box(lat, lon, radius)
    where = ["u.latitude >= %s", "u.latitude <= %s"]
    params = [box["latitude__gte"], box["latitude__lte"]]
    if "longitude__gte" in box:
        where += ["u.longitude >= %s", "u.longitude <= %s"]
        params += [box["longitude__gte"], box["longitude__lte"]]
    users, stamps = User._meta.db_table, MatchingStamp._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), coalesce(sum(s.stamp), 0), (SELECT stamp FROM {stamps} WHERE key = 0) "  # noqa: S608 (constant names)
            f"FROM {users} u LEFT JOIN {stamps} s ON s.key = u.id WHERE {' AND '.join(where)}",
            params,
        )
        count, total, catalog = cursor.fetchone()
    return f"{lat}:{lon}:{radius}:{count}:{total}:{catalog}"


def matches_for(*, user, limit: int = 20) -> list[Match]:
    """Mutual matches for `user`, best score first; [] for users without a location.

    Served from the cache while the freshness key holds; computed (and cached) otherwise.
    """
    if not user.has_location:
        return []
    freshness = _freshness(user)
    if freshness is None:
        return _compute(user=user, limit=limit)
    cap = getattr(settings, "MATCHING_MAX_SCORED", MAX_SCORED)
    key = f"matches:{CACHE_VERSION}:{user.pk}:{limit}:{cap}:{freshness}"
    matches = cache.get(key)
    if matches is None:
        matches = _compute(user=user, limit=limit)
        cache.set(key, matches, CACHE_SECONDS)
    return matches


def _compute(*, user, limit: int) -> list[Match]:
    prices: dict[tuple[int, str], Decimal | None] = {}
    cards: dict[int, tuple[CardRef, object]] = {}  # tradable printings that fill my wants
    my_haves = _my_haves(user, prices)
    my_wants = _my_wants(user, prices, cards)
    if not my_wants or not my_haves:
        return []
    any_printing_oracles = {want.oracle_id for want in my_wants if want.any_printing and want.oracle_id}
    if any_printing_oracles:
        _other_printings(any_printing_oracles, prices, cards)
    wanted = Wanted(
        printings=frozenset(cards),
        have_card_ids=frozenset(have.card_id for have in my_haves),
        have_oracle_ids=frozenset(have.oracle_id for have in my_haves if have.oracle_id),
    )
    if not wanted.printings:
        return []
    cap = int(getattr(settings, "MATCHING_MAX_SCORED", MAX_SCORED))
    candidates = _candidates(user=user, wanted=wanted, cap=cap)
    if not candidates:
        return []
    my_lat, my_lon = float(user.latitude), float(user.longitude)
    traders = {}
    for pk, username, radius, score, tier, lat, lon in candidates:
        trader = MatchTrader(pk, username, radius, score, tier)
        traders[pk] = (trader, haversine_km(my_lat, my_lon, float(lat), float(lon)))
    their_haves: dict[int, list[ListRow]] = defaultdict(list)
    for have in _their_haves(traders, cards):
        their_haves[have.owner_id].append(have)
    their_wants: dict[int, list[ListRow]] = defaultdict(list)
    for want in _their_wants(traders, wanted):
        their_wants[want.owner_id].append(want)
    incoming = _incoming(
        receiver_ids=[user.pk, *traders],
        card_ids=wanted.printings | wanted.have_card_ids | {want.card_id for want in my_wants},
        oracle_ids=any_printing_oracles | wanted.have_oracle_ids,
    )
    my_wants = _still_wanted(my_wants, incoming.get(user.pk, []))
    for trader_id in incoming.keys() & their_wants.keys():
        their_wants[trader_id] = _still_wanted(their_wants[trader_id], incoming[trader_id])
    mine = _grouped(my_haves, by_oracle=True)
    my_specific = defaultdict(list)
    my_any = defaultdict(list)
    for want in my_wants:
        if want.any_printing and want.oracle_id is not None:
            my_any[want.oracle_id].append(want)
        else:
            my_specific[want.card_id].append(want)

    matches = []
    for trader_id, (trader, distance) in traders.items():
        haves = _grouped(their_haves[trader_id], by_oracle=bool(my_any))
        # Only my wants on cards they hold: the loop is as long as the overlap, not my list.
        wanted_here = [want for card_id in haves[0] for want in my_specific.get(card_id, ())]
        wanted_here += [want for oracle_id in haves[1] for want in my_any.get(oracle_id, ())]
        wanted_here.sort(key=lambda want: want.pk)
        they_give = _lines(haves, wanted_here, prices)
        i_give = _lines(mine, their_wants[trader_id], prices)
        they_give, i_give = _drop_below_min_value(they_give, i_give)
        # Mutual only: so a have marked "trade for my wants only" is always traded for wants here.
        if not they_give or not i_give:
            continue
        match = Match(trader=trader, distance_km=distance, they_give=they_give, i_give=i_give)
        _score(match, radius_km=min(user.trade_radius_km, trader.trade_radius_km))
        matches.append(match)
    matches.sort(key=lambda match: (-match.score, match.distance_km, match.trader.pk))
    shown = matches[:limit]
    _attach_urls(shown)
    return shown
