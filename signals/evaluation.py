"""Evaluating signals (SPEC §4) and the leaderboard built from the results.

The job claims due signals in chunks (`FOR UPDATE SKIP LOCKED`, so two runs never evaluate
one signal twice and a second run finds nothing left), reads each chunk's end, high and low
market prices in one query, computes outcomes, and writes them with one statement per chunk;
follower outcomes are one UPDATE per action. Author and follower stats are then counted from
the tables (absolute numbers, so replays change nothing) and stored through accounts'
reputation service, which recomputes score and tier.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Least, NullIf, Round
from django.utils import timezone

from accounts.models import UserReputation
from accounts.reputation import tier_for_score
from accounts.services import reputation_update_many
from cards.enums import MARKET_SOURCES
from cards.models import PriceSnapshot
from core.sqlarrays import ids_in, pg_array

from .enums import PERIOD_DAYS, LeaderboardPeriod, SignalAction, SignalEventKind, SignalStatus
from .models import (
    OUTCOME_COLUMNS,
    CreatorFollow,
    LeaderboardComputation,
    LeaderboardStanding,
    Recommendation,
    SignalEvent,
    SignalFollower,
)

logger = logging.getLogger(__name__)

CHUNK_SIZE = 5000
HOLD_TOLERANCE = Decimal("0.15")
HIT_THRESHOLD = Decimal("0.5")
LEADERBOARD_MIN_EVALUATED = 5
LEADERBOARD_SIZE = 100
WILSON_Z = 1.96
ACCURACY_STEP = Decimal("0.0001")
PCT_STEP = Decimal("0.01")
HUNDRED = Decimal(100)
_MARKET = [source.value for source in MARKET_SOURCES]


@dataclass(frozen=True)
class Outcome:
    price_at_end: Decimal
    peak_price: Decimal
    accuracy: Decimal
    hit: bool
    profit_pct: Decimal | None
    peak_profit_pct: Decimal | None


def _pct(value: Decimal) -> Decimal:
    return (value * HUNDRED).quantize(PCT_STEP, rounding=ROUND_HALF_UP)


def outcome_for(
    *,
    action: str,
    entry: Decimal,
    target: Decimal | None,
    end: Decimal,
    high: Decimal | None = None,
    low: Decimal | None = None,
) -> Outcome:
    """The SPEC §4 formulas. BUY: 0 if the price fell, else min(1, gain / predicted gain);
    SELL mirrored; HOLD: 1 - largest move / 15%, floored at 0. Hit = accuracy ≥ 0.5.

    `high`/`low` are the extremes seen between creation and the end (the entry and end
    prices count as seen). Profit is from the entry price; HOLD has none.
    """
    high = max(value for value in (high, entry, end) if value is not None)
    low = min(value for value in (low, entry, end) if value is not None)
    profit = peak_profit = None
    if action == SignalAction.BUY:
        predicted = target - entry
        accuracy = Decimal(0) if end <= entry else min(Decimal(1), (end - entry) / predicted)
        peak = high
        profit, peak_profit = _pct((end - entry) / entry), _pct((high - entry) / entry)
    elif action == SignalAction.SELL:
        predicted = entry - target
        accuracy = Decimal(0) if end >= entry else min(Decimal(1), (entry - end) / predicted)
        peak = low
        profit, peak_profit = _pct((entry - end) / entry), _pct((entry - low) / entry)
    else:
        move = max(high - entry, entry - low) / entry
        accuracy = max(Decimal(0), 1 - move / HOLD_TOLERANCE)
        peak = high if high - entry >= entry - low else low
    accuracy = accuracy.quantize(ACCURACY_STEP, rounding=ROUND_HALF_UP)
    return Outcome(
        price_at_end=end,
        peak_price=peak,
        accuracy=accuracy,
        hit=accuracy >= HIT_THRESHOLD,
        profit_pct=profit,
        peak_profit_pct=peak_profit,
    )


def _with_prices(signals, *, now: datetime):
    """Annotate each signal with its end price and the high/low over its life: correlated subqueries
    that PostgreSQL answers from the (card, finish, -captured_at) index, one range scan each."""
    snapshots = PriceSnapshot.objects.filter(
        card_id=OuterRef("card_id"), finish=OuterRef("finish"), currency=OuterRef("currency"), source__in=_MARKET
    )
    window = snapshots.filter(captured_at__gte=OuterRef("created_at"), captured_at__lte=OuterRef("evaluation_end"))
    money = DecimalField(max_digits=12, decimal_places=2)
    return signals.annotate(
        evaluation_end=Least(F("target_date"), Value(now, output_field=DateTimeField())),
    ).annotate(
        end_price=Subquery(
            snapshots.filter(captured_at__lte=OuterRef("evaluation_end")).order_by("-captured_at").values("price")[:1],
            output_field=money,
        ),
        high_price=Subquery(
            window.order_by().values("card_id").annotate(value=Max("price")).values("value")[:1], output_field=money
        ),
        low_price=Subquery(
            window.order_by().values("card_id").annotate(value=Min("price")).values("value")[:1], output_field=money
        ),
    )


OUTCOME_FIELDS = ("status", *OUTCOME_COLUMNS, "updated_at")


def _write_outcomes(signals: list[Recommendation]) -> None:
    """One UPDATE for the chunk (unnest of arrays on PostgreSQL; bulk_update elsewhere)."""
    if connection.vendor != "postgresql":
        Recommendation.objects.bulk_update(signals, OUTCOME_FIELDS, batch_size=500)
        return
    columns = {field: [getattr(signal, field) for signal in signals] for field in OUTCOME_FIELDS}
    types = {
        "status": "text",
        "evaluated_at": "timestamptz",
        "price_at_end": "numeric",
        "peak_price": "numeric",
        "accuracy": "numeric",
        "hit": "boolean",
        "profit_pct": "numeric",
        "peak_profit_pct": "numeric",
        "closed_early": "boolean",
        "updated_at": "timestamptz",
    }
    table = Recommendation._meta.db_table
    assignments = ", ".join(f"{field} = v.{field}" for field in OUTCOME_FIELDS)
    unnest = ", ".join(f"%s::{types[field]}[]" for field in OUTCOME_FIELDS)
    # Only our own constant names are interpolated; every value is a bound parameter.
    sql = (
        f"UPDATE {table} AS r SET {assignments} "  # noqa: S608
        f"FROM unnest(%s::bigint[], {unnest}) AS v(id, {', '.join(OUTCOME_FIELDS)}) WHERE r.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [pg_array(signal.pk for signal in signals), *map(pg_array, columns.values())])


def _evaluate_followers(signals: list[Recommendation]) -> set[int]:
    """Follower outcome = profit % from their acted price (BUY: (end - acted)/acted; SELL mirrored; HOLD none).

    Returns the users whose outcomes were written (their follower stats change)."""
    ids = [signal.pk for signal in signals]
    if connection.vendor == "postgresql":
        # One pass over the chunk's pending follows (signal_follower_pending_idx), each signal's action
        # and end price sent along, so the signals table is not joined (nor scanned) again.
        follower = SignalFollower._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {follower} AS f SET outcome_evaluated = true, outcome_profit_pct = "  # noqa: S608
                "CASE v.action "
                "WHEN 'BUY' THEN round((v.price_at_end - f.acted_price) * 100 / NULLIF(f.acted_price, 0), 2) "
                "WHEN 'SELL' THEN round((f.acted_price - v.price_at_end) * 100 / NULLIF(f.acted_price, 0), 2) END "
                "FROM unnest(%s::bigint[], %s::text[], %s::numeric[]) AS v(id, action, price_at_end) "
                "WHERE f.recommendation_id = v.id AND f.acted_on AND NOT f.outcome_evaluated RETURNING f.user_id",
                [
                    pg_array(ids),
                    pg_array(signal.action for signal in signals),
                    pg_array(signal.price_at_end for signal in signals),
                ],
            )
            return {row[0] for row in cursor.fetchall()}
    pending = SignalFollower.objects.filter(recommendation_id__in=ids, acted_on=True, outcome_evaluated=False)
    users = set(pending.values_list("user_id", flat=True))
    end = Subquery(
        Recommendation.objects.filter(pk=OuterRef("recommendation_id")).values("price_at_end")[:1],
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )
    acted = NullIf(F("acted_price"), Value(Decimal(0)))
    percent = DecimalField(max_digits=12, decimal_places=2)
    # SQLite (the embedded demo) stores these as integers when whole and would divide as integers.
    hundred = Value(100.0)
    buy = ExpressionWrapper((end - F("acted_price")) * hundred / acted, output_field=percent)
    sell = ExpressionWrapper((F("acted_price") - end) * hundred / acted, output_field=percent)
    pending.filter(recommendation__action=SignalAction.BUY).update(
        outcome_evaluated=True, outcome_profit_pct=Round(buy, 2)
    )
    pending.filter(recommendation__action=SignalAction.SELL).update(
        outcome_evaluated=True, outcome_profit_pct=Round(sell, 2)
    )
    pending.filter(recommendation__action=SignalAction.HOLD).update(outcome_evaluated=True, outcome_profit_pct=None)
    return users


def _record_events(signals: list[Recommendation], *, actor) -> None:
    """One CLOSED or EVALUATED event per signal (its accuracy and end price, as text)."""
    kinds = [SignalEventKind.CLOSED if signal.closed_early else SignalEventKind.EVALUATED for signal in signals]
    if connection.vendor != "postgresql":
        SignalEvent.objects.bulk_create(
            [
                SignalEvent(
                    signal_id=signal.pk,
                    kind=kind,
                    actor=actor,
                    data={"accuracy": str(signal.accuracy), "price_at_end": str(signal.price_at_end)},
                )
                for signal, kind in zip(signals, kinds, strict=True)
            ]
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SignalEvent._meta.db_table} (signal_id, kind, actor_id, data, created_at) "  # noqa: S608
            "SELECT v.id, v.kind, %s, jsonb_build_object('accuracy', v.accuracy, 'price_at_end', v.price_at_end), %s "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) AS v(id, kind, accuracy, price_at_end)",
            [
                actor.pk if actor else None,
                timezone.now(),
                pg_array(signal.pk for signal in signals),
                pg_array(str(kind) for kind in kinds),
                pg_array(str(signal.accuracy) for signal in signals),
                pg_array(str(signal.price_at_end) for signal in signals),
            ],
        )


def _author_stats(user_ids: list[int]) -> dict[int, dict]:
    """author_accuracy_pct = 100 x hits ÷ evaluated, over every evaluated signal (hidden ones too)."""
    stats = {user_id: {"signals_authored_evaluated": 0, "author_hits": 0} for user_id in user_ids}
    rows = (
        Recommendation.objects.filter(created_by_id__in=ids_in(user_ids), status=SignalStatus.EVALUATED)
        .values("created_by_id")
        .annotate(evaluated=Count("*"), hits=Count("hit", filter=Q(hit=True)))
    )
    for row in rows:
        stats[row["created_by_id"]] = {"signals_authored_evaluated": row["evaluated"], "author_hits": row["hits"]}
    return stats


def _follower_stats(user_ids: list[int]) -> dict[int, dict]:
    """signals_followed = acted-on follows evaluated (unfollowed ones included); profitable = profit > 0."""
    stats = {user_id: {"signals_followed": 0, "signals_profitable": 0} for user_id in user_ids}
    rows = (
        SignalFollower.objects.filter(user_id__in=ids_in(user_ids), acted_on=True, outcome_evaluated=True)
        .values("user_id")
        .annotate(followed=Count("*"), profitable=Count("outcome_profit_pct", filter=Q(outcome_profit_pct__gt=0)))
    )
    for row in rows:
        stats[row["user_id"]] = {"signals_followed": row["followed"], "signals_profitable": row["profitable"]}
    return stats


def stats_refresh(*, author_ids, follower_ids) -> int:
    """Store fresh author and follower stats and recompute reputation (accounts' service)."""
    author_ids, follower_ids = set(author_ids), set(follower_ids)

    def stats_for(user_ids: list[int]) -> dict[int, dict]:
        authors = _author_stats([user_id for user_id in user_ids if user_id in author_ids])
        followers = _follower_stats([user_id for user_id in user_ids if user_id in follower_ids])
        return {user_id: {**authors.get(user_id, {}), **followers.get(user_id, {})} for user_id in user_ids}

    return reputation_update_many(user_ids=author_ids | follower_ids, stats_for=stats_for)


@dataclass
class EvaluationResult:
    evaluated: int = 0
    signal_ids: list[int] | None = None
    authors: set[int] | None = None
    followers: set[int] | None = None


def _evaluate_locked(signals: list[Recommendation], *, now: datetime, actor=None) -> EvaluationResult:
    """The one move active → evaluated, for rows already locked by the caller."""
    signals = [signal for signal in signals if signal.status == SignalStatus.ACTIVE]
    if not signals:
        return EvaluationResult(0, [], set(), set())
    for signal in signals:
        end = signal.end_price if signal.end_price is not None else signal.entry_price
        outcome = outcome_for(
            action=signal.action,
            entry=signal.entry_price,
            target=signal.target_price,
            end=end,
            high=signal.high_price,
            low=signal.low_price,
        )
        signal.status = SignalStatus.EVALUATED
        signal.evaluated_at = now
        signal.closed_early = now < signal.target_date
        signal.updated_at = now
        for field in ("price_at_end", "peak_price", "accuracy", "hit", "profit_pct", "peak_profit_pct"):
            setattr(signal, field, getattr(outcome, field))
    _write_outcomes(signals)
    followers = _evaluate_followers(signals)
    _record_events(signals, actor=actor)
    authors = {signal.created_by_id for signal in signals if signal.created_by_id}
    return EvaluationResult(len(signals), [signal.pk for signal in signals], authors, followers)


def _notify_on_commit(signal_ids: list[int]) -> None:
    from .tasks import notify_signals_evaluated

    transaction.on_commit(lambda: notify_signals_evaluated.delay(signal_ids))


def signals_evaluate(*, signal_ids: list[int], now: datetime, actor=None) -> EvaluationResult:
    """Evaluate these signals now (closing early) inside the caller's transaction, rows locked here.

    The caller refreshes stats (`stats_refresh`) once its transaction has committed.
    """
    locked = list(
        _with_prices(Recommendation.objects.select_for_update(of=("self",)).filter(pk__in=signal_ids), now=now)
    )
    result = _evaluate_locked(locked, now=now, actor=actor)
    if result.evaluated:
        _notify_on_commit(result.signal_ids)
        from .tasks import recompute_leaderboard

        transaction.on_commit(lambda: recompute_leaderboard.delay())
    return result


def _without_jit() -> None:
    """Within the current transaction, no JIT compilation on PostgreSQL: the chunk's statements are
    estimated expensive enough to compile (~0.4 s each, more than running them interpreted)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def evaluate_due_signals(*, now: datetime | None = None, chunk_size: int = CHUNK_SIZE) -> int:
    """Evaluate every active signal whose target date has arrived. Safe to run twice or concurrently."""
    now = now or timezone.now()
    started = time.perf_counter()
    claiming = 0.0
    total = 0
    authors: set[int] = set()
    followers: set[int] = set()
    while True:
        with transaction.atomic():
            _without_jit()
            claim_started = time.perf_counter()
            due = Recommendation.objects.select_for_update(skip_locked=True, of=("self",)).filter(
                status=SignalStatus.ACTIVE, target_date__lte=now
            )
            locked = list(_with_prices(due, now=now).order_by("target_date", "id")[:chunk_size])
            claiming += time.perf_counter() - claim_started
            if not locked:
                break
            result = _evaluate_locked(locked, now=now)
            _notify_on_commit(result.signal_ids)
        total += result.evaluated
        authors |= result.authors
        followers |= result.followers
    evaluated_at = time.perf_counter()
    if total:
        stats_refresh(author_ids=authors, follower_ids=followers)
    logger.info(
        "evaluated %s due signals in %.1f s (claiming them with their prices %.1f s); "
        "stats and reputation of %s authors and %s followers in %.1f s",
        total,
        evaluated_at - started,
        claiming,
        len(authors),
        len(followers),
        time.perf_counter() - evaluated_at,
    )
    return total


# ----------------------------------------------------------------------------------------
# Leaderboard


def wilson_lower_bound(hits: int, total: int, z: float = WILSON_Z) -> Decimal:
    """Lower end of the 95% Wilson score interval of the hit rate: small samples rank lower."""
    if total <= 0:
        return Decimal(0)
    p = hits / total
    denominator = 1 + z * z / total
    centre = p + z * z / (2 * total)
    margin = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return Decimal(max(0.0, (centre - margin) / denominator)).quantize(ACCURACY_STEP, rounding=ROUND_HALF_UP)


def _standings_for(period: str, *, now: datetime) -> list[LeaderboardStanding]:
    from .selectors import visible_signals

    days = PERIOD_DAYS[period]
    # Public signals only: exactly what an anonymous visitor may see (the one visibility rule).
    signals = visible_signals(user=AnonymousUser()).filter(status=SignalStatus.EVALUATED)
    if days is not None:
        signals = signals.filter(evaluated_at__gte=now - timedelta(days=days))
    rows = list(
        signals.order_by()
        .values("created_by_id")
        .annotate(evaluated=Count("id"), hits=Count("id", filter=Q(hit=True)), mean_profit=Avg("profit_pct"))
        .filter(evaluated__gte=LEADERBOARD_MIN_EVALUATED)
    )
    creator_ids = [row["created_by_id"] for row in rows if row["created_by_id"] is not None]
    followers = dict(
        CreatorFollow.objects.filter(creator_id__in=creator_ids)
        .values("creator_id")
        .annotate(count=Count("id"))
        .values_list("creator_id", "count")
    )
    scores = dict(UserReputation.objects.filter(user_id__in=creator_ids).values_list("user_id", "reputation_score"))
    standings = []
    for row in rows:
        creator_id = row["created_by_id"]
        mean = row["mean_profit"]
        standings.append(
            LeaderboardStanding(
                period=period,
                creator_id=creator_id,
                is_system=creator_id is None,
                tier="" if creator_id is None else tier_for_score(scores.get(creator_id, Decimal(0))),
                evaluated=row["evaluated"],
                hits=row["hits"],
                hit_rate=(Decimal(row["hits"]) / row["evaluated"]).quantize(ACCURACY_STEP, rounding=ROUND_HALF_UP),
                wilson_lower_bound=wilson_lower_bound(row["hits"], row["evaluated"]),
                mean_profit_pct=None if mean is None else Decimal(mean).quantize(PCT_STEP, rounding=ROUND_HALF_UP),
                followers=followers.get(creator_id, 0),
                computed_at=now,
            )
        )
    standings.sort(key=lambda row: (-row.wilson_lower_bound, -row.evaluated, row.creator_id or 0))
    standings = standings[:LEADERBOARD_SIZE]
    for rank, standing in enumerate(standings, start=1):
        standing.rank = rank
    return standings


def leaderboard_recompute(*, now: datetime | None = None) -> dict[str, int]:
    """Rebuild every period's standings (one grouped query each); readers never aggregate."""
    now = now or timezone.now()
    sizes = {}
    for period in LeaderboardPeriod.values:
        standings = _standings_for(period, now=now)
        with transaction.atomic():
            LeaderboardStanding.objects.filter(period=period).delete()
            LeaderboardStanding.objects.bulk_create(standings)
            LeaderboardComputation.objects.update_or_create(period=period, defaults={"computed_at": now})
        sizes[period] = len(standings)
    return sizes


def evaluation_run(*, now: datetime | None = None) -> dict:
    """What the beat job and `manage.py evaluate_signals` run: evaluate what is due, then the standings."""
    now = now or timezone.now()
    evaluated = evaluate_due_signals(now=now)
    standings = leaderboard_recompute(now=now)
    return {"evaluated": evaluated, "standings": standings}
