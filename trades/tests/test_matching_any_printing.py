"""Any-printing wants and tradable cards in matching, in-trade wants and completion."""

import uuid
from decimal import Decimal

import pytest

from cards.tests.factories import CardFactory
from lists.models import WantItem
from lists.tests.factories import BELLEVUE, SEATTLE, HaveItemFactory, WantItemFactory, priced_card, trader
from trades import services
from trades.selectors.matches import matches_for
from trades.tests.factories import priced_have

pytestmark = pytest.mark.django_db


def printings(*prices, **kwargs):
    """Printings of one card (one oracle id), each with its nonfoil price."""
    oracle = uuid.uuid4()
    return [priced_card(price, oracle_id=oracle, name="Lightning Bolt", **kwargs) for price in prices]


@pytest.fixture
def pair():
    me = trader(location=SEATTLE, username="me")
    them = trader(location=BELLEVUE, username="them")
    # So that every match is mutual: they want a card I have.
    mine = HaveItemFactory(owner=me, card=priced_card("5.00"))
    WantItemFactory(owner=them, card=mine.card)
    return me, them, mine


def they_give(match):
    return [(line.have.pk, line.have.card.pk, line.quantity, line.unit_price) for line in match.they_give]


def test_an_any_printing_want_is_filled_by_another_printing_a_specific_want_is_not(pair):
    me, them, _ = pair
    m10, m11 = printings("2.00", "3.00")
    their_m11 = HaveItemFactory(owner=them, card=m11, quantity=2)
    specific = WantItemFactory(owner=me, card=m10, quantity=1)
    assert matches_for(user=me) == []

    specific.any_printing = True
    specific.save(update_fields=["any_printing"])

    [match] = matches_for(user=me)
    assert they_give(match) == [(their_m11.pk, m11.pk, 1, Decimal("3.00"))]  # the printing traded, its price
    assert match.they_give[0].have.card.name == "Lightning Bolt"
    assert match.request == [{"have_item": their_m11.pk, "quantity": 1}]


def test_an_any_printing_want_keeps_finish_language_and_condition_rules(pair):
    me, them, _ = pair
    m10, m11 = printings("2.00", "3.00", foil_price="9.00")
    WantItemFactory(owner=me, card=m10, any_printing=True, condition="LP", finish="nonfoil", language="en")
    HaveItemFactory(owner=them, card=m11, finish="foil")  # other finish
    HaveItemFactory(owner=them, card=m11, language="de")  # other language
    HaveItemFactory(owner=them, card=m11, condition="MP")  # worse than LP
    assert matches_for(user=me) == []

    good = HaveItemFactory(owner=them, card=m11, condition="LP")
    [match] = matches_for(user=me)
    assert they_give(match) == [(good.pk, m11.pk, 1, Decimal("3.00"))]


def test_max_price_is_the_printing_s_price_a_cheaper_printing_still_fills(pair):
    me, them, _ = pair
    expensive, cheap = printings("30.00", "4.00")
    WantItemFactory(owner=me, card=expensive, any_printing=True, max_price=Decimal("5.00"))
    HaveItemFactory(owner=them, card=expensive, condition="NM")
    assert matches_for(user=me) == []  # 30.00 is above 5.00

    cheap_have = HaveItemFactory(owner=them, card=cheap, condition="LP")
    [match] = matches_for(user=me)
    assert they_give(match) == [(cheap_have.pk, cheap.pk, 1, Decimal("4.00"))]


def test_a_different_card_never_fills_an_any_printing_want(pair):
    me, them, _ = pair
    [bolt] = printings("2.00")
    WantItemFactory(owner=me, card=bolt, any_printing=True)
    HaveItemFactory(owner=them, card=priced_card("2.00", name="Lightning Bolt"))  # same name, other oracle
    HaveItemFactory(owner=them, card=priced_card("2.00", oracle_id=None))
    assert matches_for(user=me) == []


def test_only_tradable_cards_are_offered(pair):
    me, them, mine = pair
    paper, digital = printings("2.00", "2.00")
    digital.tradable = False
    digital.save(update_fields=["tradable"])
    WantItemFactory(owner=me, card=paper, any_printing=True)
    HaveItemFactory(owner=them, card=digital)
    assert matches_for(user=me) == []  # their only copy is of a printing nobody can trade

    WantItemFactory(owner=me, card=digital)  # a specific want for it does not change that
    assert matches_for(user=me) == []

    paper_have = HaveItemFactory(owner=them, card=paper)
    [match] = matches_for(user=me)
    assert [line.have.pk for line in match.they_give] == [paper_have.pk]

    mine.card.tradable = False  # my only have they want: no longer offered, no mutual match
    mine.card.save(update_fields=["tradable"])
    assert matches_for(user=me) == []


def test_their_any_printing_want_is_filled_by_my_printing():
    me = trader(location=SEATTLE, username="me")
    them = trader(location=BELLEVUE, username="them")
    wanted = priced_card("6.00")
    WantItemFactory(owner=me, card=wanted)
    HaveItemFactory(owner=them, card=wanted)
    m10, m11 = printings("2.00", "3.00")
    my_m11 = HaveItemFactory(owner=me, card=m11)
    their_want = WantItemFactory(owner=them, card=m10, any_printing=True)

    [match] = matches_for(user=me)
    assert [(line.have.pk, line.want.pk, line.unit_price) for line in match.i_give] == [
        (my_m11.pk, their_want.pk, Decimal("3.00"))
    ]
    assert match.offer == [{"have_item": my_m11.pk, "quantity": 1}]


def test_an_agreed_trade_bringing_another_printing_fills_an_any_printing_want(pair):
    me, them, _ = pair
    m10, m11, m12 = printings("2.00", "3.00", "4.00")
    WantItemFactory(owner=me, card=m10, any_printing=True, quantity=1)
    HaveItemFactory(owner=them, card=m11)
    assert [m.trader.username for m in matches_for(user=me)] == ["them"]

    seller = trader(location=BELLEVUE, username="seller")
    coming = priced_have(owner=seller, price="4.00")
    coming.card = m12
    coming.save(update_fields=["card"])
    proposal = services.proposal_create(proposer=seller, recipient=me, offer={coming.pk: 1}, request={})
    services.proposal_accept(proposal_id=proposal.pk, actor=me)

    assert matches_for(user=me) == []  # the one copy I want is on its way, in another printing


def test_completion_fills_an_any_printing_want_with_another_printing():
    giver = trader(location=SEATTLE, username="giver")
    receiver = trader(location=BELLEVUE, username="receiver")
    m10, m11 = printings("2.00", "3.00")
    given = HaveItemFactory(owner=giver, card=m11, quantity=2, condition="NM")
    any_printing = WantItemFactory(owner=receiver, card=m10, any_printing=True, quantity=3, condition="LP")
    specific = WantItemFactory(owner=receiver, card=m10, quantity=1, condition="NM")  # M10 only: not filled
    other_finish = WantItemFactory(owner=receiver, card=m10, any_printing=True, finish="foil")
    proposal = services.proposal_create(proposer=giver, recipient=receiver, offer={given.pk: 2}, request={})
    trade = services.proposal_accept(proposal_id=proposal.pk, actor=receiver)

    services.trade_complete(trade_id=trade.pk, cause="Handed over.")

    assert WantItem.objects.get(pk=any_printing.pk).quantity == 1
    assert WantItem.objects.get(pk=specific.pk).quantity == 1
    assert WantItem.objects.get(pk=other_finish.pk).quantity == 1


def test_queries_with_any_printing_wants_stay_constant(django_assert_max_num_queries):
    me = trader(location=SEATTLE, username="me")
    for n in range(8):
        them = trader(location=BELLEVUE, username=f"t{n}")
        m10, m11 = printings("2.00", "3.00")
        WantItemFactory(owner=me, card=m10, any_printing=True)
        HaveItemFactory(owner=them, card=m11)
        mine = HaveItemFactory(owner=me, card=CardFactory())
        WantItemFactory(owner=them, card=mine.card)

    with django_assert_max_num_queries(8):  # one more than with specific wants only: the other printings
        assert len(matches_for(user=me, limit=20)) == 8


def test_the_api_shape_is_the_declared_serializer_s(pair):
    """MatchSerializer builds its dicts directly; they must equal DRF's field-by-field output."""
    from rest_framework import serializers

    from trades.api.serializers import MatchSerializer

    me, them, _ = pair
    m10, m11 = printings("2.00", "3.00")
    WantItemFactory(owner=me, card=m10, any_printing=True)
    HaveItemFactory(owner=them, card=m11, quantity=2)
    [match] = matches_for(user=me)
    match.they_give[0].unit_price = None  # an unpriced line too

    serializer = MatchSerializer()
    fast = serializer.to_representation(match)
    generic = serializers.Serializer.to_representation(serializer, match)

    assert fast == dict(generic)
    assert fast["they_give"][0]["unit_price"] is None and fast["get_value"] == "3.00"
