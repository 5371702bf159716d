"""trade_complete (the public completion other apps call) and TRADE_GUARDS (their veto)."""

import pytest

from accounts.models import UserReputation
from core.errors import DomainError, InvalidTransition
from notifications.models import Notification
from trades import services
from trades.enums import ProposalStatus, TradeStatus
from trades.models import Message, Trade, TradeEvent, TradeProposal
from trades.tests.factories import trading_pair

pytestmark = pytest.mark.django_db

GUARD = "trades.tests.test_trade_complete.escrow_like_guard"
guard_calls: list[tuple[int, str]] = []


def escrow_like_guard(*, trade, action):
    """A guard as escrow will write one: a held payment refuses confirm and cancel."""
    guard_calls.append((trade.pk, action))
    if trade.cancel_reason != "let it pass":
        raise InvalidTransition("The payment for this trade is held in escrow.")


@pytest.fixture
def trade():
    proposer, recipient, mine, theirs = trading_pair(proposer_price="10.00", recipient_price="4.00")
    proposal = services.proposal_create(
        proposer=proposer, recipient=recipient, offer={mine.pk: 1}, request={theirs.pk: 1}
    )
    return services.proposal_accept(proposal_id=proposal.pk, actor=recipient)


def test_trade_complete_without_confirmations_does_everything_in_one_go(trade):
    completed = services.trade_complete(trade_id=trade.pk, cause="Escrow released the payment.")

    assert completed.status == TradeStatus.COMPLETED
    assert completed.completed_at is not None
    assert (completed.a_confirmed_at, completed.b_confirmed_at) == (None, None)
    assert TradeProposal.objects.get(pk=trade.proposal_id).status == ProposalStatus.COMPLETED
    event = TradeEvent.objects.filter(trade=trade, kind="status").get()
    assert (event.from_status, event.to_status, event.note, event.actor) == (
        "active",
        "completed",
        "Escrow released the payment.",
        None,
    )
    for user in (trade.party_a, trade.party_b):
        assert UserReputation.objects.get(user=user).completed_trades == 1
        assert Notification.objects.filter(recipient=user, kind="trade_completed").count() == 1
    assert Message.objects.filter(
        thread=trade.thread, body="Escrow released the payment. The trade is completed."
    ).exists()


def test_trade_complete_twice_is_a_no_op(trade):
    services.trade_complete(trade_id=trade.pk, actor=trade.party_a, cause="Staff resolved the dispute.")
    again = services.trade_complete(trade_id=trade.pk, actor=trade.party_a, cause="Staff resolved the dispute.")

    assert again.status == TradeStatus.COMPLETED
    assert TradeEvent.objects.filter(trade=trade, kind="status").count() == 1
    assert Notification.objects.filter(kind="trade_completed").count() == 2
    assert UserReputation.objects.get(user=trade.party_a).completed_trades == 1


def test_a_cancelled_trade_cannot_be_completed(trade):
    services.trade_request_cancel(trade_id=trade.pk, actor=trade.party_a)
    services.trade_request_cancel(trade_id=trade.pk, actor=trade.party_b)

    with pytest.raises(InvalidTransition):
        services.trade_complete(trade_id=trade.pk, cause="Escrow released the payment.")

    trade.refresh_from_db()
    assert trade.status == TradeStatus.CANCELLED
    assert TradeProposal.objects.get(pk=trade.proposal_id).status == ProposalStatus.ACCEPTED
    assert not Notification.objects.filter(kind="trade_completed").exists()


def test_trade_complete_needs_a_cause_and_writes_nothing_without_one(trade):
    with pytest.raises(DomainError):
        services.trade_complete(trade_id=trade.pk, cause="  ")

    assert Trade.objects.get(pk=trade.pk).status == TradeStatus.ACTIVE
    assert not TradeEvent.objects.filter(trade=trade, kind="status").exists()


def test_second_confirmation_completes_through_trade_complete(trade):
    services.trade_confirm(trade_id=trade.pk, actor=trade.party_a)
    services.trade_confirm(trade_id=trade.pk, actor=trade.party_b)

    event = TradeEvent.objects.filter(trade=trade, kind="status").get()
    assert (event.to_status, event.note, event.actor_id) == ("completed", "Both parties confirmed.", trade.party_b.pk)
    assert Message.objects.filter(thread=trade.thread, body="Both parties confirmed. The trade is completed.").exists()


def test_a_guard_refuses_confirm_and_nothing_is_written(trade, settings):
    settings.TRADE_GUARDS = [GUARD]
    guard_calls.clear()

    with pytest.raises(InvalidTransition, match="held in escrow"):
        services.trade_confirm(trade_id=trade.pk, actor=trade.party_a)

    trade.refresh_from_db()
    assert trade.a_confirmed_at is None
    assert not TradeEvent.objects.filter(trade=trade, kind="confirmed").exists()
    assert guard_calls == [(trade.pk, "confirm")]


def test_a_guard_refuses_cancel_and_nothing_is_written(trade, settings):
    settings.TRADE_GUARDS = [GUARD]
    guard_calls.clear()

    with pytest.raises(InvalidTransition):
        services.trade_request_cancel(trade_id=trade.pk, actor=trade.party_b, reason="never arrived")

    trade.refresh_from_db()
    assert (trade.b_requested_cancel_at, trade.cancel_reason) == (None, "")
    assert not TradeEvent.objects.filter(trade=trade, kind="cancel_requested").exists()
    assert guard_calls == [(trade.pk, "cancel")]


def test_a_guard_that_passes_lets_confirm_through(trade, settings):
    settings.TRADE_GUARDS = [GUARD]
    Trade.objects.filter(pk=trade.pk).update(cancel_reason="let it pass")
    guard_calls.clear()

    services.trade_confirm(trade_id=trade.pk, actor=trade.party_a)

    assert Trade.objects.get(pk=trade.pk).a_confirmed_at is not None
    assert guard_calls == [(trade.pk, "confirm")]


def test_a_guard_refusal_is_a_409_in_the_api(trade, settings, client):
    settings.TRADE_GUARDS = [GUARD]
    client.force_login(trade.party_a)

    response = client.post(f"/api/v1/trades/{trade.pk}/confirm/")

    assert response.status_code == 409
    assert response.json()["detail"] == "The payment for this trade is held in escrow."
    assert Trade.objects.get(pk=trade.pk).a_confirmed_at is None
