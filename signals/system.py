"""The system's own signals: a momentum recommender run daily by beat (SPEC §4).

When a card's 7-day average market price is at least 5% above (BUY) or below (SELL) its
30-day average, and its current price is at least SYSTEM_MIN_PRICE, the system publishes a
public signal expecting the move to carry on for 30 days. At most SYSTEM_DAILY_LIMIT a day,
never two active ones for a card (a partial unique constraint), and none counted against any
user. They are evaluated by the same code as everyone's, so the system has a track record.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Q
from django.utils import timezone

from cards.enums import MARKET_SOURCES, Finish
from cards.models import CardPrice, PriceSnapshot
from core.money import quantize_money

from .enums import SignalAction, SignalStatus, SignalVisibility
from .models import Recommendation

SYSTEM_MIN_PRICE = Decimal("2.00")
SYSTEM_DAILY_LIMIT = 10
MOMENTUM_THRESHOLD = Decimal("0.05")
HORIZON_DAYS = 30
_MARKET = [source.value for source in MARKET_SOURCES]


def _momentum_candidates(*, now: datetime) -> list[tuple[int, Decimal, Decimal, Decimal]]:
    """(card_id, current price, 7-day average, 30-day average) for priced nonfoil cards with no active system signal."""
    busy = Recommendation.objects.filter(created_by__isnull=True, status=SignalStatus.ACTIVE).values("card_id")
    current = dict(
        CardPrice.objects.filter(finish=Finish.NONFOIL, currency="USD", price__gte=SYSTEM_MIN_PRICE)
        .exclude(card_id__in=busy)
        .values_list("card_id", "price")
    )
    if not current:
        return []
    averages = (
        PriceSnapshot.objects.filter(
            finish=Finish.NONFOIL,
            currency="USD",
            source__in=_MARKET,
            captured_at__gte=now - timedelta(days=30),
            captured_at__lte=now,
            card_id__in=list(current),
        )
        .values("card_id")
        .annotate(avg30=Avg("price"), avg7=Avg("price", filter=Q(captured_at__gte=now - timedelta(days=7))))
    )
    return [
        (row["card_id"], current[row["card_id"]], Decimal(row["avg7"]), Decimal(row["avg30"]))
        for row in averages
        if row["avg7"] is not None and row["avg30"]
    ]


def system_signals_generate(*, now: datetime | None = None, limit: int = SYSTEM_DAILY_LIMIT) -> int:
    """Publish today's momentum signals; returns how many were created (0 when today's quota is used)."""
    now = now or timezone.now()
    day_start = datetime.combine(now.astimezone(UTC).date(), time.min, tzinfo=UTC)
    room = limit - Recommendation.objects.filter(created_by__isnull=True, created_at__gte=day_start).count()
    if room <= 0:
        return 0
    scored = []
    for card_id, price, avg7, avg30 in _momentum_candidates(now=now):
        momentum = avg7 / avg30 - 1
        if abs(momentum) >= MOMENTUM_THRESHOLD:
            scored.append((abs(momentum), card_id, price, avg7, avg30, momentum))
    scored.sort(key=lambda row: (-row[0], row[1]))
    signals = []
    for _, card_id, price, avg7, avg30, momentum in scored[:room]:
        action = SignalAction.BUY if momentum > 0 else SignalAction.SELL
        target = quantize_money(price * (1 + momentum))
        if (action == SignalAction.BUY and target <= price) or (action == SignalAction.SELL and target >= price):
            continue
        direction = "above" if momentum > 0 else "below"
        signals.append(
            Recommendation(
                card_id=card_id,
                finish=Finish.NONFOIL,
                action=action,
                entry_price=price,
                currency="USD",
                target_price=target,
                target_date=day_start + timedelta(days=HORIZON_DAYS),
                rationale=(
                    f"Momentum: the 7-day average (${quantize_money(avg7)}) is {abs(momentum) * 100:.1f}% "
                    f"{direction} the 30-day average (${quantize_money(avg30)})."
                ),
                confidence=min(Decimal(1), abs(momentum) / Decimal("0.3")).quantize(
                    Decimal("0.01"), rounding=ROUND_HALF_UP
                ),
                created_by=None,
                is_user_generated=False,
                visibility=SignalVisibility.PUBLIC,
                is_public=True,
            )
        )
    created = Recommendation.objects.bulk_create(signals, ignore_conflicts=True)
    return len(created)
