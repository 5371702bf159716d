"""The smart buylist (docs/stores.md, "Smart buylist"): rules in, a precomputed price table out.

cash = market * buy% (+ hotlist bonus) * condition multiplier * demand factor * stock taper;
a fixed override wins; credit = cash * (1 + trade_in_bonus_pct / 100).
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from cards.models import Card, CardPrice
from core.errors import DomainError
from stores.enums import Condition, StoreStatus
from stores.models import (
    BuylistCardRule,
    BuylistCardRuleKind,
    BuylistEntry,
    BuylistRules,
    LGSProfile,
    StoreInventoryItem,
)

MARKET_CURRENCY = "USD"
CENT = Decimal("0.01")
DEMAND_MIN, DEMAND_MAX = Decimal("0.8"), Decimal("1.5")
DEBOUNCE_SECONDS = 60


def clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(high, value))


def suppressed(count: int) -> int:
    """Local want counts below k (BUYLIST_DEMAND_MIN_TRADERS) count as none, so no factor reveals one trader."""
    return count if count >= settings.BUYLIST_DEMAND_MIN_TRADERS else 0


def demand_bucket(count: int) -> str:
    count = suppressed(count)
    if count == 0:
        return "none"
    if count < 10:
        return "3-9"
    if count < 25:
        return "10-24"
    return "25+"


def demand_factor(*, local: int, signal: int, momentum: Decimal) -> Decimal:
    raw = (
        Decimal(1)
        + settings.BUYLIST_DEMAND_A_LOCAL * suppressed(local)
        + settings.BUYLIST_DEMAND_B_SIGNAL * signal
        + settings.BUYLIST_DEMAND_C_MOMENTUM * momentum
    )
    return clamp(raw, DEMAND_MIN, DEMAND_MAX)


def stock_taper(*, stock: int, max_qty: int) -> Decimal:
    return clamp(Decimal(1) - Decimal(stock) / Decimal(max_qty), Decimal(0), Decimal(1))


def cash_price(
    *,
    market: Decimal,
    buy_pct: Decimal,
    condition_multiplier: Decimal,
    factor: Decimal,
    taper: Decimal,
    override: Decimal | None = None,
) -> Decimal:
    if override is not None:
        return Decimal(override).quantize(CENT, ROUND_HALF_UP)
    value = market * buy_pct / Decimal(100) * condition_multiplier * factor * taper
    return value.quantize(CENT, ROUND_HALF_UP)


def credit_price(*, cash: Decimal, trade_in_bonus_pct: Decimal) -> Decimal:
    return (cash * (Decimal(1) + Decimal(trade_in_bonus_pct) / Decimal(100))).quantize(CENT, ROUND_HALF_UP)


def rules_of(store: LGSProfile) -> BuylistRules:
    rules = BuylistRules.objects.filter(store=store).first()
    return rules or BuylistRules(store=store)


def _km_box(lat: float, lng: float, radius_km: float):
    dlat = radius_km / 111.0
    dlng = radius_km / max(1e-6, 111.0 * math.cos(math.radians(lat)))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


def haversine_km(lat1, lng1, lat2, lng2) -> float:
    from stores.selectors import haversine_km as _h

    return _h(float(lat1), float(lng1), float(lat2), float(lng2))


def nearby_trader_ids(*, store: LGSProfile, opted_in_only: bool) -> dict[int, float]:
    """Traders with a location within the store's radius → distance in km."""
    from accounts.models import User

    if not store.has_location:
        return {}
    lat, lng = float(store.latitude), float(store.longitude)
    lo_lat, hi_lat, lo_lng, hi_lng = _km_box(lat, lng, store.service_radius_km)
    users = User.objects.filter(
        latitude__gte=lo_lat, latitude__lte=hi_lat, longitude__gte=lo_lng, longitude__lte=hi_lng, is_active=True
    ).exclude(pk=store.user_id)
    if opted_in_only:
        users = users.filter(match_with_stores=True)
    found = {}
    for pk, ulat, ulng in users.values_list("pk", "latitude", "longitude"):
        distance = haversine_km(lat, lng, ulat, ulng)
        if distance <= store.service_radius_km:
            found[pk] = round(distance, 1)
    return found


def local_want_demand(*, store: LGSProfile) -> Counter:
    """Card id → how many nearby traders want it: public want lists, and private ones of opted-in traders.

    A want counts for every tradable printing that satisfies it (stores.wants): an any-printing
    want for every printing of its oracle id.
    """
    from accounts.models import User
    from stores.wants import wanters_by_card

    nearby = nearby_trader_ids(store=store, opted_in_only=False)
    if not nearby:
        return Counter()
    countable = User.objects.filter(pk__in=list(nearby)).filter(
        Q(list_settings__isnull=True) | Q(list_settings__wants_public=True) | Q(match_with_stores=True)
    )
    wanters = wanters_by_card(owner_ids=countable.values_list("pk", flat=True))
    return Counter({card_id: len(owners) for card_id, owners in wanters.items()})


def signal_demand(*, card_ids) -> Counter:
    """Card id → followers of active, visible BUY signals on it."""
    from signals.enums import SignalAction, SignalStatus
    from signals.models import SignalFollower

    rows = (
        SignalFollower.objects.filter(
            recommendation__card_id__in=list(card_ids),
            recommendation__action=SignalAction.BUY,
            recommendation__status=SignalStatus.ACTIVE,
            recommendation__is_hidden=False,
        )
        .values_list("recommendation__card_id", "user_id")
        .distinct()
    )
    return Counter(card_id for card_id, _user in rows)


def saved_card_rules(store: LGSProfile) -> dict:
    rules = {"hot": [], "dark": [], "fixed": {}}
    for rule in BuylistCardRule.objects.filter(store=store).order_by("pk"):
        if rule.kind == BuylistCardRuleKind.FIXED:
            rules["fixed"][rule.card_id] = rule.fixed_price
        else:
            rules[rule.kind].append(rule.card_id)
    return rules


class BuylistRow(NamedTuple):
    card_id: int
    card_name: str
    condition: str
    finish: str
    cash_price: Decimal
    credit_price: Decimal
    breakdown_json: str  # the breakdown as JSON text (written as is; json.loads() for a dict)


def buylist_values(*, store: LGSProfile, rules: BuylistRules, card_rules: dict | None = None) -> list[BuylistRow]:
    """The buylist these rules give, as plain rows; `card_rules` (unsaved lists) for a preview.

    Everything that does not depend on the condition (demand factor, taper, the breakdown's
    strings) is computed once per card and finish; the condition loop only multiplies.
    """
    card_rules = card_rules if card_rules is not None else saved_card_rules(store)
    dark, hot, fixed = set(card_rules["dark"]), set(card_rules["hot"]), dict(card_rules["fixed"])

    stock = dict(
        StoreInventoryItem.objects.filter(store=store)
        .values("card_id")
        .annotate(total=Sum("quantity"))
        .values_list("card_id", "total")
    )
    local = local_want_demand(store=store)
    covered = set(hot) | set(fixed) | {cid for cid, count in local.items() if suppressed(count)}
    covered |= {cid for cid, total in stock.items() if total < rules.max_qty_per_card}
    covered -= dark
    if not covered:
        return []
    signals = signal_demand(card_ids=covered)
    by_card = defaultdict(list)
    names: dict[int, str] = {}
    for card_id, name, finish, price, change in CardPrice.objects.filter(
        card_id__in=covered, currency=MARKET_CURRENCY
    ).values_list("card_id", "card__name", "finish", "price", "change_7d_pct"):
        names[card_id] = name
        by_card[card_id].append((finish, price, change))
    unpriced_overrides = set(fixed).intersection(covered) - names.keys()
    if unpriced_overrides:  # a fixed price needs no market price
        names.update(Card.objects.filter(pk__in=unpriced_overrides).values_list("pk", "name"))

    multipliers = []
    for condition in Condition.values:
        multiplier = Decimal(str(rules.condition_multipliers.get(condition, "0")))
        multipliers.append((condition, multiplier, str(multiplier)))
    bonus = Decimal(1) + Decimal(store.trade_in_bonus_pct) / Decimal(100)
    hundred, zero, no_change = Decimal(100), Decimal(0), Decimal(0)
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    rows = []
    for card_id in covered:
        if card_id not in names:
            continue  # a card rule naming a card that no longer exists
        finishes = by_card.get(card_id) or []
        override = fixed.get(card_id)
        if not finishes and override is not None:
            finishes = [("nonfoil", None, None)]
        buy_pct = rules.buy_pct + (rules.hotlist_bonus_pct if card_id in hot else 0)
        taper = stock_taper(stock=stock.get(card_id, 0), max_qty=rules.max_qty_per_card)
        local_count, signal_count = local.get(card_id, 0), signals.get(card_id, 0)
        common = {
            "override": str(override) if override is not None else None,
            "buy_pct": str(buy_pct),
            "local_demand": demand_bucket(local_count),
            "signal_demand": signal_count,
            "stock_taper": str(taper.quantize(Decimal("0.001"))),
        }
        name = names[card_id]
        for finish, market, change in finishes:
            momentum = (Decimal(change) / hundred) if change is not None else no_change
            factor = demand_factor(local=local_count, signal=signal_count, momentum=momentum)
            # cash = market * buy% * condition multiplier * demand factor * stock taper, as cash_price()
            base = (market or zero) * buy_pct / hundred
            # One JSON encoding per card and finish; each condition appends its multiplier.
            prefix = dumps(
                {
                    **common,
                    "market": str(market) if market is not None else None,
                    "demand_factor": str(factor.quantize(Decimal("0.001"))),
                    "momentum": str(momentum.quantize(Decimal("0.0001"))),
                }
            )[:-1]
            for condition, multiplier, multiplier_text in multipliers:
                if override is not None:
                    cash = Decimal(override).quantize(CENT, ROUND_HALF_UP)
                else:
                    cash = (base * multiplier * factor * taper).quantize(CENT, ROUND_HALF_UP)
                if cash <= 0:
                    continue
                rows.append(
                    BuylistRow(
                        card_id,
                        name,
                        condition,
                        finish,
                        cash,
                        (cash * bonus).quantize(CENT, ROUND_HALF_UP),
                        f'{prefix},"condition_multiplier":"{multiplier_text}"}}',
                    )
                )
    return rows


def _entry(store: LGSProfile, row: BuylistRow) -> BuylistEntry:
    """An unsaved BuylistEntry of a row (the preview renders them like saved ones)."""
    return BuylistEntry(
        store=store,
        card_id=row.card_id,
        card_name=row.card_name,
        condition=row.condition,
        finish=row.finish,
        cash_price=row.cash_price,
        credit_price=row.credit_price,
        currency=MARKET_CURRENCY,
        breakdown=json.loads(row.breakdown_json),
    )


BUYLIST_COPY_COLUMNS = (
    "store_id",
    "card_id",
    "card_name",
    "condition",
    "finish",
    "cash_price",
    "credit_price",
    "currency",
    "breakdown",
)


def _entries_write(store: LGSProfile, rows: list[BuylistRow]) -> None:
    """Replace the store's entries: one DELETE, then one COPY on PostgreSQL (bulk_create elsewhere)."""
    BuylistEntry.objects.filter(store=store).delete()
    if not rows:
        return
    if connection.vendor != "postgresql":
        BuylistEntry.objects.bulk_create([_entry(store, row) for row in rows], batch_size=5000)
        return
    statement = f"COPY stores_buylistentry ({', '.join(BUYLIST_COPY_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                (
                    store.pk,
                    row.card_id,
                    row.card_name,
                    row.condition,
                    row.finish,
                    row.cash_price,
                    row.credit_price,
                    MARKET_CURRENCY,
                    row.breakdown_json,
                )
            )


@transaction.atomic
def buylist_recompute(*, store_id: int) -> int:
    """Replace the store's precomputed buylist. Only verified stores that run a buylist have one.

    Derived data: COMMIT does not wait for the WAL flush (a crash keeps the previous buylist,
    which the next recompute replaces).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
    store = LGSProfile.objects.select_for_update().get(pk=store_id)
    rules = rules_of(store)
    if not (store.offers_buylist and store.status == StoreStatus.VERIFIED):
        BuylistEntry.objects.filter(store=store).delete()
        BuylistRules.objects.filter(store=store).update(entry_count=0)
        return 0
    rows = buylist_values(store=store, rules=rules)
    _entries_write(store, rows)
    if rules.pk and BuylistRules.objects.filter(pk=rules.pk).exists():
        BuylistRules.objects.filter(pk=rules.pk).update(computed_at=timezone.now(), entry_count=len(rows))
    return len(rows)


def buylist_preview(*, store: LGSProfile, data: dict, limit: int = 50) -> tuple[int, list[BuylistEntry]]:
    """What the submitted rules would give, written nowhere: (row count, the first rows by card name)."""
    rules = rules_of(store)
    rules = BuylistRules(
        store=store,
        buy_pct=data.get("buy_pct", rules.buy_pct),
        max_qty_per_card=data.get("max_qty_per_card", rules.max_qty_per_card),
        hotlist_bonus_pct=data.get("hotlist_bonus_pct", rules.hotlist_bonus_pct),
        condition_multipliers=_validated_multipliers(data.get("condition_multipliers", rules.condition_multipliers)),
    )
    card_rules = data.get("card_rules")
    if card_rules is not None:
        _check_overlap(card_rules)
    rows = buylist_values(store=store, rules=rules, card_rules=card_rules)
    order = {condition: index for index, condition in enumerate(Condition.values)}
    rows.sort(key=lambda row: (row.card_name, row.card_id, row.finish, order[row.condition]))
    return len(rows), [_entry(store, row) for row in rows[:limit]]


def _check_overlap(card_rules: dict) -> None:
    hot, dark, fixed = set(card_rules["hot"]), set(card_rules["dark"]), set(card_rules["fixed"])
    if (hot & dark) | (fixed & (hot | dark)):
        raise DomainError("A card is on one list only (hotlist, darklist or fixed).", field="card_rules")


def _validated_multipliers(value: dict) -> dict:
    cleaned = {}
    for condition in Condition.values:
        raw = value.get(condition, "0")
        try:
            number = Decimal(str(raw))
        except ArithmeticError:
            raise DomainError(f"{condition}: give a number 0–1.", field="condition_multipliers") from None
        if not (0 <= number <= 1):
            raise DomainError(f"{condition}: the multiplier is 0–1.", field="condition_multipliers")
        cleaned[condition] = str(number)
    return cleaned


@transaction.atomic
def buylist_rules_save(*, store: LGSProfile, data: dict) -> BuylistRules:
    """Save the rules and the card lists ({hot: [card ids], dark: [...], fixed: {card id: price}})."""
    rules = rules_of(store)
    for field in ("buy_pct", "max_qty_per_card", "hotlist_bonus_pct"):
        if field in data:
            setattr(rules, field, data[field])
    if "condition_multipliers" in data:
        rules.condition_multipliers = _validated_multipliers(data["condition_multipliers"])
    rules.save()
    if "card_rules" in data:
        hot, dark, fixed = data["card_rules"]["hot"], data["card_rules"]["dark"], data["card_rules"]["fixed"]
        _check_overlap(data["card_rules"])
        BuylistCardRule.objects.filter(store=store).delete()
        BuylistCardRule.objects.bulk_create(
            [BuylistCardRule(store=store, card_id=cid, kind=BuylistCardRuleKind.HOT) for cid in hot]
            + [BuylistCardRule(store=store, card_id=cid, kind=BuylistCardRuleKind.DARK) for cid in dark]
            + [
                BuylistCardRule(store=store, card_id=cid, kind=BuylistCardRuleKind.FIXED, fixed_price=price)
                for cid, price in fixed.items()
            ]
        )
    # The owner sees the result at once (a 50,000-SKU store recomputes in seconds).
    buylist_recompute(store_id=store.pk)
    return rules


def buylist_recompute_soon(*, store_ids, countdown: int = DEBOUNCE_SECONDS) -> list[int]:
    """Queue one recompute per store, at most one per debounce window (many list edits → one run)."""
    from stores.tasks import recompute_buylist

    queued = []
    for store_id in store_ids:
        if countdown and not cache.add(f"buylist-recompute:{store_id}", 1, timeout=countdown):
            continue
        recompute_buylist.apply_async(args=[store_id], countdown=countdown)
        queued.append(store_id)
    return queued


def buylist_stores_near_user(*, user_id: int) -> list[int]:
    """Stores whose radius covers this trader (their want list feeds those stores' demand)."""
    from accounts.models import User

    user = User.objects.filter(pk=user_id).only("latitude", "longitude").first()
    if user is None or not user.has_location:
        return []
    stores = LGSProfile.objects.filter(
        status=StoreStatus.VERIFIED, offers_buylist=True, latitude__isnull=False
    ).values_list("pk", "latitude", "longitude", "service_radius_km")
    return [pk for pk, lat, lng, radius in stores if haversine_km(lat, lng, user.latitude, user.longitude) <= radius]


def buylist_stores_all() -> list[int]:
    return list(
        LGSProfile.objects.filter(status=StoreStatus.VERIFIED, offers_buylist=True).values_list("pk", flat=True)
    )


def buylists_recompute_due() -> list[int]:
    """After price imports (the 15-minute beat job): stores whose covered cards' market moved since."""
    due = []
    for store_id, computed_at in BuylistRules.objects.filter(
        store__status=StoreStatus.VERIFIED, store__offers_buylist=True
    ).values_list("store_id", "computed_at"):
        moved = CardPrice.objects.filter(card_id__in=BuylistEntry.objects.filter(store_id=store_id).values("card_id"))
        if computed_at is not None:
            moved = moved.filter(captured_at__gt=computed_at)
        if computed_at is None or moved.exists():
            due.append(store_id)
    return buylist_recompute_soon(store_ids=due)
