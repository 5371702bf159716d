"""`wants_filled_by` and `want_accepts`: the one definition of "a received card fills a want"."""

import uuid

import pytest

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from lists.selectors import want_accepts, wants_filled_by
from lists.services.reservations import HaveMove
from lists.tests.factories import WantItemFactory

pytestmark = pytest.mark.django_db


def received(card_id, *, condition="NM", finish="nonfoil", language="en"):
    """One received copy, as completion hands it to these selectors."""
    return HaveMove(0, card_id, condition, finish, language, 1)


def test_any_printing_wants_take_every_printing_of_the_card_specific_wants_only_theirs():
    oracle = uuid.uuid4()
    m10, m11 = CardFactory(oracle_id=oracle), CardFactory(oracle_id=oracle)
    other = CardFactory()
    owner = UserFactory()
    specific = WantItemFactory(owner=owner, card=m10, condition="NM")
    any_printing = WantItemFactory(owner=owner, card=m10, any_printing=True, condition="LP")
    any_foil = WantItemFactory(owner=owner, card=m10, any_printing=True, finish="foil")
    WantItemFactory(owner=owner, card=other, any_printing=True)
    WantItemFactory(card=m10, any_printing=True)  # someone else's

    wants = list(wants_filled_by(owner_id=owner.pk, printings=[received(m11.pk)]))

    assert [want.pk for want in wants] == [any_printing.pk]
    [want] = wants
    assert want_accepts(want, received(m11.pk))
    assert not want_accepts(want, received(m11.pk, condition="MP"))  # worse than LP
    assert not want_accepts(want, received(m11.pk, language="de"))
    assert not want_accepts(want, received(other.pk))  # not one of its card's printings
    filled_by_m10 = list(wants_filled_by(owner_id=owner.pk, printings=[received(m10.pk)]))
    assert [want.pk for want in filled_by_m10] == [specific.pk, any_printing.pk]  # not the foil one
    assert not want_accepts(filled_by_m10[0], received(m11.pk))  # the specific want takes M10 only
    assert any_foil.pk not in {want.pk for want in wants}


def test_a_card_without_an_oracle_id_fills_only_its_own_printing():
    lonely, twin = CardFactory(oracle_id=None), CardFactory(oracle_id=None)
    want = WantItemFactory(card=lonely, any_printing=True)

    assert list(wants_filled_by(owner_id=want.owner_id, printings=[received(twin.pk)])) == []
    assert [w.pk for w in wants_filled_by(owner_id=want.owner_id, printings=[received(lonely.pk)])] == [want.pk]


def test_the_rows_can_be_locked_without_locking_cards(django_assert_num_queries):
    oracle = uuid.uuid4()
    m10, m11 = CardFactory(oracle_id=oracle), CardFactory(oracle_id=oracle)
    want = WantItemFactory(card=m10, any_printing=True)

    with django_assert_num_queries(1) as captured:
        copies = [received(m11.pk), received(m10.pk)]
        [locked] = wants_filled_by(owner_id=want.owner_id, printings=copies).select_for_update()

    assert locked.pk == want.pk
    sql = captured.captured_queries[0]["sql"]
    assert "FOR UPDATE" in sql and " JOIN " not in sql  # cards are read in subqueries only
