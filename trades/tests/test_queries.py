"""Page query counts do not grow with rows (5 rows vs 30)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from trades.enums import TradeStatus
from trades.models import Message, ProposalItem, TradeItem
from trades.tests.factories import (
    TradeFactory,
    TradeProposalFactory,
    thread_between,
)

pytestmark = pytest.mark.django_db


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


def _proposals(me, count):
    for i in range(count):
        other = UserFactory()
        proposal = TradeProposalFactory(proposer=me if i % 2 else other, recipient=other if i % 2 else me)
        ProposalItem.objects.create(proposal=proposal, side="proposer", card=CardFactory(), quantity=1)


def _trades(me, count):
    for _ in range(count):
        trade = TradeFactory(proposal__proposer=me, status=TradeStatus.ACTIVE)
        TradeItem.objects.create(trade=trade, giver=me, card=CardFactory(), quantity=1)


@pytest.mark.parametrize(
    "make,url,params",
    [
        (_proposals, "trades:index", {}),
        (_proposals, "trades:index", {"box": "incoming", "status": "open"}),
        (_trades, "trades:index", {"tab": "trades"}),
        (_proposals, "trades:thread_list", {}),
    ],
)
def test_list_pages_constant(client, make, url, params):
    me = UserFactory()
    client.force_login(me)
    make(me, 5)
    few = _queries(client, reverse(url), **params)
    make(me, 25)
    many = _queries(client, reverse(url), **params)
    assert few == many


@pytest.mark.parametrize("url", ["/api/v1/proposals/", "/api/v1/trades/"])
def test_api_lists_constant(client, url):
    me = UserFactory()
    client.force_login(me)
    make = _proposals if "proposals" in url else _trades
    make(me, 5)
    few = _queries(client, url)
    make(me, 25)
    assert _queries(client, url) == few


def test_thread_page_constant(client):
    me, other = UserFactory(), UserFactory()
    thread = thread_between(me, other)
    TradeProposalFactory(proposer=other, recipient=me, thread=thread)
    client.force_login(me)

    def add(count):
        for i in range(count):
            Message.objects.create(thread=thread, sender=other if i % 2 else me, body=f"m{i}")

    add(5)
    few = _queries(client, reverse("trades:thread_detail", args=[thread.pk]))
    add(25)
    assert _queries(client, reverse("trades:thread_detail", args=[thread.pk])) == few


def test_proposal_and_trade_pages_constant(client):
    me = UserFactory()
    client.force_login(me)
    trade = TradeFactory(proposal__proposer=me)
    proposal = trade.proposal

    def add(count):
        for _ in range(count):
            ProposalItem.objects.create(proposal=proposal, side="proposer", card=CardFactory(), quantity=1)
            TradeItem.objects.create(trade=trade, giver=me, card=CardFactory(), quantity=1)
            Message.objects.create(thread=trade.thread, sender=me, body="x")

    add(5)
    few = (
        _queries(client, reverse("trades:proposal_detail", args=[proposal.pk])),
        _queries(client, reverse("trades:trade_detail", args=[trade.pk])),
    )
    add(25)
    many = (
        _queries(client, reverse("trades:proposal_detail", args=[proposal.pk])),
        _queries(client, reverse("trades:trade_detail", args=[trade.pk])),
    )
    assert few == many


def test_proposal_form_constant(client):
    from trades.tests.factories import priced_have

    me, other = UserFactory(), UserFactory()
    client.force_login(me)

    def add(count):
        for _ in range(count):
            priced_have(owner=me)
            priced_have(owner=other)

    add(3)
    few = _queries(client, reverse("trades:proposal_create", args=[other.username]))
    add(20)
    assert _queries(client, reverse("trades:proposal_create", args=[other.username])) == few
