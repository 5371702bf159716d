"""Accept, decline, cancel and expiry racing on one proposal: exactly one wins (real threads, PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.errors import DomainError
from trades import services
from trades.enums import ProposalStatus
from trades.models import ProposalEvent, Trade, TradeProposal
from trades.tests.factories import trading_pair


def _race(calls):
    barrier = threading.Barrier(len(calls))
    outcomes = {}

    def run(name, call):
        try:
            barrier.wait()
            call()
            outcomes[name] = "won"
        except DomainError as error:
            outcomes[name] = type(error).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_exactly_one_of_accept_decline_cancel_expire_wins(round_):
    proposer, recipient, mine, _theirs = trading_pair()
    proposal = services.proposal_create(proposer=proposer, recipient=recipient, offer={mine.pk: 1}, request={})
    TradeProposal.objects.filter(pk=proposal.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    outcomes = _race(
        {
            "accepted": lambda: services.proposal_accept(proposal_id=proposal.pk, actor=recipient),
            "declined": lambda: services.proposal_decline(proposal_id=proposal.pk, actor=recipient),
            "cancelled": lambda: services.proposal_cancel(proposal_id=proposal.pk, actor=proposer),
            "expired": lambda: services.proposal_expire(proposal_id=proposal.pk),
        }
    )

    winners = [name for name, outcome in outcomes.items() if outcome == "won"]
    assert len(winners) == 1, outcomes
    assert sorted(o for o in outcomes.values() if o != "won") == ["InvalidTransition"] * 3
    proposal.refresh_from_db()
    assert proposal.status == winners[0]
    assert ProposalEvent.objects.filter(proposal=proposal).exclude(to_status=ProposalStatus.PENDING).count() == 1
    assert Trade.objects.count() == (1 if winners[0] == "accepted" else 0)


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_complete_the_trade_once():
    proposer, recipient, mine, _theirs = trading_pair()
    proposal = services.proposal_create(proposer=proposer, recipient=recipient, offer={mine.pk: 1}, request={})
    trade = services.proposal_accept(proposal_id=proposal.pk, actor=recipient)

    outcomes = _race(
        {
            "a": lambda: services.trade_confirm(trade_id=trade.pk, actor=proposer),
            "b": lambda: services.trade_confirm(trade_id=trade.pk, actor=recipient),
        }
    )

    assert outcomes == {"a": "won", "b": "won"}
    trade.refresh_from_db()
    assert trade.status == "completed"
    assert trade.events.filter(kind="status", to_status="completed").count() == 1
    assert proposer.reputation.__class__.objects.get(user=proposer).completed_trades == 1
