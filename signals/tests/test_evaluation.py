"""Evaluation (SPEC §4 formulas from price history), follower outcomes, stats, reputation, leaderboard."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import UserReputation
from accounts.tests.factories import UserFactory
from cards.models import CardPrice
from cards.tests.factories import PriceSnapshotFactory
from signals import services
from signals.evaluation import (
    evaluate_due_signals,
    evaluation_run,
    leaderboard_recompute,
    outcome_for,
    wilson_lower_bound,
)
from signals.models import LeaderboardStanding, Recommendation, SignalEvent, SignalFollower

from .factories import CreatorFollowFactory, RecommendationFactory, SignalFollowerFactory, creator_factory, priced_card

pytestmark = pytest.mark.django_db
D = Decimal
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _signal_with_history(*, action="BUY", entry="10.00", target="20.00", prices=(), after=(), **kwargs):
    """A signal created 10 days before NOW with its target date 1 day before NOW; `prices` are the
    market prices seen during its life (last one = price at end), `after` ones after the target date."""
    card = kwargs.pop("card", None) or priced_card(entry)
    signal = RecommendationFactory(
        card=card, action=action, entry_price=D(entry), target_price=D(target) if target else None, **kwargs
    )
    created = NOW - timedelta(days=10)
    target_date = NOW - timedelta(days=1)
    Recommendation.objects.filter(pk=signal.pk).update(created_at=created, target_date=target_date)
    PriceSnapshotFactory(card=card, price=D(entry), captured_at=created - timedelta(hours=1))
    for index, price in enumerate(prices):
        PriceSnapshotFactory(card=card, price=D(price), captured_at=created + timedelta(days=1 + index * 0.5))
    for index, price in enumerate(after):
        PriceSnapshotFactory(card=card, price=D(price), captured_at=target_date + timedelta(hours=1 + index))
    signal.refresh_from_db()
    return signal


@pytest.mark.parametrize(
    ("action", "entry", "target", "end", "high", "low", "accuracy", "hit", "profit", "peak", "peak_profit"),
    [
        ("BUY", "10", "20", "15", "18", "9", "0.5000", True, "50.00", "18", "80.00"),
        ("BUY", "10", "20", "14.99", None, None, "0.4990", False, "49.90", "14.99", "49.90"),
        ("BUY", "10", "20", "25", None, None, "1.0000", True, "150.00", "25", "150.00"),
        ("BUY", "10", "20", "9", "12", None, "0.0000", False, "-10.00", "12", "20.00"),
        ("BUY", "10", "20", "10", None, None, "0.0000", False, "0.00", "10", "0.00"),
        ("SELL", "10", "5", "8", None, "6", "0.4000", False, "20.00", "6", "40.00"),
        ("SELL", "10", "5", "4", None, None, "1.0000", True, "60.00", "4", "60.00"),
        ("SELL", "10", "5", "11", None, None, "0.0000", False, "-10.00", "10", "0.00"),
        ("HOLD", "10", None, "10.50", "11", "9.50", "0.3333", False, None, "11", None),
        ("HOLD", "10", None, "10.30", None, None, "0.8000", True, None, "10.30", None),
        ("HOLD", "10", None, "12", None, None, "0.0000", False, None, "12", None),
        ("HOLD", "10", None, "8.50", None, None, "0.0000", False, None, "8.50", None),
    ],
)
def test_outcome_formulas(action, entry, target, end, high, low, accuracy, hit, profit, peak, peak_profit):
    outcome = outcome_for(
        action=action,
        entry=D(entry),
        target=D(target) if target else None,
        end=D(end),
        high=D(high) if high else None,
        low=D(low) if low else None,
    )
    assert outcome.accuracy == D(accuracy)
    assert outcome.hit is hit
    assert outcome.profit_pct == (D(profit) if profit else None)
    assert outcome.peak_price == D(peak)
    assert outcome.peak_profit_pct == (D(peak_profit) if peak_profit else None)


def test_evaluation_reads_history_up_to_the_target_date():
    signal = _signal_with_history(prices=["12.00", "18.00", "15.00"], after=["30.00"])
    assert evaluate_due_signals(now=NOW) == 1
    signal.refresh_from_db()
    assert (signal.status, signal.evaluated_at, signal.closed_early) == ("evaluated", NOW, False)
    assert (signal.price_at_end, signal.peak_price) == (D("15.00"), D("18.00"))
    assert (signal.accuracy, signal.hit, signal.profit_pct, signal.peak_profit_pct) == (
        D("0.5000"),
        True,
        D("50.00"),
        D("80.00"),
    )
    assert SignalEvent.objects.filter(signal=signal, kind="evaluated").count() == 1


def test_not_due_and_no_history_cases():
    due_without_history = RecommendationFactory(card=priced_card("10.00"))
    Recommendation.objects.filter(pk=due_without_history.pk).update(target_date=NOW - timedelta(hours=1))
    future = RecommendationFactory(target_date=NOW + timedelta(days=1))
    assert evaluate_due_signals(now=NOW) == 1
    due_without_history.refresh_from_db()
    future.refresh_from_db()
    assert (due_without_history.price_at_end, due_without_history.accuracy) == (D("10.00"), D("0.0000"))
    assert future.status == "active"


def test_follower_outcomes_from_their_acted_price():
    buy = _signal_with_history(action="BUY", target="20.00", prices=["15.00"])
    sell = _signal_with_history(action="SELL", target="5.00", prices=["8.00"])
    hold = _signal_with_history(action="HOLD", target=None, prices=["10.10"])
    at = timezone.now()
    buyer = SignalFollowerFactory(recommendation=buy, acted_on=True, acted_at=at, acted_price=D("12.00"))
    seller = SignalFollowerFactory(recommendation=sell, acted_on=True, acted_at=at, acted_price=D("9.00"))
    holder = SignalFollowerFactory(recommendation=hold, acted_on=True, acted_at=at, acted_price=D("10.00"))
    watcher = SignalFollowerFactory(recommendation=buy)
    evaluate_due_signals(now=NOW)
    for follow in (buyer, seller, holder, watcher):
        follow.refresh_from_db()
    assert (buyer.outcome_evaluated, buyer.outcome_profit_pct) == (True, D("25.00"))
    assert (seller.outcome_evaluated, seller.outcome_profit_pct) == (True, D("11.11"))
    assert (holder.outcome_evaluated, holder.outcome_profit_pct) == (True, None)
    assert (watcher.outcome_evaluated, watcher.outcome_profit_pct) == (False, None)


def test_author_and_follower_stats_and_reputation():
    author = creator_factory(trades=20, score=300)
    follower = UserFactory()
    UserReputation.objects.filter(user=follower).update(completed_trades=10)
    signals = [
        _signal_with_history(created_by=author, prices=[price])
        for price in ("20.00", "20.00", "9.00", "20.00", "20.00")
    ]
    for signal in signals:
        SignalFollowerFactory(recommendation=signal, user=follower, acted_on=True, acted_at=NOW, acted_price=D("10.00"))
    # An unfollowed acted-on follow still counts.
    SignalFollower.objects.filter(recommendation=signals[0], user=follower).update(unfollowed_at=NOW)
    evaluate_due_signals(now=NOW)
    author_reputation = UserReputation.objects.get(user=author)
    assert (author_reputation.signals_authored_evaluated, author_reputation.author_hits) == (5, 4)
    assert author_reputation.author_accuracy_pct == D("80.00")
    reputation = UserReputation.objects.get(user=follower)
    assert (reputation.signals_followed, reputation.signals_profitable, reputation.signal_accuracy_pct) == (
        5,
        4,
        D("80.00"),
    )
    # 10 trades (100) + verified email (10) + follow points 4/5 x 100 = 190: Bronze.
    assert (reputation.reputation_score, reputation.reputation_tier) == (D("190.00"), "bronze")


def test_evaluating_twice_changes_nothing():
    signal = _signal_with_history(prices=["15.00"])
    follow = SignalFollowerFactory(recommendation=signal, acted_on=True, acted_at=NOW, acted_price=D("12.00"))
    assert evaluate_due_signals(now=NOW) == 1
    before = Recommendation.objects.values().get(pk=signal.pk)
    follow_before = SignalFollower.objects.values().get(pk=follow.pk)
    reputations = list(UserReputation.objects.order_by("pk").values())
    assert evaluate_due_signals(now=NOW + timedelta(days=1)) == 0
    assert Recommendation.objects.values().get(pk=signal.pk) == before
    assert SignalFollower.objects.values().get(pk=follow.pk) == follow_before
    assert list(UserReputation.objects.order_by("pk").values()) == reputations
    assert SignalEvent.objects.filter(signal=signal, kind="evaluated").count() == 1


def test_evaluate_signals_command_runs_the_job_once(capsys):
    _signal_with_history(prices=["15.00"])
    past = Recommendation.objects.get()
    Recommendation.objects.filter(pk=past.pk).update(target_date=timezone.now() - timedelta(hours=1))
    call_command("evaluate_signals")
    assert "Evaluated 1 signals" in capsys.readouterr().out
    assert Recommendation.objects.get().status == "evaluated"
    call_command("evaluate_signals")
    assert "Evaluated 0 signals" in capsys.readouterr().out


def test_wilson_lower_bound_values():
    assert wilson_lower_bound(8, 10) == D("0.4902")
    assert wilson_lower_bound(0, 5) == D("0")
    assert wilson_lower_bound(5, 5) == D("0.5655")
    assert wilson_lower_bound(0, 0) == D("0")


def _evaluated(creator, *, hits, misses, visibility="public", evaluated_at=None, **kwargs):
    at = evaluated_at or timezone.now() - timedelta(days=1)
    rows = []
    for hit in [True] * hits + [False] * misses:
        signal = RecommendationFactory(created_by=creator, visibility=visibility, **kwargs)
        Recommendation.objects.filter(pk=signal.pk).update(
            status="evaluated",
            evaluated_at=at,
            hit=hit,
            accuracy=D("1") if hit else D("0"),
            price_at_end=D("12") if hit else D("9"),
            profit_pct=D("20.00") if hit else D("-10.00"),
        )
        rows.append(signal)
    return rows


def test_leaderboard_ranks_by_wilson_counts_public_only_and_needs_five():
    steady, lucky, few = (
        creator_factory(username="steady"),
        creator_factory(username="lucky"),
        creator_factory(username="few"),
    )
    _evaluated(steady, hits=16, misses=4)
    _evaluated(lucky, hits=5, misses=0)
    _evaluated(few, hits=4, misses=0)
    _evaluated(few, hits=5, misses=0, visibility="private")
    _evaluated(few, hits=5, misses=0, visibility="followers")
    hidden = _evaluated(lucky, hits=3, misses=0)
    Recommendation.objects.filter(pk__in=[signal.pk for signal in hidden]).update(is_hidden=True)
    CreatorFollowFactory(creator=steady)
    CreatorFollowFactory(creator=steady)
    leaderboard_recompute()
    rows = list(LeaderboardStanding.objects.filter(period="30d").order_by("rank"))
    assert [(row.creator.username, row.evaluated, row.hits) for row in rows] == [("steady", 20, 16), ("lucky", 5, 5)]
    assert rows[0].wilson_lower_bound == wilson_lower_bound(16, 20)
    assert rows[0].hit_rate == D("0.8000")
    assert rows[0].mean_profit_pct == D("14.00")
    assert rows[0].followers == 2
    assert rows[0].tier == "silver"


def test_leaderboard_periods_use_evaluated_at_and_include_the_system():
    creator = creator_factory()
    _evaluated(creator, hits=5, misses=0, evaluated_at=timezone.now() - timedelta(days=60))
    for _ in range(5):
        system = RecommendationFactory(created_by=None)
        Recommendation.objects.filter(pk=system.pk).update(
            status="evaluated",
            evaluated_at=timezone.now() - timedelta(days=2),
            hit=True,
            accuracy=D(1),
            profit_pct=D(5),
        )
    leaderboard_recompute()
    by_period = {
        period: [(row.creator_id, row.is_system) for row in LeaderboardStanding.objects.filter(period=period)]
        for period in ("30d", "90d", "all")
    }
    assert by_period["30d"] == [(None, True)]
    assert set(by_period["90d"]) == {(None, True), (creator.pk, False)}
    assert set(by_period["all"]) == {(None, True), (creator.pk, False)}


def test_evaluation_run_rebuilds_the_leaderboard():
    creator = creator_factory()
    for _ in range(5):
        _signal_with_history(created_by=creator, prices=["20.00"])
    result = evaluation_run(now=NOW)
    assert result["evaluated"] == 5
    assert LeaderboardStanding.objects.filter(period="all", creator=creator, hits=5).exists()


def test_close_early_updates_follower_outcome_and_author_record():
    card = priced_card("10.00")
    author = creator_factory()
    signal = services.signal_create(
        creator=author,
        card_id=card.pk,
        action="BUY",
        target_price="12.00",
        target_date=(timezone.now().date() + timedelta(days=5)).isoformat(),
        rationale="Closing this early to lock in the move.",
        visibility="public",
    )
    fan = creator_factory()
    services.signal_follow(signal_id=signal.pk, user=fan, acted_on=True)
    PriceSnapshotFactory(card=card, price=D("11.00"), captured_at=timezone.now())
    CardPrice.objects.filter(card=card).update(price=D("11.00"))
    closed = services.signal_close(signal_id=signal.pk, actor=author)
    assert (closed.closed_early, closed.price_at_end, closed.accuracy, closed.hit) == (
        True,
        D("11.00"),
        D("0.5000"),
        True,
    )
    assert SignalFollower.objects.get(user=fan).outcome_profit_pct == D("10.00")
    assert UserReputation.objects.get(user=author).author_hits == 1
    assert UserReputation.objects.get(user=fan).signals_profitable == 1
