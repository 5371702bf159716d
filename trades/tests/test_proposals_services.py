from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.errors import DomainError, InvalidTransition, NotAllowed
from notifications.models import Notification
from trades import services
from trades.enums import ProposalSide, ProposalStatus, TradeStatus
from trades.models import Message, ProposalEvent, ProposalItem, Thread, ThreadParticipant, Trade, TradeProposal
from trades.tests.factories import priced_have, trading_pair

pytestmark = pytest.mark.django_db


def _propose(proposer, recipient, mine, theirs, **kwargs):
    defaults = {"offer": {mine.pk: 2}, "request": {theirs.pk: 1}, "message": "Hi!"}
    return services.proposal_create(proposer=proposer, recipient=recipient, **{**defaults, **kwargs})


# --- create ------------------------------------------------------------------------------------


def test_create_freezes_values_opens_thread_and_notifies(django_capture_on_commit_callbacks):
    proposer, recipient, mine, theirs = trading_pair(proposer_price="10.00", recipient_price="4.50")

    with django_capture_on_commit_callbacks(execute=True):
        proposal = _propose(proposer, recipient, mine, theirs, cash_from_recipient="3.25")

    assert proposal.status == ProposalStatus.PENDING
    assert proposal.proposer_value == Decimal("20.00")
    assert proposal.recipient_value == Decimal("4.50")
    assert proposal.cash_from_proposer == Decimal("0.00")
    assert proposal.cash_from_recipient == Decimal("3.25")
    assert proposal.expires_at - proposal.created_at == pytest.approx(timedelta(days=7), abs=timedelta(seconds=5))
    items = {(i.side, i.card_id, i.quantity, i.unit_value) for i in ProposalItem.objects.filter(proposal=proposal)}
    assert items == {
        (ProposalSide.PROPOSER, mine.card_id, 2, Decimal("10.00")),
        (ProposalSide.RECIPIENT, theirs.card_id, 1, Decimal("4.50")),
    }
    assert set(ThreadParticipant.objects.filter(thread=proposal.thread).values_list("user_id", flat=True)) == {
        proposer.pk,
        recipient.pk,
    }
    assert list(Message.objects.filter(thread=proposal.thread).values_list("is_system", "body")) == [
        (True, f"{proposer.username} sent a trade proposal."),
        (False, "Hi!"),
    ]
    assert list(ProposalEvent.objects.filter(proposal=proposal).values_list("from_status", "to_status")) == [
        ("", "pending")
    ]
    notification = Notification.objects.get(recipient=recipient)
    assert notification.kind == "proposal_received"
    assert notification.url == f"/trades/proposals/{proposal.pk}/"
    assert [m.to for m in mail.outbox] == [[recipient.email]]


def test_expiry_days_follow_the_setting(settings):
    settings.PROPOSAL_EXPIRY_DAYS = 2
    proposer, recipient, mine, theirs = trading_pair()
    proposal = _propose(proposer, recipient, mine, theirs)
    assert proposal.expires_at - proposal.created_at == pytest.approx(timedelta(days=2), abs=timedelta(seconds=5))


def test_cash_only_proposal_is_allowed():
    proposer, recipient, _, theirs = trading_pair()
    proposal = services.proposal_create(
        proposer=proposer, recipient=recipient, offer={}, request={theirs.pk: 1}, cash_from_proposer="4.00"
    )
    assert proposal.cash_from_proposer == Decimal("4.00")
    assert proposal.proposer_value == Decimal("0.00")


def _invalid_cases():
    return {
        "to_self": lambda p, r, m, t: {"recipient": p},
        "wrong_side_offer": lambda p, r, m, t: {"offer": {t.pk: 1}},
        "wrong_side_request": lambda p, r, m, t: {"request": {m.pk: 1}},
        "missing_item": lambda p, r, m, t: {"offer": {999999: 1}},
        "too_many": lambda p, r, m, t: {"offer": {m.pk: 4}},
        "zero_quantity": lambda p, r, m, t: {"offer": {m.pk: 0}},
        "nothing": lambda p, r, m, t: {"offer": {}, "request": {}},
        "negative_cash": lambda p, r, m, t: {"cash_from_proposer": "-1.00"},
        "cash_both_ways": lambda p, r, m, t: {"cash_from_proposer": "1.00", "cash_from_recipient": "2.00"},
        "bad_cash": lambda p, r, m, t: {"cash_from_proposer": "abc"},
    }


@pytest.mark.parametrize("case", sorted(_invalid_cases()))
def test_invalid_proposals_write_nothing(case):
    proposer, recipient, mine, theirs = trading_pair()
    overrides = _invalid_cases()[case](proposer, recipient, mine, theirs)
    args = {"proposer": proposer, "recipient": recipient, "offer": {mine.pk: 1}, "request": {theirs.pk: 1}}

    with pytest.raises(DomainError) as error:
        services.proposal_create(**{**args, **overrides})

    assert error.value.message
    assert TradeProposal.objects.count() == 0
    assert Thread.objects.count() == 0
    assert Message.objects.count() == 0
    assert Notification.objects.count() == 0


def test_cannot_propose_to_inactive_user():
    proposer, recipient, mine, theirs = trading_pair()
    recipient.is_active = False
    recipient.save(update_fields=["is_active"])
    with pytest.raises(DomainError, match="not active"):
        _propose(proposer, recipient, mine, theirs)
    assert TradeProposal.objects.count() == 0


def test_cannot_propose_to_yourself_message():
    proposer, _, mine, _ = trading_pair()
    with pytest.raises(DomainError, match="cannot propose a trade to yourself"):
        services.proposal_create(proposer=proposer, recipient=proposer, offer={mine.pk: 1}, request={})


# --- transitions: allowed moves ------------------------------------------------------------


@pytest.fixture
def proposal():
    proposer, recipient, mine, theirs = trading_pair()
    return _propose(proposer, recipient, mine, theirs, cash_from_proposer="2.00")


def _viewed(proposal):
    return services.proposal_mark_viewed(proposal_id=proposal.pk, actor=proposal.recipient)


def _events(proposal):
    return list(ProposalEvent.objects.filter(proposal=proposal).values_list("from_status", "to_status"))


def test_pending_to_viewed_when_recipient_opens(proposal):
    services.proposal_mark_viewed(proposal_id=proposal.pk, actor=proposal.proposer)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING

    _viewed(proposal)
    _viewed(proposal)

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.VIEWED
    assert proposal.viewed_at is not None
    assert _events(proposal) == [("", "pending"), ("pending", "viewed")]


@pytest.mark.parametrize("start", ["pending", "viewed"])
def test_accept_opens_the_trade(proposal, start):
    if start == "viewed":
        _viewed(proposal)

    trade = services.proposal_accept(proposal_id=proposal.pk, actor=proposal.recipient)

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert proposal.responded_at is not None
    assert _events(proposal)[-1] == (start, "accepted")
    assert trade.status == TradeStatus.ACTIVE
    assert (trade.party_a_id, trade.party_b_id) == (proposal.proposer_id, proposal.recipient_id)
    assert trade.cash_a_to_b == Decimal("2.00")
    assert trade.cash_b_to_a == Decimal("0.00")
    assert trade.value_a_gives == Decimal("20.00")
    assert trade.value_b_gives == Decimal("4.00")
    assert trade.total_value == Decimal("26.00")
    assert trade.thread_id == proposal.thread_id
    assert sorted((i.giver_id, i.quantity, i.unit_value) for i in trade.items.all()) == sorted(
        [(proposal.proposer_id, 2, Decimal("10.00")), (proposal.recipient_id, 1, Decimal("4.00"))]
    )
    assert Notification.objects.filter(recipient=proposal.proposer, kind="proposal_accepted").count() == 1


def test_accept_twice_is_a_replay(proposal):
    first = services.proposal_accept(proposal_id=proposal.pk, actor=proposal.recipient)
    second = services.proposal_accept(proposal_id=proposal.pk, actor=proposal.recipient)
    assert first.pk == second.pk
    assert Trade.objects.count() == 1
    assert [e for e in _events(proposal) if e[1] == "accepted"] == [("pending", "accepted")]


@pytest.mark.parametrize("start", ["pending", "viewed"])
def test_decline_with_reason(proposal, start):
    if start == "viewed":
        _viewed(proposal)
    services.proposal_decline(proposal_id=proposal.pk, actor=proposal.recipient, reason="Too low")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DECLINED
    assert proposal.decline_reason == "Too low"
    assert ProposalEvent.objects.filter(proposal=proposal).last().note == "Too low"
    assert _events(proposal)[-1] == (start, "declined")
    assert Notification.objects.get(recipient=proposal.proposer, kind="proposal_declined").body == "Too low"


@pytest.mark.parametrize("start", ["pending", "viewed"])
def test_cancel_by_proposer(proposal, start):
    if start == "viewed":
        _viewed(proposal)
    services.proposal_cancel(proposal_id=proposal.pk, actor=proposal.proposer)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CANCELLED
    assert _events(proposal)[-1] == (start, "cancelled")
    notification = Notification.objects.get(kind="proposal_cancelled")
    assert notification.recipient_id == proposal.recipient_id
    assert notification.url == f"/trades/proposals/{proposal.pk}/"


def test_cancel_twice_notifies_once(proposal):
    services.proposal_cancel(proposal_id=proposal.pk, actor=proposal.proposer)
    services.proposal_cancel(proposal_id=proposal.pk, actor=proposal.proposer)
    assert Notification.objects.filter(kind="proposal_cancelled").count() == 1


@pytest.mark.parametrize("start", ["pending", "viewed"])
def test_counter_swaps_sides_in_the_same_thread(proposal, start):
    if start == "viewed":
        _viewed(proposal)
    recipient_have = proposal.recipient.haveitem_set.get()
    proposer_have = proposal.proposer.haveitem_set.get()

    counter = services.proposal_counter(
        proposal_id=proposal.pk,
        actor=proposal.recipient,
        offer={recipient_have.pk: 2},
        request={proposer_have.pk: 1},
        cash_from_recipient="1.50",
        message="How about this?",
    )

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.COUNTERED
    assert _events(proposal)[-1] == (start, "countered")
    assert counter.countered_from_id == proposal.pk
    assert (counter.proposer_id, counter.recipient_id) == (proposal.recipient_id, proposal.proposer_id)
    assert counter.thread_id == proposal.thread_id
    assert counter.status == ProposalStatus.PENDING
    assert (counter.proposer_value, counter.recipient_value) == (Decimal("8.00"), Decimal("10.00"))
    assert counter.cash_from_recipient == Decimal("1.50")
    assert Thread.objects.count() == 1
    assert Notification.objects.filter(recipient=proposal.proposer, kind="proposal_countered").count() == 1


def test_invalid_counter_leaves_the_original_open(proposal):
    with pytest.raises(DomainError):
        services.proposal_counter(proposal_id=proposal.pk, actor=proposal.recipient, offer={}, request={})
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING
    assert TradeProposal.objects.count() == 1


@pytest.mark.parametrize("start", ["pending", "viewed"])
def test_expire_when_due(proposal, start):
    if start == "viewed":
        _viewed(proposal)
    TradeProposal.objects.filter(pk=proposal.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert services.proposals_expire_due() == 1
    assert services.proposals_expire_due() == 0

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EXPIRED
    assert _events(proposal)[-1] == (start, "expired")
    assert Notification.objects.filter(kind="proposal_expired").count() == 2


def test_expire_before_due_is_refused(proposal):
    with pytest.raises(InvalidTransition):
        services.proposal_expire(proposal_id=proposal.pk)
    assert services.proposals_expire_due() == 0
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING


def test_beat_task_expires_due_proposals(proposal):
    from trades.tasks import expire_due_proposals

    TradeProposal.objects.filter(pk=proposal.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert expire_due_proposals.delay().get() == 1
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EXPIRED


def test_accepted_to_completed_through_trade(proposal):
    trade = services.proposal_accept(proposal_id=proposal.pk, actor=proposal.recipient)
    services.trade_confirm(trade_id=trade.pk, actor=proposal.proposer)
    services.trade_confirm(trade_id=trade.pk, actor=proposal.recipient)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.COMPLETED
    assert _events(proposal)[-1] == ("accepted", "completed")


def test_draft_moves():
    proposer, recipient, mine, theirs = trading_pair()
    draft = _propose(proposer, recipient, mine, theirs)
    TradeProposal.objects.filter(pk=draft.pk).update(status=ProposalStatus.DRAFT)
    with pytest.raises(InvalidTransition):
        services.proposal_accept(proposal_id=draft.pk, actor=recipient)
    services.proposal_cancel(proposal_id=draft.pk, actor=proposer)
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.CANCELLED


# --- transitions: forbidden moves ----------------------------------------------------------

ACTIONS = {
    "accept": lambda p: services.proposal_accept(proposal_id=p.pk, actor=p.recipient),
    "decline": lambda p: services.proposal_decline(proposal_id=p.pk, actor=p.recipient),
    "cancel": lambda p: services.proposal_cancel(proposal_id=p.pk, actor=p.proposer),
    "counter": lambda p: services.proposal_counter(
        proposal_id=p.pk, actor=p.recipient, offer={}, request={}, cash_from_proposer="1.00"
    ),
    "expire": lambda p: services.proposal_expire(proposal_id=p.pk),
}
TARGET = {
    "accept": "accepted",
    "decline": "declined",
    "cancel": "cancelled",
    "counter": "countered",
    "expire": "expired",
}
CLOSED = ["accepted", "declined", "countered", "expired", "cancelled", "completed"]


FORBIDDEN = [(status, action) for status in CLOSED for action in sorted(ACTIONS) if TARGET[action] != status]


@pytest.mark.parametrize("status,action", FORBIDDEN)
def test_forbidden_moves_change_nothing(proposal, status, action):
    TradeProposal.objects.filter(pk=proposal.pk).update(status=status, expires_at=timezone.now() - timedelta(days=1))
    events_before = ProposalEvent.objects.count()
    with pytest.raises(InvalidTransition):
        ACTIONS[action](proposal)
    proposal.refresh_from_db()
    assert proposal.status == status
    assert ProposalEvent.objects.count() == events_before
    assert Trade.objects.count() == 0
    assert TradeProposal.objects.count() == 1


@pytest.mark.parametrize("status", ["declined", "cancelled", "expired"])
def test_same_move_twice_is_a_silent_replay(proposal, status):
    action = {v: k for k, v in TARGET.items()}[status]
    TradeProposal.objects.filter(pk=proposal.pk).update(expires_at=timezone.now() - timedelta(days=1))
    ACTIONS[action](proposal)
    events = ProposalEvent.objects.count()
    ACTIONS[action](proposal)
    assert ProposalEvent.objects.count() == events


@pytest.mark.parametrize(
    "action,who",
    [("accept", "proposer"), ("decline", "proposer"), ("counter", "proposer"), ("cancel", "recipient")],
)
def test_wrong_party_is_not_allowed(proposal, action, who):
    actor = getattr(proposal, who)
    calls = {
        "accept": lambda: services.proposal_accept(proposal_id=proposal.pk, actor=actor),
        "decline": lambda: services.proposal_decline(proposal_id=proposal.pk, actor=actor),
        "counter": lambda: services.proposal_counter(
            proposal_id=proposal.pk, actor=actor, offer={}, request={}, cash_from_proposer="1"
        ),
        "cancel": lambda: services.proposal_cancel(proposal_id=proposal.pk, actor=actor),
    }
    with pytest.raises(NotAllowed):
        calls[action]()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING


def test_stranger_cannot_act(proposal):
    stranger = UserFactory()
    with pytest.raises(NotAllowed):
        services.proposal_accept(proposal_id=proposal.pk, actor=stranger)
    with pytest.raises(NotAllowed):
        services.proposal_cancel(proposal_id=proposal.pk, actor=stranger)


def test_quantity_at_limit_is_fine():
    proposer = UserFactory()
    recipient = UserFactory()
    mine = priced_have(owner=proposer, price="1.00", quantity=2)
    proposal = services.proposal_create(proposer=proposer, recipient=recipient, offer={mine.pk: 2}, request={})
    assert proposal.proposer_value == Decimal("2.00")


def test_accept_refuses_when_a_card_left_the_have_list(proposal):
    proposal.proposer.haveitem_set.update(quantity=1)  # the proposal gives 2

    with pytest.raises(DomainError, match="no longer on"):
        services.proposal_accept(proposal_id=proposal.pk, actor=proposal.recipient)

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING
    assert Trade.objects.count() == 0
    assert _events(proposal) == [("", "pending")]


def test_counter_twice_is_a_replay(proposal):
    theirs = proposal.recipient.haveitem_set.get()
    args = {"proposal_id": proposal.pk, "actor": proposal.recipient, "offer": {theirs.pk: 1}, "request": {}}
    first = services.proposal_counter(**args)
    second = services.proposal_counter(**args)
    assert first.pk == second.pk
    assert TradeProposal.objects.filter(countered_from=proposal).count() == 1
