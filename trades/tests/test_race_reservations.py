"""Reservations under real concurrency (threads on PostgreSQL): one copy is never promised twice,
and an accept racing a list change never lets both through."""

import pytest

from accounts.tests.factories import UserFactory
from lists.models import HaveItem
from lists.services.items import list_item_remove, list_item_update, list_items_upsert
from trades import services
from trades.models import Trade
from trades.tests.factories import priced_have
from trades.tests.test_race import _race

pytestmark = pytest.mark.django_db(transaction=True)


def _offers(seller, have, count, quantity=1):
    proposals = []
    for _ in range(count):
        buyer = UserFactory()
        proposals.append(
            services.proposal_create(proposer=seller, recipient=buyer, offer={have.pk: quantity}, request={})
        )
    return proposals


@pytest.mark.parametrize("round_", range(3))
def test_two_accepts_racing_for_the_last_copy_make_exactly_one_trade(round_):
    seller = UserFactory()
    last_copy = priced_have(owner=seller, quantity=1)
    first, second = _offers(seller, last_copy, 2)

    outcomes = _race(
        {
            "first": lambda: services.proposal_accept(proposal_id=first.pk, actor=first.recipient),
            "second": lambda: services.proposal_accept(proposal_id=second.pk, actor=second.recipient),
        }
    )

    assert sorted(outcomes.values()) == ["NotAvailable", "won"], outcomes
    assert Trade.objects.count() == 1
    last_copy.refresh_from_db()
    assert (last_copy.quantity, last_copy.reserved) == (1, 1)


def test_five_accepts_for_three_copies_make_three_trades():
    seller = UserFactory()
    have = priced_have(owner=seller, quantity=3)
    proposals = _offers(seller, have, 5)

    outcomes = _race(
        {p.pk: (lambda p=p: services.proposal_accept(proposal_id=p.pk, actor=p.recipient)) for p in proposals}
    )

    assert sorted(outcomes.values()) == ["NotAvailable"] * 2 + ["won"] * 3
    have.refresh_from_db()
    assert (have.quantity, have.reserved, Trade.objects.count()) == (3, 3, 3)


def _edit_race(change):
    """An accept of 2 of 2 copies racing `change(owner, have)`; returns outcomes and the row after."""
    seller = UserFactory()
    have = priced_have(owner=seller, quantity=2)
    [proposal] = _offers(seller, have, 1, quantity=2)
    outcomes = _race(
        {
            "accept": lambda: services.proposal_accept(proposal_id=proposal.pk, actor=proposal.recipient),
            "edit": lambda: change(seller, have),
        }
    )
    return outcomes, HaveItem.objects.filter(pk=have.pk).first()


@pytest.mark.parametrize("round_", range(3))
def test_an_accept_racing_an_edit_below_it_one_of_them_is_refused(round_):
    outcomes, have = _edit_race(
        lambda owner, have: list_item_update(owner=owner, kind="have", item_id=have.pk, changes={"quantity": 1})
    )

    assert sorted(outcomes.values()) in (["NotAvailable", "won"], ["ReservedCopies", "won"]), outcomes
    if outcomes["accept"] == "won":
        assert (have.quantity, have.reserved, Trade.objects.count()) == (2, 2, 1)
    else:
        assert (have.quantity, have.reserved, Trade.objects.count()) == (1, 0, 0)


@pytest.mark.parametrize("round_", range(2))
def test_an_accept_racing_a_removal_one_of_them_is_refused(round_):
    outcomes, have = _edit_race(lambda owner, have: list_item_remove(owner=owner, kind="have", item_id=have.pk))

    assert sorted(outcomes.values()) in (["NotAvailable", "won"], ["ReservedCopies", "won"]), outcomes
    if outcomes["accept"] == "won":
        assert (have.quantity, have.reserved, Trade.objects.count()) == (2, 2, 1)
    else:
        assert have is None and Trade.objects.count() == 0


@pytest.mark.parametrize("round_", range(2))
def test_an_accept_racing_a_replacing_upload_one_of_them_is_refused(round_):
    outcomes, have = _edit_race(
        lambda owner, have: list_items_upsert(
            owner=owner, kind="have", items=[{"card_id": have.card_id, "quantity": 1}], replace=True
        )
    )

    assert sorted(outcomes.values()) in (["NotAvailable", "won"], ["ReservedCopies", "won"]), outcomes
    if outcomes["accept"] == "won":
        assert (have.quantity, have.reserved, Trade.objects.count()) == (2, 2, 1)
    else:
        assert (have.quantity, have.reserved, Trade.objects.count()) == (1, 0, 0)
