"""Matching: traders near me who have what I want and want what I have, best first.

Both radii must hold (mine and theirs): a trader 40 km away with a 25 km radius does not want
to meet me. The SQL prefilter is a lat/long bounding box around my radius plus "has one of my
wanted cards and wants one of mine"; exact distance (haversine), the per-item rules and the
score run in Python on that short list. Six queries however many traders or items there are.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef

from accounts.enums import AccountType
from accounts.models import User
from cards.selectors import card_prices_current
from core.money import DEFAULT_CURRENCY, quantize_money
from lists.enums import CONDITION_ORDER, ListKind
from lists.models import HaveItem, WantItem
from lists.selectors import list_items_for

EARTH_RADIUS_KM = 6371.0088
MAX_CANDIDATES = 500
# Score weights (sum 100): a fair swap matters most, then how much is worth the trip.
WEIGHTS = {"balance": 35, "value": 20, "variety": 15, "distance": 15, "reputation": 15}
VALUE_FOR_FULL_POINTS = Decimal("500")
VARIETY_FOR_FULL_POINTS = 10
REPUTATION_FOR_FULL_POINTS = Decimal("900")


@dataclass
class MatchLine:
    """One card that would change hands: `have` (the giver's item) fills `want`."""

    have: HaveItem
    want: WantItem
    quantity: int
    unit_price: Decimal | None

    @property
    def value(self) -> Decimal:
        return quantize_money((self.unit_price or 0) * self.quantity)


@dataclass
class Match:
    trader: User
    distance_km: float
    they_give: list[MatchLine]
    i_give: list[MatchLine]
    score: float = 0.0
    balance: float = 0.0
    currency: str = DEFAULT_CURRENCY
    reasons: list[dict] = field(default_factory=list)

    @property
    def get_value(self) -> Decimal:
        return sum((line.value for line in self.they_give), Decimal("0.00"))

    @property
    def give_value(self) -> Decimal:
        return sum((line.value for line in self.i_give), Decimal("0.00"))

    @property
    def total_value(self) -> Decimal:
        return self.get_value + self.give_value

    @property
    def offer_ids(self) -> list[int]:
        """My HaveItem ids to offer (the proposal form's `offer` parameters)."""
        return sorted({line.have.pk for line in self.i_give})

    @property
    def request_ids(self) -> list[int]:
        """Their HaveItem ids to ask for (the proposal form's `request` parameters)."""
        return sorted({line.have.pk for line in self.they_give})

    @property
    def tier(self) -> str:
        reputation = getattr(self.trader, "reputation", None)
        return reputation.reputation_tier if reputation else "new"


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


def condition_satisfies(have_condition: str, want_condition: str) -> bool:
    """A want names the worst condition accepted: 'LP' accepts NM and LP."""
    return CONDITION_ORDER.index(have_condition) <= CONDITION_ORDER.index(want_condition)


def _lines(haves: list[HaveItem], wants: list[WantItem], prices: dict) -> list[MatchLine]:
    """Pair each want with the best have that satisfies it (same card, finish and language,
    condition at least as good, market price within the want's max price)."""
    haves_by_card: dict[int, list[HaveItem]] = defaultdict(list)
    for have in haves:
        haves_by_card[have.card_id].append(have)
    remaining: dict[int, int] = {}  # copies left per have: one copy fills one want, never two
    lines = []
    for want in wants:
        if want.card_id not in haves_by_card:
            continue
        price = prices.get((want.card_id, want.finish))
        unit_price = price.price if price else None
        if want.max_price is not None and unit_price is not None and unit_price > want.max_price:
            continue
        fitting = [
            have
            for have in haves_by_card.get(want.card_id, [])
            if have.finish == want.finish
            and have.language == want.language
            and condition_satisfies(have.condition, want.condition)
            and remaining.get(have.pk, have.quantity) > 0
        ]
        if fitting:
            best = min(fitting, key=lambda have: (CONDITION_ORDER.index(have.condition), have.pk))
            quantity = min(remaining.get(best.pk, best.quantity), want.quantity)
            remaining[best.pk] = remaining.get(best.pk, best.quantity) - quantity
            lines.append(MatchLine(have=best, want=want, quantity=quantity, unit_price=unit_price))
    return lines


def _drop_below_min_value(they_give: list[MatchLine], i_give: list[MatchLine]) -> tuple[list, list]:
    """A have with a minimum trade value only counts if what its owner receives reaches it."""
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
    reputation = getattr(match.trader, "reputation", None)
    reputation_part = float(
        min(Decimal(1), (reputation.reputation_score if reputation else 0) / REPUTATION_FOR_FULL_POINTS)
    )
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


def matches_for(*, user, limit: int = 20) -> list[Match]:
    """Mutual matches for `user`, best score first; [] for users without a location."""
    if not user.has_location:
        return []
    my_lat, my_lon = float(user.latitude), float(user.longitude)
    my_wants = list(list_items_for(kind=ListKind.WANT, owner=user))
    my_haves = list(list_items_for(kind=ListKind.HAVE, owner=user).select_related("card"))
    if not my_wants or not my_haves:
        return []
    want_card_ids = {want.card_id for want in my_wants}
    have_card_ids = {have.card_id for have in my_haves}
    candidates = {
        trader.pk: trader
        for trader in User.objects.filter(
            is_active=True,
            account_type=AccountType.PERSONAL,
            **bounding_box(my_lat, my_lon, user.trade_radius_km),
        )
        .exclude(pk=user.pk)
        .filter(
            Exists(list_items_for(kind=ListKind.HAVE, owner=OuterRef("pk"), card_ids=want_card_ids)),
            Exists(list_items_for(kind=ListKind.WANT, owner=OuterRef("pk"), card_ids=have_card_ids)),
        )
        .select_related("reputation")
        .order_by("pk")[:MAX_CANDIDATES]
    }
    distances = {}
    for trader in candidates.values():
        distance = haversine_km(my_lat, my_lon, float(trader.latitude), float(trader.longitude))
        if distance <= user.trade_radius_km and distance <= trader.trade_radius_km:
            distances[trader.pk] = distance
    if not distances:
        return []
    their_haves: dict[int, list[HaveItem]] = defaultdict(list)
    for have in list_items_for(kind=ListKind.HAVE, owner_ids=distances, card_ids=want_card_ids).select_related("card"):
        their_haves[have.owner_id].append(have)
    their_wants: dict[int, list[WantItem]] = defaultdict(list)
    for want in list_items_for(kind=ListKind.WANT, owner_ids=distances, card_ids=have_card_ids):
        their_wants[want.owner_id].append(want)
    prices = card_prices_current(card_ids=want_card_ids | have_card_ids)

    matches = []
    for trader_id, distance in distances.items():
        they_give = _lines(their_haves[trader_id], my_wants, prices)
        i_give = _lines(my_haves, their_wants[trader_id], prices)
        they_give, i_give = _drop_below_min_value(they_give, i_give)
        # Mutual only: so a have marked "trade for my wants only" is always traded for wants here.
        if not they_give or not i_give:
            continue
        match = Match(trader=candidates[trader_id], distance_km=distance, they_give=they_give, i_give=i_give)
        _score(match, radius_km=min(user.trade_radius_km, candidates[trader_id].trade_radius_km))
        matches.append(match)
    matches.sort(key=lambda match: (-match.score, match.distance_km, match.trader.pk))
    return matches[:limit]
