"""Matches are cached under a freshness key; every change matching reads makes it recompute."""

from decimal import Decimal

import pytest

from accounts.models import UserReputation
from cards.models import CardPrice
from lists.models import HaveItem, ListSettings
from lists.tests.factories import BELLEVUE, PORTLAND, SEATTLE, HaveItemFactory, WantItemFactory, priced_card, trader
from trades.models import MatchingStamp
from trades.selectors.matches import matches_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def swap():
    me = trader(location=SEATTLE, username="me")
    them = trader(location=BELLEVUE, username="them")
    wanted, offered = priced_card("10.00"), priced_card("8.00")
    WantItemFactory(owner=me, card=wanted)
    their_have = HaveItemFactory(owner=them, card=wanted, quantity=2)
    my_have = HaveItemFactory(owner=me, card=offered)
    WantItemFactory(owner=them, card=offered)
    return me, them, their_have, my_have


def names(matches):
    return [match.trader.username for match in matches]


def test_a_second_request_is_one_query(swap, django_assert_num_queries):
    me = swap[0]
    first = matches_for(user=me)

    with django_assert_num_queries(1):  # the freshness key; the matches come from the cache
        again = matches_for(user=me)

    assert names(again) == names(first) == ["them"]
    assert again[0].get_value == first[0].get_value == Decimal("10.00")


def test_a_list_change_of_a_trader_in_range_recomputes(swap):
    me, _, their_have, _ = swap
    assert names(matches_for(user=me)) == ["them"]
    newcomer = trader(location=BELLEVUE, username="newcomer")
    HaveItemFactory(owner=newcomer, card=their_have.card)
    assert names(matches_for(user=me)) == ["them"]  # has my want, wants nothing of mine yet

    WantItemFactory(owner=newcomer, card=swap[3].card)
    assert sorted(names(matches_for(user=me))) == ["newcomer", "them"]

    HaveItem.objects.filter(pk=their_have.pk).delete()
    assert names(matches_for(user=me)) == ["newcomer"]


def test_a_reservation_recomputes(swap):
    me, _, their_have, _ = swap
    assert matches_for(user=me)[0].request == [{"have_item": their_have.pk, "quantity": 1}]

    HaveItem.objects.filter(pk=their_have.pk).update(reserved=2)  # both copies promised elsewhere

    assert matches_for(user=me) == []


def test_a_location_or_radius_change_recomputes(swap):
    me, them, *_ = swap
    assert names(matches_for(user=me)) == ["them"]

    them.latitude, them.longitude = PORTLAND
    them.save(update_fields=["latitude", "longitude"])
    assert matches_for(user=me) == []

    them.latitude, them.longitude = BELLEVUE
    them.trade_radius_km = 5  # 9.9 km away: I am outside their radius
    them.save(update_fields=["latitude", "longitude", "trade_radius_km"])
    assert matches_for(user=me) == []


def test_a_price_change_recomputes(swap):
    me, _, their_have, _ = swap
    assert matches_for(user=me)[0].get_value == Decimal("10.00")

    CardPrice.objects.filter(card=their_have.card).update(price=Decimal("12.50"))

    assert matches_for(user=me)[0].get_value == Decimal("12.50")


def test_a_list_made_private_drops_the_match_at_once(swap):
    me, them, *_ = swap
    assert names(matches_for(user=me)) == ["them"]

    ListSettings.objects.create(user=them, haves_public=False)

    assert matches_for(user=me) == []


def test_a_reputation_change_recomputes(swap):
    me, them, *_ = swap
    assert matches_for(user=me)[0].tier == "new"

    UserReputation.objects.filter(user=them).update(reputation_tier="gold")

    assert matches_for(user=me)[0].tier == "gold"


def test_changes_outside_my_box_keep_the_cache(swap, django_assert_num_queries):
    me = swap[0]
    matches_for(user=me)
    far = trader(location=PORTLAND, username="far")
    HaveItemFactory(owner=far, card=swap[2].card)

    with django_assert_num_queries(1):
        assert names(matches_for(user=me)) == ["them"]
    assert MatchingStamp.objects.filter(key=far.pk).exists()  # their own matches would recompute
