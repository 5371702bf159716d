"""Demo signals: the tiered demo traders publish, follow and get evaluated. Idempotent.

Creators are the trades demo's traders, whose tiers come from real demo trades:
frank_kirkland (gold), erin_everett (silver) and dan_redmond (bronze). Their past signals are
placed on the generated price history (so evaluation computes real outcomes from it) and
evaluated by the evaluation service; frank's record makes his public signals featured.
Their current signals go through `signal_create` like anyone's. demo_trader follows frank
and erin and acted on one of frank's calls; the system adds momentum signals and a record.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cards.enums import MARKET_SOURCES
from cards.models import CardPrice, PriceSnapshot
from core.money import quantize_money

from . import services
from .evaluation import evaluate_due_signals, leaderboard_recompute
from .models import Recommendation
from .system import system_signals_generate
from .visibility import can_create_public_signal

# username: (past signals, of which hits, visibility of the past ones, current signals)
CREATORS = {
    "frank_kirkland": (12, 10, "public", 3),
    "erin_everett": (8, 5, "public", 2),
    "dan_redmond": (6, 3, "followers", 1),
}
SYSTEM_PAST = 6
FOLLOWS = {"demo_trader": ["frank_kirkland", "erin_everett"], "second_trader": ["dan_redmond", "frank_kirkland"]}
_MARKET = [source.value for source in MARKET_SOURCES]


def _history(card_id: int) -> list[tuple[datetime, Decimal]]:
    return list(
        PriceSnapshot.objects.filter(card_id=card_id, finish="nonfoil", currency="USD", source__in=_MARKET)
        .order_by("captured_at")
        .values_list("captured_at", "price")
    )


def _past_signal(*, rng: random.Random, creator: User | None, card_id: int, hit: bool, visibility: str, now: datetime):
    """A signal placed 40-120 days back on the card's real history, shaped to hit or miss."""
    history = _history(card_id)
    if len(history) < 60:
        return None
    start_index = rng.randrange(max(1, len(history) - 130), len(history) - 45)
    end_index = start_index + rng.randrange(14, 40)
    (created, entry), (target_at, end) = history[start_index], history[min(end_index, len(history) - 1)]
    if entry <= 0 or end == entry:
        return None
    rising = end > entry
    if hit:
        action = "BUY" if rising else "SELL"
        target = entry + (end - entry) * Decimal("1.4")
    else:
        action = "SELL" if rising else "BUY"
        target = entry - (end - entry) * Decimal("0.8")
    target = quantize_money(target)
    if target <= 0 or target == entry:
        return None
    # Evaluated at the start of the next day, so the chosen end price is the last one seen.
    target_day = datetime.combine(target_at.astimezone(UTC).date() + timedelta(days=1), time.min, tzinfo=UTC)
    text = "Demo call placed on the generated price history: " + (
        "the chart looked like it was turning." if rising else "the chart looked tired."
    )
    return Recommendation(
        card_id=card_id,
        finish="nonfoil",
        action=action,
        entry_price=entry,
        currency="USD",
        target_price=target,
        target_date=target_day,
        created_by=creator,
        is_user_generated=creator is not None,
        visibility=visibility if creator else "public",
        is_public=(visibility if creator else "public") == "public",
        rationale="" if creator else "Momentum (demo history).",
        user_rationale=text if creator else None,
        user_target_price=target if creator else None,
        user_target_date=target_day if creator else None,
    ), created


def _place_history(*, rng: random.Random, creator: User | None, count: int, hits: int, visibility: str, card_ids, now):
    placed = 0
    outcomes = [True] * hits + [False] * (count - hits)
    for card_id in card_ids:
        if placed == len(outcomes):
            break
        made = _past_signal(
            rng=rng, creator=creator, card_id=card_id, hit=outcomes[placed], visibility=visibility, now=now
        )
        if made is None:
            continue
        signal, created = made
        signal.save()
        # History placed in the past: the row says when the call was made (demo data only).
        Recommendation.objects.filter(pk=signal.pk).update(created_at=created)
        placed += 1
    return placed


def seed(stdout) -> None:
    creators = {user.username: user for user in User.objects.filter(username__in=CREATORS).select_related("reputation")}
    if not creators:
        stdout.write("  signals: the trades demo traders are missing; run the trades demo first\n")
        return
    if Recommendation.objects.filter(created_by__in=creators.values()).exists():
        stdout.write("  signals: already seeded\n")
        return
    rng = random.Random(14)
    now = timezone.now()
    priced = list(
        CardPrice.objects.filter(finish="nonfoil", currency="USD", price__gte=Decimal("1.00"))
        .order_by("card_id")
        .values_list("card_id", flat=True)[:400]
    )
    rng.shuffle(priced)
    with transaction.atomic():
        cursor = 0
        for username, (count, hits, visibility, _) in CREATORS.items():
            if username in creators:
                placed = _place_history(
                    rng=rng,
                    creator=creators[username],
                    count=count,
                    hits=hits,
                    visibility=visibility,
                    card_ids=priced[cursor : cursor + 40],
                    now=now,
                )
                cursor += 40
                stdout.write(f"  signals: {username} has {placed} past signals\n")
        _place_history(
            rng=rng,
            creator=None,
            count=SYSTEM_PAST,
            hits=3,
            visibility="public",
            card_ids=priced[cursor : cursor + 40],
            now=now,
        )
        cursor += 40
    evaluated = evaluate_due_signals(now=now)

    followers = {user.username: user for user in User.objects.filter(username__in=FOLLOWS)}
    for username, followed in FOLLOWS.items():
        if username in followers:
            for creator_name in followed:
                if creator_name in creators:
                    services.creator_follow(follower=followers[username], username=creator_name)

    current = []
    for username, (_, _, visibility, active) in CREATORS.items():
        creator = creators.get(username)
        if creator is None:
            continue
        creator.refresh_from_db()
        wanted = "public" if visibility == "public" and can_create_public_signal(creator) else "followers"
        for index in range(active):
            if cursor >= len(priced):
                break
            card_id = priced[cursor]
            cursor += 1
            price = CardPrice.objects.get(card_id=card_id, finish="nonfoil").price
            action = ["BUY", "SELL", "HOLD"][index % 3]
            target = {"BUY": price * Decimal("1.25"), "SELL": price * Decimal("0.8"), "HOLD": None}[action]
            current.append(
                services.signal_create(
                    creator=creator,
                    card_id=card_id,
                    action=action,
                    target_price=quantize_money(target) if target else None,
                    target_date=(now + timedelta(days=20 + index * 10)).date().isoformat(),
                    rationale=f"Demo signal by {username}: watching this card into next month's events.",
                    visibility=wanted,
                )
            )
    fan = followers.get("demo_trader")
    if fan and current:
        services.signal_follow(signal_id=current[0].pk, user=fan, acted_on=True)
        if len(current) > 3:
            services.signal_follow(signal_id=current[3].pk, user=fan)
    system = system_signals_generate(now=now)
    leaderboard_recompute(now=now)
    featured = Recommendation.objects.filter(created_by__username="frank_kirkland", status="active").count()
    stdout.write(
        f"  signals: {evaluated} evaluated, {len(current)} active user signals ({featured} by frank_kirkland, "
        f"featured), {system} system momentum signals; leaderboard at /signals/leaderboard/\n"
    )
