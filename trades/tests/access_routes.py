"""Trades' routes that name an object, for the resolver-wide access test (docs/api.md)."""

from accounts.tests.factories import UserFactory
from core.tests.access import PARTY, SIGNED_IN, AccessRoute, Target
from trades import services
from trades.tests.factories import trading_pair

# Valid for every action, so only the access check can refuse an outsider.
PAYLOAD = {
    "body": "let me in",
    "reason": "x",
    "overall": 5,
    "communication": 5,
    "packaging": 5,
    "accuracy": 5,
    "speed": 5,
    "cash_from_proposer": "1.00",
}


def _open_proposal():
    proposer, recipient, mine, theirs = trading_pair()
    return services.proposal_create(proposer=proposer, recipient=recipient, offer={mine.pk: 1}, request={theirs.pk: 1})


def _proposal():
    proposal = _open_proposal()
    return Target(kwargs={"pk": proposal.pk}, owners=[proposal.proposer, proposal.recipient])


def _trade():
    proposal = _open_proposal()
    trade = services.proposal_accept(proposal_id=proposal.pk, actor=proposal.recipient)
    return Target(kwargs={"pk": trade.pk}, owners=[proposal.proposer, proposal.recipient])


def _thread():
    proposal = _open_proposal()
    return Target(kwargs={"pk": proposal.thread_id}, owners=[proposal.proposer, proposal.recipient])


def _trader():
    return Target(kwargs={"username": UserFactory().username})


ROUTES = [
    AccessRoute("trades:proposal_create", _trader, SIGNED_IN),
    *(
        AccessRoute(name, _proposal, PARTY, payload=PAYLOAD)
        for name in (
            "trades:proposal_detail",
            "trades:proposal_accept",
            "trades:proposal_decline",
            "trades:proposal_cancel",
            "trades:proposal_counter",
            "proposal-detail",
            "proposal-accept",
            "proposal-decline",
            "proposal-cancel",
            "proposal-counter",
        )
    ),
    *(
        AccessRoute(name, _trade, PARTY, payload=PAYLOAD)
        for name in (
            "trades:trade_detail",
            "trades:trade_confirm",
            "trades:trade_cancel",
            "trades:trade_cancel_withdraw",
            "trades:trade_review",
            "trade-detail",
            "trade-confirm",
            "trade-cancel",
            "trade-review",
        )
    ),
    *(
        AccessRoute(name, _thread, PARTY, payload=PAYLOAD)
        for name in ("trades:thread_detail", "trades:thread_message_post", "trades:thread_older", "thread-messages")
    ),
]
