"""Nobody reads or acts on another pair's proposal, trade or thread: 404 on every page and endpoint."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from trades import services
from trades.models import Message, ProposalEvent, TradeEvent, TradeReview
from trades.tests.factories import trading_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    proposer, recipient, mine, theirs = trading_pair()
    open_proposal = services.proposal_create(
        proposer=proposer, recipient=recipient, offer={mine.pk: 1}, request={theirs.pk: 1}
    )
    accepted = services.proposal_create(proposer=proposer, recipient=recipient, offer={mine.pk: 1}, request={})
    trade = services.proposal_accept(proposal_id=accepted.pk, actor=recipient)
    return {
        "proposal": open_proposal,
        "trade": trade,
        "thread": open_proposal.thread,
        "stranger": UserFactory(),
    }


PAGES = [
    ("get", "trades:proposal_detail", "proposal"),
    ("post", "trades:proposal_accept", "proposal"),
    ("post", "trades:proposal_decline", "proposal"),
    ("post", "trades:proposal_cancel", "proposal"),
    ("get", "trades:proposal_counter", "proposal"),
    ("post", "trades:proposal_counter", "proposal"),
    ("get", "trades:trade_detail", "trade"),
    ("post", "trades:trade_confirm", "trade"),
    ("post", "trades:trade_cancel", "trade"),
    ("post", "trades:trade_cancel_withdraw", "trade"),
    ("get", "trades:trade_review", "trade"),
    ("post", "trades:trade_review", "trade"),
    ("get", "trades:thread_detail", "thread"),
    ("post", "trades:thread_message_post", "thread"),
    ("get", "trades:thread_older", "thread"),
]

API = [
    ("get", "/api/v1/proposals/{}/", "proposal"),
    ("post", "/api/v1/proposals/{}/accept/", "proposal"),
    ("post", "/api/v1/proposals/{}/decline/", "proposal"),
    ("post", "/api/v1/proposals/{}/cancel/", "proposal"),
    ("post", "/api/v1/proposals/{}/counter/", "proposal"),
    ("get", "/api/v1/trades/{}/", "trade"),
    ("post", "/api/v1/trades/{}/confirm/", "trade"),
    ("post", "/api/v1/trades/{}/cancel/", "trade"),
    ("post", "/api/v1/trades/{}/review/", "trade"),
    ("get", "/api/v1/threads/{}/messages/", "thread"),
    ("post", "/api/v1/threads/{}/messages/", "thread"),
]

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


def _snapshot():
    return (
        ProposalEvent.objects.count(),
        TradeEvent.objects.count(),
        Message.objects.count(),
        TradeReview.objects.count(),
    )


@pytest.mark.parametrize("method,name,target", PAGES)
def test_pages_are_404_for_strangers(client, world, method, name, target):
    client.force_login(world["stranger"])
    before = _snapshot()
    response = getattr(client, method)(reverse(name, args=[world[target].pk]), PAYLOAD if method == "post" else None)
    assert response.status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize("method,url,target", API)
def test_api_is_404_for_strangers(client, world, method, url, target):
    client.force_login(world["stranger"])
    before = _snapshot()
    response = getattr(client, method)(url.format(world[target].pk), PAYLOAD, content_type="application/json")
    assert response.status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize("method,name,target", PAGES)
def test_pages_need_login(client, world, method, name, target):
    response = getattr(client, method)(reverse(name, args=[world[target].pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("method,url,target", API)
def test_api_needs_authentication(client, world, method, url, target):
    response = getattr(client, method)(url.format(world[target].pk), {}, content_type="application/json")
    assert response.status_code in (401, 403)


def test_lists_show_only_my_own(client, world):
    client.force_login(world["stranger"])
    assert client.get("/api/v1/proposals/").json()["results"] == []
    assert client.get("/api/v1/trades/").json()["results"] == []
    page = client.get(reverse("trades:index")).content.decode()
    assert f"Proposal #{world['proposal'].pk}<" not in page
    assert "No conversations yet" in client.get(reverse("trades:thread_list")).content.decode()


def test_proposal_form_for_unknown_user_is_404(client, world):
    client.force_login(world["stranger"])
    assert client.get(reverse("trades:proposal_create", args=["nobody-here"])).status_code == 404
