import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from trades import services
from trades.enums import ProposalStatus, TradeStatus
from trades.models import Message, TradeProposal, TradeReview
from trades.tests.factories import trading_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    return trading_pair(proposer_price="10.00", recipient_price="4.00")


@pytest.fixture
def proposal(pair):
    proposer, recipient, mine, theirs = pair
    return services.proposal_create(
        proposer=proposer, recipient=recipient, offer={mine.pk: 1}, request={theirs.pk: 1}, cash_from_proposer="2.00"
    )


@pytest.fixture
def trade(proposal):
    return services.proposal_accept(proposal_id=proposal.pk, actor=proposal.recipient)


# --- proposal form --------------------------------------------------------------------------


def test_form_prefills_from_matching_params(client, pair):
    proposer, recipient, mine, theirs = pair
    client.force_login(proposer)
    url = reverse("trades:proposal_create", args=[recipient.username])
    page = client.get(url, {"offer": [mine.pk], "request": [theirs.pk, "junk"]}).content.decode()
    assert f'name="offer_{mine.pk}" id="id_offer_{mine.pk}" value="1"' in page
    assert f'name="request_{theirs.pk}" id="id_request_{theirs.pk}" value="1"' in page
    assert "$10.00" in page and "$4.00" in page


def test_form_sends_a_proposal(client, pair):
    proposer, recipient, mine, theirs = pair
    client.force_login(proposer)
    response = client.post(
        reverse("trades:proposal_create", args=[recipient.username]),
        {
            f"offer_{mine.pk}": "2",
            f"request_{theirs.pk}": "1",
            "cash_direction": "ask",
            "cash_amount": "3.50",
            "message": "Fair?",
        },
    )
    proposal = TradeProposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("trades:proposal_detail", args=[proposal.pk])
    assert (proposal.proposer_value, proposal.recipient_value) == (Decimal("20.00"), Decimal("4.00"))
    assert (proposal.cash_from_proposer, proposal.cash_from_recipient) == (Decimal("0.00"), Decimal("3.50"))
    assert proposal.message == "Fair?"


@pytest.mark.parametrize(
    "data,error",
    [
        ({}, "Add at least one card or some cash."),
        ({"cash_direction": "add", "cash_amount": ""}, "Enter the amount of cash"),
        ({"offer": "9"}, "less than or equal to 3"),
    ],
)
def test_form_errors_rerender_with_422(client, pair, data, error):
    proposer, recipient, mine, _ = pair
    client.force_login(proposer)
    payload = {"cash_direction": data.get("cash_direction", "none"), "cash_amount": data.get("cash_amount", "")}
    if "offer" in data:
        payload[f"offer_{mine.pk}"] = data["offer"]
    response = client.post(reverse("trades:proposal_create", args=[recipient.username]), payload)
    assert response.status_code == 422
    assert error in response.content.decode()
    assert TradeProposal.objects.count() == 0


def test_form_to_yourself_redirects_with_message(client, pair):
    proposer, *_ = pair
    client.force_login(proposer)
    response = client.get(reverse("trades:proposal_create", args=[proposer.username]), follow=True)
    assert "You cannot propose a trade to yourself." in response.content.decode()


def test_form_to_inactive_user_refuses(client, pair):
    proposer, recipient, mine, _ = pair
    recipient.is_active = False
    recipient.save(update_fields=["is_active"])
    client.force_login(proposer)
    response = client.post(
        reverse("trades:proposal_create", args=[recipient.username]),
        {f"offer_{mine.pk}": "1", "cash_direction": "none"},
    )
    assert response.status_code == 422
    assert "not active" in response.content.decode()
    assert TradeProposal.objects.count() == 0


# --- proposal page and actions ---------------------------------------------------------------


def test_detail_shows_values_and_marks_viewed_for_recipient(client, proposal):
    client.force_login(proposal.proposer)
    client.get(reverse("trades:proposal_detail", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING

    client.force_login(proposal.recipient)
    page = client.get(reverse("trades:proposal_detail", args=[proposal.pk])).content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.VIEWED
    assert 'data-testid="balance">$8.00<' in page  # gives 10 + 2 cash, gets 4
    assert ">Accept<" in page and "Counter-offer" in page and ">Decline<" in page


def test_accept_decline_cancel_buttons(client, pair):
    proposer, recipient, mine, _theirs = pair
    make = lambda: services.proposal_create(proposer=proposer, recipient=recipient, offer={mine.pk: 1}, request={})  # noqa: E731
    accepted, declined, cancelled = make(), make(), make()

    client.force_login(recipient)
    response = client.post(reverse("trades:proposal_accept", args=[accepted.pk]))
    assert response["Location"] == reverse("trades:trade_detail", args=[accepted.trade.pk])
    client.post(reverse("trades:proposal_decline", args=[declined.pk]), {"reason": "No thanks"})
    client.force_login(proposer)
    client.post(reverse("trades:proposal_cancel", args=[cancelled.pk]))

    statuses = dict(TradeProposal.objects.values_list("pk", "status"))
    assert statuses == {accepted.pk: "accepted", declined.pk: "declined", cancelled.pk: "cancelled"}
    assert TradeProposal.objects.get(pk=declined.pk).decline_reason == "No thanks"


def test_wrong_party_action_shows_error_and_changes_nothing(client, proposal):
    client.force_login(proposal.proposer)
    response = client.post(reverse("trades:proposal_accept", args=[proposal.pk]), follow=True)
    assert "Only the trader who received this proposal can do that." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING


def test_counter_form_prefills_swapped_sides(client, proposal, pair):
    _proposer, recipient, mine, theirs = pair
    client.force_login(recipient)
    page = client.get(reverse("trades:proposal_counter", args=[proposal.pk])).content.decode()
    assert f'name="offer_{theirs.pk}" id="id_offer_{theirs.pk}" value="1"' in page
    assert f'name="request_{mine.pk}" id="id_request_{mine.pk}" value="1"' in page
    assert re.search(r'<input type="radio" name="cash_direction" value="ask"[^>]*checked', page)
    assert 'name="cash_amount" value="2.00"' in page

    response = client.post(
        reverse("trades:proposal_counter", args=[proposal.pk]),
        {f"offer_{theirs.pk}": "2", f"request_{mine.pk}": "1", "cash_direction": "none"},
    )
    counter = TradeProposal.objects.get(countered_from=proposal)
    assert response["Location"] == reverse("trades:proposal_detail", args=[counter.pk])
    assert counter.proposer_id == recipient.pk and counter.recipient_value == Decimal("10.00")


# --- trades ---------------------------------------------------------------------------------


def test_trade_page_confirm_and_review(client, trade):
    client.force_login(trade.party_a)
    page = client.get(reverse("trades:trade_detail", args=[trade.pk])).content.decode()
    assert "Escrow" in page and "Coming soon" in page and "disabled" in page
    client.post(reverse("trades:trade_confirm", args=[trade.pk]))
    client.force_login(trade.party_b)
    client.post(reverse("trades:trade_confirm", args=[trade.pk]))
    trade.refresh_from_db()
    assert trade.status == TradeStatus.COMPLETED

    ratings = {"overall": "5", "communication": "5", "packaging": "4", "accuracy": "5", "speed": "5"}
    bad = client.post(reverse("trades:trade_review", args=[trade.pk]), {**ratings, "overall": "9"})
    assert bad.status_code == 422
    assert client.post(reverse("trades:trade_review", args=[trade.pk]), ratings).status_code == 302
    again = client.post(reverse("trades:trade_review", args=[trade.pk]), ratings)
    assert again.status_code == 422 and "already reviewed" in again.content.decode()
    assert TradeReview.objects.get().reviewer_id == trade.party_b_id


def test_trade_without_cash_has_no_escrow_note(client, pair):
    proposer, recipient, mine, _ = pair
    proposal = services.proposal_create(proposer=proposer, recipient=recipient, offer={mine.pk: 1}, request={})
    trade = services.proposal_accept(proposal_id=proposal.pk, actor=recipient)
    client.force_login(proposer)
    assert "Escrow" not in client.get(reverse("trades:trade_detail", args=[trade.pk])).content.decode()


def test_mutual_cancel_through_pages(client, trade):
    client.force_login(trade.party_a)
    client.post(reverse("trades:trade_cancel", args=[trade.pk]), {"reason": "Lost in mail"})
    client.force_login(trade.party_b)
    page = client.get(reverse("trades:trade_detail", args=[trade.pk])).content.decode()
    assert "Lost in mail" in page and "Agree to cancel" in page
    client.post(reverse("trades:trade_cancel", args=[trade.pk]))
    trade.refresh_from_db()
    assert trade.status == TradeStatus.CANCELLED


# --- index, threads -------------------------------------------------------------------------


def test_index_tabs_and_filters(client, proposal, pair):
    proposer, recipient, mine, _ = pair
    other = services.proposal_create(proposer=proposer, recipient=recipient, offer={mine.pk: 1}, request={})
    services.proposal_decline(proposal_id=other.pk, actor=recipient)
    client.force_login(recipient)
    action = client.get(reverse("trades:index"), {"box": "action"}).content.decode()
    assert f"Proposal #{proposal.pk}<" in action and f"Proposal #{other.pk}<" not in action
    closed = client.get(reverse("trades:index"), {"status": "closed"}).content.decode()
    assert f"Proposal #{other.pk}<" in closed and f"Proposal #{proposal.pk}<" not in closed
    partial = client.get(reverse("trades:index"), {"box": "all"}, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('\n<div id="trade-rows">') or partial.lstrip().startswith('<div id="trade-rows">')
    trades = client.get(reverse("trades:index"), {"tab": "trades"}).content.decode()
    assert "No trades here yet" in trades


def test_thread_page_and_posting(client, proposal):
    thread = proposal.thread
    client.force_login(proposal.recipient)
    page = client.get(reverse("trades:thread_detail", args=[thread.pk])).content.decode()
    assert f'ws-connect="/ws/threads/{thread.pk}/"' in page
    assert "sent a trade proposal" in page

    htmx = client.post(
        reverse("trades:thread_message_post", args=[thread.pk]), {"body": "Hi there"}, HTTP_HX_REQUEST="true"
    )
    assert htmx.status_code == 200 and 'class="message-form"' in htmx.content.decode()
    plain = client.post(
        reverse("trades:thread_message_post", args=[thread.pk]),
        {"body": "Second", "next": reverse("trades:proposal_detail", args=[proposal.pk])},
    )
    assert plain["Location"] == reverse("trades:proposal_detail", args=[proposal.pk])
    empty = client.post(reverse("trades:thread_message_post", args=[thread.pk]), {"body": ""}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 422
    assert list(Message.objects.filter(thread=thread, is_system=False).values_list("body", flat=True)) == [
        "Hi there",
        "Second",
    ]
    threads = client.get(reverse("trades:thread_list")).content.decode()
    assert proposal.proposer.username in threads


def test_nav_shows_unread_badges(client, proposal):
    client.force_login(proposal.recipient)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'data-testid="unread-threads">1<' in page
    assert 'data-testid="unread-notifications">1<' in page
    assert 'ws-connect="/ws/notifications/"' in page


def test_dashboard_panel_lists_open_proposals(client, proposal):
    client.force_login(proposal.recipient)
    page = client.get("/").content.decode()
    assert f"Proposal from {proposal.proposer.username}" in page
    assert UserFactory  # a stranger has no panel


def test_public_profile_shows_reviews_received(client, trade):
    services.trade_confirm(trade_id=trade.pk, actor=trade.party_a)
    services.trade_confirm(trade_id=trade.pk, actor=trade.party_b)
    ratings = {"communication": 5, "packaging": 5, "accuracy": 5, "speed": 5}
    services.review_create(trade_id=trade.pk, reviewer=trade.party_b, overall=4, comment="Nice sleeves", **ratings)
    page = client.get(reverse("accounts:profile", args=[trade.party_a.username])).content.decode()
    assert "Recent reviews" in page and "4 out of 5" in page and "Nice sleeves" in page
    other = client.get(reverse("accounts:profile", args=[trade.party_b.username])).content.decode()
    assert "Recent reviews" not in other
    assert "Propose a trade" not in other  # anonymous visitor

    client.force_login(trade.party_b)
    page = client.get(reverse("accounts:profile", args=[trade.party_a.username])).content.decode()
    assert reverse("trades:proposal_create", args=[trade.party_a.username]) in page
    mine = client.get(reverse("accounts:profile", args=[trade.party_b.username])).content.decode()
    assert "Propose a trade" not in mine


# --- Matched quantities, confirmation dialogs ----------------------------------------------------


def test_form_prefills_the_matched_quantities_capped_at_what_is_available(client, pair):
    proposer, recipient, mine, theirs = pair  # 3 copies each
    client.force_login(proposer)
    url = reverse("trades:proposal_create", args=[recipient.username])

    page = client.get(url, {f"offer_{mine.pk}": "2", f"request_{theirs.pk}": "7"}).content.decode()

    assert f'name="offer_{mine.pk}" id="id_offer_{mine.pk}" value="2"' in page
    assert f'name="request_{theirs.pk}" id="id_request_{theirs.pk}" value="3"' in page


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_ATTRIBUTE = re.compile(r"<[^>]+\s(on[a-z]+|hx-on[:-][a-z:-]*)=", re.IGNORECASE)


def test_accept_decline_withdraw_ask_in_a_dialog_from_a_static_script(client, proposal):
    client.force_login(proposal.recipient)
    answer = client.get(reverse("trades:proposal_detail", args=[proposal.pk])).content.decode()
    client.force_login(proposal.proposer)
    sent = client.get(reverse("trades:proposal_detail", args=[proposal.pk])).content.decode()

    assert 'data-confirm="Accept this proposal?' in answer and 'data-confirm-action="Accept"' in answer
    assert 'data-confirm="Decline this proposal?' in answer
    assert 'data-confirm="Withdraw this proposal?' in sent
    for body in (answer, sent):
        assert '<script src="/static/js/confirm.js" defer></script>' in body
        assert not INLINE_SCRIPT.search(body) and not EVENT_ATTRIBUTE.search(body)
        assert "window.confirm" not in body and "hx-confirm" not in body


def test_trade_cancel_asks_in_a_dialog(client, trade):
    client.force_login(trade.party_a)
    body = client.get(reverse("trades:trade_detail", args=[trade.pk])).content.decode()

    assert f'data-confirm="Ask {trade.party_b.username} to cancel this trade?' in body
    assert not INLINE_SCRIPT.search(body) and not EVENT_ATTRIBUTE.search(body)


def test_the_dialog_script_is_served_and_uses_no_window_confirm(client):
    from django.contrib.staticfiles import finders

    source = Path(finders.find("js/confirm.js")).read_text(encoding="utf-8")

    assert "showModal()" in source and "htmx:confirm" in source
    assert not re.search(r"\bconfirm\s*\(", source)  # never the browser's blocking confirm box
