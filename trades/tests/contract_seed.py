"""Proposals, a trade and their threads between the contract user and another trader."""

from lists.models import HaveItem
from trades import services


def _have_ids(owner) -> list[int]:
    return list(HaveItem.objects.filter(owner=owner).values_list("pk", flat=True))


def seed(*, user, other):
    mine = HaveItem.objects.filter(owner=user).first()
    theirs = HaveItem.objects.filter(owner=other).first()
    if mine is None or theirs is None:  # the lists seed gives each of them have items
        return {}
    outgoing = services.proposal_create(proposer=user, recipient=other, offer={mine.pk: 1}, request={theirs.pk: 1})
    incoming = services.proposal_create(proposer=other, recipient=user, offer={theirs.pk: 1}, request={})
    accepted = services.proposal_create(proposer=other, recipient=user, offer={theirs.pk: 1}, request={mine.pk: 1})
    trade = services.proposal_accept(proposal_id=accepted.pk, actor=user)
    return {
        "proposals": [outgoing.pk, incoming.pk, accepted.pk],
        "trades": [trade.pk],
        "threads": [outgoing.thread_id, incoming.thread_id, accepted.thread_id],
        "body": {
            ("/api/v1/proposals/", "recipient"): [other.username],
            ("/api/v1/proposals/", "offer[*].have_item"): _have_ids(user),
            ("/api/v1/proposals/", "request[*].have_item"): _have_ids(other),
        },
    }
