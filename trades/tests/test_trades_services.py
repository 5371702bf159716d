from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import UserReputation
from accounts.tests.factories import UserFactory
from core.errors import DomainError, InvalidTransition, NotAllowed
from notifications.models import Notification
from trades import services
from trades.enums import ProposalStatus, TradeStatus
from trades.models import Trade, TradeEvent, TradeProposal, TradeReview
from trades.services import trades as trade_services
from trades.tests.factories import trading_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def trade():
    proposer, recipient, mine, theirs = trading_pair(proposer_price="10.00", recipient_price="4.00")
    proposal = services.proposal_create(
        proposer=proposer, recipient=recipient, offer={mine.pk: 1}, request={theirs.pk: 2}, cash_from_recipient="1.00"
    )
    return services.proposal_accept(proposal_id=proposal.pk, actor=recipient)


def _reputation(user):
    return UserReputation.objects.get(user=user)


def _complete(trade):
    services.trade_confirm(trade_id=trade.pk, actor=trade.party_a)
    return services.trade_confirm(trade_id=trade.pk, actor=trade.party_b)


def test_one_confirmation_keeps_the_trade_active(trade):
    result = services.trade_confirm(trade_id=trade.pk, actor=trade.party_b)
    assert result.status == TradeStatus.ACTIVE
    assert result.b_confirmed_at is not None
    assert result.a_confirmed_at is None
    assert _reputation(trade.party_a).completed_trades == 0


def test_both_confirmations_complete_trade_proposal_and_reputation(trade):
    completed = _complete(trade)

    assert completed.status == TradeStatus.COMPLETED
    assert completed.completed_at is not None
    assert TradeProposal.objects.get(pk=trade.proposal_id).status == ProposalStatus.COMPLETED
    assert list(TradeEvent.objects.filter(trade=trade).values_list("kind", "from_status", "to_status")) == [
        ("agreed", "", "active"),
        ("confirmed", "", ""),
        ("confirmed", "", ""),
        ("status", "active", "completed"),
        ("have_given", "", ""),
        ("have_given", "", ""),
    ]
    for user in (trade.party_a, trade.party_b):
        reputation = _reputation(user)
        assert reputation.completed_trades == 1
        assert reputation.total_trade_value == Decimal("19.00")  # 10 + 2 x 4 + 1 cash
        assert reputation.reputation_score == Decimal("20.00")  # 10 for the trade + 10 verified email
        assert reputation.last_activity_at == completed.completed_at
    assert Notification.objects.filter(kind="trade_completed").count() == 2


def test_confirm_twice_is_a_replay(trade):
    services.trade_confirm(trade_id=trade.pk, actor=trade.party_a)
    services.trade_confirm(trade_id=trade.pk, actor=trade.party_a)
    assert TradeEvent.objects.filter(trade=trade, kind="confirmed").count() == 1


def test_stranger_cannot_confirm(trade):
    with pytest.raises(NotAllowed):
        services.trade_confirm(trade_id=trade.pk, actor=UserFactory())
    trade.refresh_from_db()
    assert trade.a_confirmed_at is None and trade.b_confirmed_at is None


def test_mutual_cancel(trade):
    first = services.trade_request_cancel(trade_id=trade.pk, actor=trade.party_a, reason="Never arrived")
    assert first.status == TradeStatus.ACTIVE
    assert first.cancel_reason == "Never arrived"

    cancelled = services.trade_request_cancel(trade_id=trade.pk, actor=trade.party_b)

    assert cancelled.status == TradeStatus.CANCELLED
    assert cancelled.cancelled_at is not None
    for user in (trade.party_a, trade.party_b):
        reputation = _reputation(user)
        assert (reputation.completed_trades, reputation.cancelled_trades) == (0, 1)
        assert reputation.reputation_score == Decimal("0.00")  # 10 verified - 20 penalty, floored


def test_withdrawn_cancel_request_needs_asking_again(trade):
    services.trade_request_cancel(trade_id=trade.pk, actor=trade.party_a)
    services.trade_withdraw_cancel(trade_id=trade.pk, actor=trade.party_a)
    result = services.trade_request_cancel(trade_id=trade.pk, actor=trade.party_b)
    assert result.status == TradeStatus.ACTIVE


def test_confirm_after_cancel_is_refused(trade):
    services.trade_request_cancel(trade_id=trade.pk, actor=trade.party_a)
    services.trade_request_cancel(trade_id=trade.pk, actor=trade.party_b)
    with pytest.raises(InvalidTransition):
        services.trade_confirm(trade_id=trade.pk, actor=trade.party_a)
    trade.refresh_from_db()
    assert trade.status == TradeStatus.CANCELLED
    assert trade.a_confirmed_at is None


def test_cancel_after_completion_is_refused(trade):
    _complete(trade)
    with pytest.raises(InvalidTransition):
        services.trade_request_cancel(trade_id=trade.pk, actor=trade.party_a)
    trade.refresh_from_db()
    assert trade.status == TradeStatus.COMPLETED
    assert trade.a_requested_cancel_at is None


@pytest.mark.parametrize("start,target", [("active", "completed"), ("active", "cancelled")])
def test_allowed_trade_transitions(trade, start, target):
    from django.db import transaction

    with transaction.atomic():
        result, changed = trade_services._transition(trade_id=trade.pk, to_status=target)
    assert changed and result.status == target
    assert TradeEvent.objects.filter(trade=trade, kind="status", from_status=start, to_status=target).count() == 1


@pytest.mark.parametrize(
    "start,target",
    [("completed", "cancelled"), ("completed", "active"), ("cancelled", "completed"), ("cancelled", "active")],
)
def test_forbidden_trade_transitions(trade, start, target):
    from django.db import transaction

    Trade.objects.filter(pk=trade.pk).update(status=start)
    with pytest.raises(InvalidTransition), transaction.atomic():
        trade_services._transition(trade_id=trade.pk, to_status=target)
    trade.refresh_from_db()
    assert trade.status == start
    assert TradeEvent.objects.filter(trade=trade, kind="status").count() == 0


# --- reviews ----------------------------------------------------------------------------------

RATINGS = {"overall": 5, "communication": 4, "packaging": 5, "accuracy": 5, "speed": 3}


def test_review_after_completion_updates_reviewee_reputation(trade):
    _complete(trade)
    review = services.review_create(trade_id=trade.pk, reviewer=trade.party_a, comment="Great!", **RATINGS)

    assert (review.reviewer_id, review.reviewee_id) == (trade.party_a_id, trade.party_b_id)
    reputation = _reputation(trade.party_b)
    assert (reputation.review_count, reputation.review_average) == (1, Decimal("5.00"))
    assert reputation.reputation_score == Decimal("70.00")  # 10 trade + 10 email + (5 - 2.5) x 20 x 1
    assert _reputation(trade.party_a).review_count == 0
    assert Notification.objects.get(recipient=trade.party_b, kind="review_received").title.endswith("5/5")


def test_review_average_over_reviews(trade):
    _complete(trade)
    services.review_create(trade_id=trade.pk, reviewer=trade.party_a, **{**RATINGS, "overall": 4})
    services.review_create(trade_id=trade.pk, reviewer=trade.party_b, **{**RATINGS, "overall": 2})
    assert _reputation(trade.party_b).review_average == Decimal("4.00")
    assert _reputation(trade.party_a).review_average == Decimal("2.00")


def test_review_only_once(trade):
    _complete(trade)
    services.review_create(trade_id=trade.pk, reviewer=trade.party_a, **RATINGS)
    with pytest.raises(DomainError, match="already reviewed"):
        services.review_create(trade_id=trade.pk, reviewer=trade.party_a, **RATINGS)
    assert TradeReview.objects.count() == 1


def test_review_needs_a_completed_trade(trade):
    with pytest.raises(InvalidTransition):
        services.review_create(trade_id=trade.pk, reviewer=trade.party_a, **RATINGS)
    assert TradeReview.objects.count() == 0


def test_review_window_closes_after_30_days(trade):
    _complete(trade)
    Trade.objects.filter(pk=trade.pk).update(completed_at=timezone.now() - timedelta(days=30, minutes=1))
    with pytest.raises(DomainError, match="30 days"):
        services.review_create(trade_id=trade.pk, reviewer=trade.party_a, **RATINGS)
    assert TradeReview.objects.count() == 0


def test_review_inside_window_on_day_29(trade):
    _complete(trade)
    Trade.objects.filter(pk=trade.pk).update(completed_at=timezone.now() - timedelta(days=29))
    services.review_create(trade_id=trade.pk, reviewer=trade.party_a, **RATINGS)
    assert TradeReview.objects.count() == 1


@pytest.mark.parametrize("bad", [0, 6, "x"])
def test_review_ratings_are_1_to_5(trade, bad):
    _complete(trade)
    with pytest.raises(DomainError, match="1 to 5"):
        services.review_create(trade_id=trade.pk, reviewer=trade.party_a, **{**RATINGS, "speed": bad})
    assert TradeReview.objects.count() == 0


def test_stranger_cannot_review(trade):
    _complete(trade)
    with pytest.raises(NotAllowed):
        services.review_create(trade_id=trade.pk, reviewer=UserFactory(), **RATINGS)


def test_reputation_stats_are_absolute(trade):
    _complete(trade)
    services.reputation_sync(user_ids=[trade.party_a_id])
    services.reputation_sync(user_ids=[trade.party_a_id])
    assert _reputation(trade.party_a).completed_trades == 1
    stats = services.reputation_stats(user_id=trade.party_a_id)
    assert {k: stats[k] for k in ("completed_trades", "cancelled_trades", "review_count")} == {
        "completed_trades": 1,
        "cancelled_trades": 0,
        "review_count": 0,
    }
