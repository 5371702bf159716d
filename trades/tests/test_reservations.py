"""Accepting a proposal promises its copies; an accept that would promise more is refused (409);
cancelling releases; completing moves the cards off the lists, with an event per move."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from core.errors import DomainError, InvalidTransition
from lists.models import HaveItem, WantItem
from lists.services.reservations import NotAvailable
from lists.tests.factories import BELLEVUE, SEATTLE, WantItemFactory, trader
from trades import services
from trades.enums import ProposalStatus, TradeStatus
from trades.models import Trade, TradeEvent, TradeProposal
from trades.selectors.matches import matches_for
from trades.tests.factories import HaveItemFactory, priced_have

pytestmark = pytest.mark.django_db


def state(have):
    have.refresh_from_db()
    return (have.quantity, have.reserved, have.available)


@pytest.fixture
def seller():
    return UserFactory(username="seller")


@pytest.fixture
def last_copy(seller):
    return priced_have(owner=seller, price="20.00", quantity=1)


def offer_to(seller, have, quantity=1):
    buyer = UserFactory()
    return services.proposal_create(proposer=seller, recipient=buyer, offer={have.pk: quantity}, request={})


def test_accept_reserves_both_sides(seller, last_copy):
    buyer = UserFactory()
    theirs = priced_have(owner=buyer, price="5.00", quantity=3)
    proposal = services.proposal_create(
        proposer=seller, recipient=buyer, offer={last_copy.pk: 1}, request={theirs.pk: 2}
    )

    services.proposal_accept(proposal_id=proposal.pk, actor=buyer)

    assert state(last_copy) == (1, 1, 0)
    assert state(theirs) == (3, 2, 1)


def test_one_copy_promised_to_two_traders_only_one_accept_wins(seller, last_copy):
    first, second = offer_to(seller, last_copy), offer_to(seller, last_copy)
    services.proposal_accept(proposal_id=first.pk, actor=first.recipient)

    with pytest.raises(NotAvailable, match=r"only 0 left \(1 promised in other agreed trades\)") as refused:
        services.proposal_accept(proposal_id=second.pk, actor=second.recipient)

    assert refused.value.status_code == 409
    assert Trade.objects.count() == 1
    assert TradeProposal.objects.get(pk=second.pk).status == ProposalStatus.PENDING
    assert state(last_copy) == (1, 1, 0)


def test_new_proposals_cannot_ask_for_promised_copies(seller, last_copy):
    services.proposal_accept(proposal_id=offer_to(seller, last_copy).pk, actor=TradeProposal.objects.get().recipient)

    with pytest.raises(DomainError, match=r"Only 0 × .* available on your have list"):
        offer_to(seller, last_copy)


def test_accept_over_the_api_is_409_with_the_reason(seller, last_copy):
    first, second = offer_to(seller, last_copy), offer_to(seller, last_copy)
    services.proposal_accept(proposal_id=first.pk, actor=first.recipient)
    api = APIClient()
    api.force_authenticate(second.recipient)

    response = api.post(f"/api/v1/proposals/{second.pk}/accept/")

    assert response.status_code == 409
    assert response.json()["code"] == "not_available"
    assert "is no longer on seller's have list: only 0 left" in response.json()["detail"]
    assert Trade.objects.count() == 1


def test_accept_on_the_page_says_why_it_was_refused(client, seller, last_copy):
    first, second = offer_to(seller, last_copy), offer_to(seller, last_copy)
    services.proposal_accept(proposal_id=first.pk, actor=first.recipient)
    client.force_login(second.recipient)

    page = client.post(reverse("trades:proposal_accept", args=[second.pk]), follow=True)

    assert page.redirect_chain[-1][0] == reverse("trades:proposal_detail", args=[second.pk])
    assert "is no longer on seller&#x27;s have list: only 0 left" in page.content.decode()
    assert TradeProposal.objects.get(pk=second.pk).status == ProposalStatus.VIEWED


def test_mutual_cancel_releases_and_records_it(seller, last_copy):
    proposal = offer_to(seller, last_copy)
    trade = services.proposal_accept(proposal_id=proposal.pk, actor=proposal.recipient)

    services.trade_request_cancel(trade_id=trade.pk, actor=seller)
    assert state(last_copy) == (1, 1, 0)  # one side asking is not a cancellation
    services.trade_request_cancel(trade_id=trade.pk, actor=proposal.recipient)

    assert state(last_copy) == (1, 0, 1)
    assert TradeEvent.objects.filter(trade=trade, kind="reservation_released").count() == 1


def test_trade_cancel_for_other_apps_releases_once(seller, last_copy):
    """What escrow calls when an unpaid payment expires."""
    proposal = offer_to(seller, last_copy)
    trade = services.proposal_accept(proposal_id=proposal.pk, actor=proposal.recipient)

    services.trade_cancel(trade_id=trade.pk, cause="The escrow payment expired unpaid.")
    services.trade_cancel(trade_id=trade.pk, cause="The escrow payment expired unpaid.")

    trade.refresh_from_db()
    assert trade.status == TradeStatus.CANCELLED and trade.cancelled_at is not None
    assert state(last_copy) == (1, 0, 1)
    assert TradeEvent.objects.filter(trade=trade, kind="reservation_released").count() == 1
    assert TradeEvent.objects.get(trade=trade, kind="status").note == "The escrow payment expired unpaid."


def test_trade_cancel_needs_a_cause_and_cannot_cancel_a_completed_trade(seller, last_copy):
    proposal = offer_to(seller, last_copy)
    trade = services.proposal_accept(proposal_id=proposal.pk, actor=proposal.recipient)
    with pytest.raises(DomainError, match="Say why"):
        services.trade_cancel(trade_id=trade.pk, cause=" ")
    services.trade_complete(trade_id=trade.pk, cause="Escrow released the payment.")

    with pytest.raises(InvalidTransition):
        services.trade_cancel(trade_id=trade.pk, cause="Too late.")
    assert Trade.objects.get(pk=trade.pk).status == TradeStatus.COMPLETED


def test_proposal_expiry_has_nothing_to_release(seller):
    """Only accepted proposals reserve: a pending one that expires leaves the list as it was."""
    have = priced_have(owner=seller, quantity=2)
    proposal = offer_to(seller, have, quantity=2)
    TradeProposal.objects.filter(pk=proposal.pk).update(expires_at="2000-01-01T00:00:00Z")

    services.proposal_expire(proposal_id=proposal.pk)

    assert state(have) == (2, 0, 2)


# --- Lists follow completed trades -------------------------------------------------------------


@pytest.fixture
def swap():
    """a gives 2 of 3 Bolts (NM) for b's 1 of 1 Counterspell (LP); each wants what they receive."""
    a = trader(location=SEATTLE, username="alice")
    b = trader(location=BELLEVUE, username="bob")
    bolts = priced_have(owner=a, price="10.00", quantity=3)
    counterspell = priced_have(owner=b, price="20.00", quantity=1, condition="LP")
    b_wants_bolts = WantItemFactory(owner=b, card=bolts.card, condition="LP", quantity=2)
    b_wants_more = WantItemFactory(owner=b, card=bolts.card, condition="MP", quantity=4)
    a_wants_counterspell = WantItemFactory(owner=a, card=counterspell.card, condition="MP", quantity=1)
    a_wants_nm_only = WantItemFactory(owner=a, card=counterspell.card, condition="NM", quantity=1)
    proposal = services.proposal_create(proposer=a, recipient=b, offer={bolts.pk: 2}, request={counterspell.pk: 1})
    trade = services.proposal_accept(proposal_id=proposal.pk, actor=b)
    return {
        "a": a,
        "b": b,
        "trade": trade,
        "bolts": bolts,
        "counterspell": counterspell,
        "b_wants_bolts": b_wants_bolts,
        "b_wants_more": b_wants_more,
        "a_wants_counterspell": a_wants_counterspell,
        "a_wants_nm_only": a_wants_nm_only,
    }


def test_the_match_exists_before_the_trade(swap):
    assert matches_for(user=swap["a"]) == []  # b's copy is promised: nothing left to match
    services.trade_request_cancel(trade_id=swap["trade"].pk, actor=swap["a"])
    services.trade_request_cancel(trade_id=swap["trade"].pk, actor=swap["b"])
    assert [m.trader.username for m in matches_for(user=swap["a"])] == ["bob"]


@pytest.mark.parametrize("how", ["both confirm", "escrow"])
def test_completion_moves_given_and_received_cards_and_records_each_move(swap, how):
    trade = swap["trade"]
    if how == "both confirm":
        services.trade_confirm(trade_id=trade.pk, actor=swap["a"])
        services.trade_confirm(trade_id=trade.pk, actor=swap["b"])
    else:
        services.trade_complete(trade_id=trade.pk, cause="Escrow released the payment.")

    assert state(swap["bolts"]) == (1, 0, 1)
    assert not HaveItem.objects.filter(pk=swap["counterspell"].pk).exists()
    assert not WantItem.objects.filter(pk=swap["b_wants_bolts"].pk).exists()  # 2 received, strictest want first
    assert WantItem.objects.get(pk=swap["b_wants_more"].pk).quantity == 4
    assert not WantItem.objects.filter(pk=swap["a_wants_counterspell"].pk).exists()  # LP fills "MP or better"
    assert WantItem.objects.get(pk=swap["a_wants_nm_only"].pk).quantity == 1  # LP does not fill "NM only"
    notes = list(
        TradeEvent.objects.filter(trade=trade, kind__in=["have_given", "want_filled"]).values_list("kind", "note")
    )
    bolt, counter = swap["bolts"].card.name, swap["counterspell"].card.name
    assert notes == [
        ("have_given", f"alice's have list: 2 × {bolt} (item {swap['bolts'].pk}) 3 → 1"),
        ("have_given", f"bob's have list: 1 × {counter} (item {swap['counterspell'].pk}) 1 → 0, removed"),
        ("want_filled", f"alice's want list: 1 × {counter} (item {swap['a_wants_counterspell'].pk}) 1 → 0, removed"),
        ("want_filled", f"bob's want list: 2 × {bolt} (item {swap['b_wants_bolts'].pk}) 2 → 0, removed"),
    ]
    # Matching never offers the completed exchange again.
    assert matches_for(user=swap["a"]) == []
    assert matches_for(user=swap["b"]) == []


def test_completing_twice_moves_the_cards_once(swap):
    services.trade_complete(trade_id=swap["trade"].pk, cause="Escrow released the payment.")
    services.trade_complete(trade_id=swap["trade"].pk, cause="Escrow released the payment.")

    assert state(swap["bolts"]) == (1, 0, 1)
    assert TradeEvent.objects.filter(trade=swap["trade"], kind="have_given").count() == 2


def test_a_trade_agreed_before_reservations_completes_with_what_is_there(seller):
    """Rows may hold less than the trade moves (agreed before reservations): take what is left."""
    have = priced_have(owner=seller, quantity=2)
    proposal = offer_to(seller, have, quantity=2)
    trade = services.proposal_accept(proposal_id=proposal.pk, actor=proposal.recipient)
    HaveItem.objects.filter(pk=have.pk).update(quantity=1, reserved=0)

    services.trade_complete(trade_id=trade.pk, cause="Both parties confirmed.")

    assert not HaveItem.objects.filter(pk=have.pk).exists()


def test_index_shows_gives_and_gets_from_the_viewers_side(client, seller):
    mine = priced_have(owner=seller, price="10.00", quantity=1)
    buyer = UserFactory()
    theirs = priced_have(owner=buyer, price="4.00", quantity=1)
    proposal = services.proposal_create(proposer=seller, recipient=buyer, offer={mine.pk: 1}, request={theirs.pk: 1})

    def cell(user):
        client.force_login(user)
        body = client.get(reverse("trades:index")).content.decode()
        start = body.index(f'data-testid="gives-gets-{proposal.pk}">') + len(f'data-testid="gives-gets-{proposal.pk}">')
        return body[start : body.index("</td>", start)]

    assert cell(seller) == "$10.00 / $4.00"
    assert cell(buyer) == "$4.00 / $10.00"


def test_matches_do_not_offer_promised_copies():
    me = trader(location=SEATTLE)
    them = trader(location=BELLEVUE)
    wanted = priced_have(owner=them, price="10.00", quantity=2)
    WantItemFactory(owner=me, card=wanted.card, quantity=2)
    mine = priced_have(owner=me, price="10.00", quantity=1)
    WantItemFactory(owner=them, card=mine.card)
    HaveItem.objects.filter(pk=wanted.pk).update(reserved=1)

    [match] = matches_for(user=me)

    assert [(line.have.pk, line.quantity) for line in match.they_give] == [(wanted.pk, 1)]
    assert match.request == [{"have_item": wanted.pk, "quantity": 1}]
    assert match.get_value == Decimal("10.00")


def test_a_have_with_every_copy_promised_is_not_offered_on_the_form(client, seller, last_copy):
    services.proposal_accept(proposal_id=offer_to(seller, last_copy).pk, actor=TradeProposal.objects.get().recipient)
    client.force_login(UserFactory())

    body = client.get(reverse("trades:proposal_create", args=["seller"])).content.decode()

    assert f"request_{last_copy.pk}" not in body


def test_matching_leaves_out_wants_an_agreed_trade_already_fills():
    """Between accept and completion the card is on its way: nobody else is matched for it."""
    me = trader(location=SEATTLE, username="receiver")
    seller = trader(location=BELLEVUE, username="first_seller")
    other = trader(location=BELLEVUE, username="other_seller")
    wanted = priced_have(owner=seller, price="10.00", quantity=1)
    WantItemFactory(owner=me, card=wanted.card, condition="LP", quantity=1)
    also_has_it = HaveItemFactory(owner=other, card=wanted.card, quantity=1)
    mine = priced_have(owner=me, price="10.00", quantity=3)
    WantItemFactory(owner=other, card=mine.card)
    assert [m.trader.username for m in matches_for(user=me)] == ["other_seller"]

    proposal = services.proposal_create(proposer=seller, recipient=me, offer={wanted.pk: 1}, request={})
    trade = services.proposal_accept(proposal_id=proposal.pk, actor=me)

    assert matches_for(user=me) == []  # my one wanted copy is coming from first_seller
    assert matches_for(user=other) == []  # and other_seller is not offered a want that is filled
    services.trade_request_cancel(trade_id=trade.pk, actor=me)
    services.trade_request_cancel(trade_id=trade.pk, actor=seller)
    [match] = matches_for(user=me)
    assert match.request == [{"have_item": also_has_it.pk, "quantity": 1}]
