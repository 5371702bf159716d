"""The smart buylist (docs/stores.md, "Smart buylist"): rules in, a precomputed price table out.

cash = market * buy% (+ hotlist bonus) * condition multiplier * demand factor * stock taper;
a fixed override wins; credit = cash * (1 + trade_in_bonus_pct / 100).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from cards.models import CardPrice
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
    """Card id → how many nearby traders want it: public want lists, and private ones of opted-in traders."""
    from accounts.models import User
    from lists.models import WantItem

    nearby = nearby_trader_ids(store=store, opted_in_only=False)
    if not nearby:
        return Counter()
    countable = User.objects.filter(pk__in=list(nearby)).filter(
        Q(list_settings__isnull=True) | Q(list_settings__wants_public=True) | Q(match_with_stores=True)
    )
    rows = WantItem.objects.filter(owner__in=countable).values_list("card_id", "owner_id").distinct()
    return Counter(card_id for card_id, _owner in rows)


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


def buylist_rows(*, store: LGSProfile, rules: BuylistRules, card_rules: dict | None = None) -> list[BuylistEntry]:
    """The buylist these rules give (unsaved rows); `card_rules` (unsaved lists) for a preview."""
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
    prices = CardPrice.objects.filter(card_id__in=covered, currency=MARKET_CURRENCY).values_list(
        "card_id", "finish", "price", "change_7d_pct"
    )
    by_card = defaultdict(list)
    for card_id, finish, price, change in prices:
        by_card[card_id].append((finish, price, change))

    multipliers = {key: Decimal(str(value)) for key, value in rules.condition_multipliers.items()}
    bonus = Decimal(store.trade_in_bonus_pct)
    rows = []
    for card_id in covered:
        finishes = by_card.get(card_id) or []
        override = fixed.get(card_id)
        if not finishes and override is not None:
            finishes = [("nonfoil", None, None)]
        buy_pct = rules.buy_pct + (rules.hotlist_bonus_pct if card_id in hot else 0)
        taper = stock_taper(stock=stock.get(card_id, 0), max_qty=rules.max_qty_per_card)
        for finish, market, change in finishes:
            momentum = (Decimal(change) / Decimal(100)) if change is not None else Decimal(0)
            factor = demand_factor(local=local.get(card_id, 0), signal=signals.get(card_id, 0), momentum=momentum)
            for condition in Condition.values:
                multiplier = multipliers.get(condition, Decimal(0))
                cash = cash_price(
                    market=market or Decimal(0),
                    buy_pct=buy_pct,
                    condition_multiplier=multiplier,
                    factor=factor,
                    taper=taper,
                    override=override,
                )
                if cash <= 0:
                    continue
                rows.append(
                    BuylistEntry(
                        store=store,
                        card_id=card_id,
                        condition=condition,
                        finish=finish,
                        cash_price=cash,
                        credit_price=credit_price(cash=cash, trade_in_bonus_pct=bonus),
                        currency=MARKET_CURRENCY,
                        breakdown={
                            "market": str(market) if market is not None else None,
                            "buy_pct": str(buy_pct),
                            "condition_multiplier": str(multiplier),
                            "demand_factor": str(factor.quantize(Decimal("0.001"))),
                            "local_demand": demand_bucket(local.get(card_id, 0)),
                            "signal_demand": signals.get(card_id, 0),
                            "momentum": str(momentum.quantize(Decimal("0.0001"))),
                            "stock_taper": str(taper.quantize(Decimal("0.001"))),
                            "override": str(override) if override is not None else None,
                        },
                    )
                )
    return rows


@transaction.atomic
def buylist_recompute(*, store_id: int) -> int:
    """Replace the store's precomputed buylist. Only verified stores that run a buylist have one."""
    store = LGSProfile.objects.select_for_update().get(pk=store_id)
    BuylistEntry.objects.filter(store=store).delete()
    rules = rules_of(store)
    if not (store.offers_buylist and store.status == StoreStatus.VERIFIED):
        return 0
    rows = buylist_rows(store=store, rules=rules)
    BuylistEntry.objects.bulk_create(rows, batch_size=5000)
    if rules.pk and BuylistRules.objects.filter(pk=rules.pk).exists():
        BuylistRules.objects.filter(pk=rules.pk).update(computed_at=timezone.now())
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
    rows = buylist_rows(store=store, rules=rules, card_rules=card_rules)
    from cards.models import Card

    names = dict(Card.objects.filter(pk__in={row.card_id for row in rows}).values_list("pk", "name"))
    for row in rows:
        row.card_name = names.get(row.card_id, "")
    rows.sort(key=lambda row: (row.card_name, row.card_id, row.finish, Condition.values.index(row.condition)))
    return len(rows), rows[:limit]


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
