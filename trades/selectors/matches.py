"""Matching: traders near me who have what I want and want what I have, best first.

Both radii must hold (mine and theirs): a trader 40 km away with a 25 km radius does not want
to meet me. Every qualifying trader is scored. One SQL query finds them — active personal
accounts within both radii (distance in SQL, inside a lat/long bounding box), whose have and
want lists are public (matching uses my private lists for my own matches, but shows me only
what others made public), holding an available copy of a card I want and wanting a card I
have. Only if more than `MAX_SCORED` qualify is the list cut, and then after ranking them by a
cheap SQL score (overlap values and counts, distance, reputation), so the best are never the
ones dropped. Their rows are then read as value tuples (no model instances), wants less what
agreed trades already bring, and scored in Python by card-indexed lookups. Seven queries (eight
with a cut) however many traders or items there are.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.conf import settings
from django.db.models import (
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
)
from django.db.models.functions import ACos, Cast, Coalesce, Cos, Greatest, Least, Radians, Sin
from django.urls import reverse

from accounts.enums import AccountType
from accounts.models import User
from cards.enums import Finish
from cards.models import CardPrice
from core.money import DEFAULT_CURRENCY, quantize_money
from lists.enums import CONDITION_ORDER, ListKind
from lists.selectors import condition_satisfies, list_items_for, private_list_owner_ids, want_accepts
from trades.enums import TradeStatus
from trades.models import TradeItem

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
    minimum trade value; for wants `limit` is the maximum price.
    """

    pk: int
    owner_id: int
    card_id: int
    condition: str
    finish: str
    language: str
    quantity: int
    limit: Decimal | None
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


def _qualifying(*, user, want_card_ids, have_card_ids):
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
                list_items_for(kind=ListKind.HAVE, owner=OuterRef("pk"), card_ids=want_card_ids).filter(
                    quantity__gt=F("reserved")
                )
            ),
            Exists(list_items_for(kind=ListKind.WANT, owner=OuterRef("pk"), card_ids=have_card_ids)),
        )
        .annotate(distance=_distance_sql(lat, lon))
        .filter(Q(distance__lte=float(user.trade_radius_km)) & Q(distance__lte=Cast("trade_radius_km", FloatField())))
        .annotate(
            reputation_score=Coalesce("reputation__reputation_score", Value(Decimal("0"))),
            reputation_tier=Coalesce("reputation__reputation_tier", Value("new")),
        )
    )


def _candidates(*, user, want_card_ids, have_card_ids, cap: int) -> list[tuple]:
    """Every qualifying trader as CANDIDATE_FIELDS tuples; at most `cap`, the best by the SQL score.

    While there are no more than `cap` of them (the usual case) one plain query returns them
    all: ranking is only worth its subqueries when some must be left out.
    """
    qualifying = _qualifying(user=user, want_card_ids=want_card_ids, have_card_ids=have_card_ids)
    everyone = list(qualifying.order_by("pk").values_list(*CANDIDATE_FIELDS)[: cap + 1])
    if len(everyone) <= cap:
        return everyone
    has_count, has_value = _overlap(ListKind.HAVE, want_card_ids, available_only=True)
    wants_count, wants_value = _overlap(ListKind.WANT, have_card_ids, available_only=False)
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


HAVE_FIELDS = ("pk", "owner_id", "card_id", "condition", "finish", "language", "available", "min_trade_value")
SHOWN_CARD_FIELDS = ("card__name", "card__set_code")
WANT_FIELDS = ("pk", "owner_id", "card_id", "condition", "finish", "language", "quantity", "max_price")


def _haves(**filters) -> list[ListRow]:
    rows = (
        list_items_for(kind=ListKind.HAVE, **filters)
        .filter(quantity__gt=F("reserved"))
        .annotate(available=F("quantity") - F("reserved"))
        .order_by("pk")
        .values_list(*HAVE_FIELDS, *SHOWN_CARD_FIELDS)
    )
    # Haves are what a match shows (card name and set), joined by the cards' primary key.
    return [ListRow(*row[:8], card=CardRef(row[2], row[8], row[9])) for row in rows]


def _wants(**filters) -> list[ListRow]:
    rows = list_items_for(kind=ListKind.WANT, **filters).order_by("pk").values_list(*WANT_FIELDS)
    return [ListRow(*row) for row in rows]


@dataclass(frozen=True)
class Incoming:
    """Copies a trader receives in an agreed trade not yet completed."""

    card_id: int
    condition: str
    finish: str
    language: str
    quantity: int


def _incoming(*, receiver_ids, card_ids) -> dict[int, list[Incoming]]:
    """{receiver id: what their active trades bring them} on these cards, in one query."""
    receiver_ids = set(receiver_ids)
    rows = (
        TradeItem.objects.filter(trade__status=TradeStatus.ACTIVE, card_id__in=card_ids)
        .filter(Q(trade__party_a_id__in=receiver_ids) | Q(trade__party_b_id__in=receiver_ids))
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


def _by_card(rows: list[ListRow]) -> dict[int, list[ListRow]]:
    grouped: dict[int, list[ListRow]] = defaultdict(list)
    for row in rows:
        grouped[row.card_id].append(row)
    return grouped


def _better(have: ListRow, other: ListRow) -> bool:
    """Give the best-condition copy first (then the oldest row)."""
    return (CONDITION_RANK[have.condition], have.pk) < (CONDITION_RANK[other.condition], other.pk)


def _lines(haves_by_card: dict[int, list[ListRow]], wants: list[ListRow], prices: dict) -> list[MatchLine]:
    """Pair each want with the best have that satisfies it (same card, finish and language,
    condition at least as good, market price within the want's max price). `wants` in id order."""
    remaining: dict[int, int] = {}  # copies left per have: one copy fills one want, never two
    lines = []
    for want in wants:
        candidates = haves_by_card.get(want.card_id)
        if not candidates:
            continue
        unit_price = prices.get((want.card_id, want.finish))
        if want.max_price is not None and unit_price is not None and unit_price > want.max_price:
            continue
        best = None
        for have in candidates:
            if (
                have.finish == want.finish
                and have.language == want.language
                and CONDITION_RANK[have.condition] <= CONDITION_RANK[want.condition]  # condition_satisfies
                and remaining.get(have.pk, have.quantity) > 0
                and (
                    best is None
                    or (CONDITION_ORDER.index(have.condition), have.pk)
                    < (CONDITION_ORDER.index(best.condition), best.pk)
                )
            ):
                best = have
        if best is not None:
            quantity = min(remaining.get(best.pk, best.quantity), want.quantity)
            remaining[best.pk] = remaining.get(best.pk, best.quantity) - quantity
            lines.append(MatchLine(have=best, want=want, quantity=quantity, unit_price=unit_price))
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


def matches_for(*, user, limit: int = 20) -> list[Match]:
    """Mutual matches for `user`, best score first; [] for users without a location."""
    if not user.has_location:
        return []
    my_wants = _wants(owner=user)
    my_haves = _haves(owner=user)
    if not my_wants or not my_haves:
        return []
    want_card_ids = {want.card_id for want in my_wants}
    have_card_ids = {have.card_id for have in my_haves}
    cap = int(getattr(settings, "MATCHING_MAX_SCORED", MAX_SCORED))
    candidates = _candidates(user=user, want_card_ids=want_card_ids, have_card_ids=have_card_ids, cap=cap)
    if not candidates:
        return []
    my_lat, my_lon = float(user.latitude), float(user.longitude)
    traders = {}
    for pk, username, radius, score, tier, lat, lon in candidates:
        trader = MatchTrader(pk, username, radius, score, tier)
        traders[pk] = (trader, haversine_km(my_lat, my_lon, float(lat), float(lon)))
    their_haves: dict[int, list[ListRow]] = defaultdict(list)
    for have in _haves(owner_ids=traders, card_ids=want_card_ids):
        their_haves[have.owner_id].append(have)
    their_wants: dict[int, list[ListRow]] = defaultdict(list)
    for want in _wants(owner_ids=traders, card_ids=have_card_ids):
        their_wants[want.owner_id].append(want)
    incoming = _incoming(receiver_ids=[user.pk, *traders], card_ids=want_card_ids | have_card_ids)
    my_wants = _still_wanted(my_wants, incoming.get(user.pk, []))
    for trader_id in incoming.keys() & their_wants.keys():
        their_wants[trader_id] = _still_wanted(their_wants[trader_id], incoming[trader_id])
    prices = {
        (card_id, finish): price
        for card_id, finish, price in CardPrice.objects.filter(card_id__in=want_card_ids | have_card_ids).values_list(
            "card_id", "finish", "price"
        )
    }
    my_haves_by_card = _by_card(my_haves)
    my_wants_by_card = _by_card(my_wants)

    matches = []
    for trader_id, (trader, distance) in traders.items():
        haves_by_card = _by_card(their_haves[trader_id])
        # Only my wants on cards they hold: the loop is as long as the overlap, not my list.
        wanted = sorted(
            (want for card_id in haves_by_card for want in my_wants_by_card.get(card_id, ())), key=lambda w: w.pk
        )
        they_give = _lines(haves_by_card, wanted, prices)
        i_give = _lines(my_haves_by_card, their_wants[trader_id], prices)
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
