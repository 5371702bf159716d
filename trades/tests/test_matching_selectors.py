"""Matching: both radii, mutual have/want, per-item rules, ranking, reasons, constant queries."""

from decimal import Decimal

import pytest

from accounts.models import UserReputation
from lists.tests.factories import (
    BELLEVUE,
    PORTLAND,
    SEATTLE,
    TACOMA,
    HaveItemFactory,
    WantItemFactory,
    priced_card,
    trader,
)
from trades.selectors.matches import bounding_box, haversine_km, matches_for

pytestmark = pytest.mark.django_db


def mutual(me, them, *, get_price="10.00", give_price="10.00", **their_have):
    """`them` has a card I want and wants a card I have. Returns (their have, my have)."""
    wanted = priced_card(get_price)
    mine = priced_card(give_price)
    WantItemFactory(owner=me, card=wanted, condition="LP")
    their = HaveItemFactory(owner=them, card=wanted, **their_have)
    my_have = HaveItemFactory(owner=me, card=mine)
    WantItemFactory(owner=them, card=mine, condition="LP")
    return their, my_have


def usernames(matches):
    return [match.trader.username for match in matches]


def test_haversine_and_bounding_box():
    assert round(haversine_km(47.6062, -122.3321, 47.6104, -122.2007), 2) == 9.86
    box = bounding_box(47.6062, -122.3321, 50)
    # The box's edges are exactly 50 km north and south; east-west it holds the circle's widest point.
    assert round(haversine_km(47.6062, -122.3321, box["latitude__lte"], -122.3321), 6) == 50.0
    assert round(haversine_km(47.6062, -122.3321, box["latitude__gte"], -122.3321), 6) == 50.0
    assert round(box["longitude__gte"], 4) == -122.999 and round(box["longitude__lte"], 4) == -121.6652
    assert "longitude__gte" not in bounding_box(89.9, 0, 50)  # around the pole: longitude open
    assert "longitude__gte" not in bounding_box(0, 179.9, 50)  # across the antimeridian: open


def test_a_mutual_match_within_both_radii_with_reasons_and_proposal_ids():
    me = trader(location=SEATTLE, radius=50)
    them = trader(location=BELLEVUE, radius=25)
    UserReputation.objects.filter(user=them).update(reputation_score=Decimal("650"), reputation_tier="gold")
    their_have, my_have = mutual(me, them, get_price="42.00", give_price="38.00", quantity=2)

    [match] = matches_for(user=me, limit=10)

    assert match.trader.pk == them.pk
    assert (match.get_value, match.give_value) == (Decimal("42.00"), Decimal("38.00"))
    assert match.request_ids == [their_have.pk] and match.offer_ids == [my_have.pk]
    assert match.reasons == [
        {"code": "has_your_wants", "count": 1, "value": Decimal("42.00")},
        {"code": "wants_your_haves", "count": 1, "value": Decimal("38.00")},
        {"code": "distance", "km": 9.9},
        {"code": "tier", "tier": "gold"},
        {"code": "balance", "percent": 90},
    ]


def test_both_radii_must_hold():
    me = trader(location=SEATTLE, radius=50)
    near_but_small_radius = trader(location=TACOMA, radius=25)  # 40 km: in my radius, not in theirs
    far = trader(location=PORTLAND, radius=500)  # 234 km: in theirs, not in mine
    ok = trader(location=TACOMA, radius=45)
    for other in (near_but_small_radius, far, ok):
        mutual(me, other)

    assert usernames(matches_for(user=me)) == [ok.username]


def test_matching_is_mutual_only():
    me = trader()
    only_has = trader(location=BELLEVUE)
    card = priced_card("5.00")
    WantItemFactory(owner=me, card=card)
    HaveItemFactory(owner=only_has, card=card)
    HaveItemFactory(owner=me, card=priced_card("5.00"))

    assert matches_for(user=me) == []


def test_condition_or_better_finish_and_language():
    me = trader()
    too_worn = trader(location=BELLEVUE)
    wrong_finish = trader(location=BELLEVUE)
    wrong_language = trader(location=BELLEVUE)
    better = trader(location=BELLEVUE)
    mutual(me, too_worn, condition="MP")
    mutual(me, wrong_finish, finish="foil")
    mutual(me, wrong_language, language="ja")
    mutual(me, better, condition="NM")

    assert usernames(matches_for(user=me)) == [better.username]


def test_max_price_and_min_trade_value():
    me = trader()
    over_my_max = trader(location=BELLEVUE)
    wants_more_back = trader(location=BELLEVUE)
    their, _ = mutual(me, over_my_max, get_price="30.00")
    me.wantitem_set.filter(card=their.card).update(max_price=Decimal("25.00"))
    mutual(me, wants_more_back, get_price="10.00", give_price="4.00", min_trade_value=Decimal("5.00"))

    assert matches_for(user=me) == []


def test_ranking_prefers_a_balanced_valuable_nearby_trade():
    me = trader(radius=50)
    lopsided = trader(location=BELLEVUE)
    balanced = trader(location=BELLEVUE)
    distant = trader(location=TACOMA)
    mutual(me, lopsided, get_price="100.00", give_price="2.00")
    mutual(me, balanced, get_price="50.00", give_price="50.00")
    mutual(me, distant, get_price="50.00", give_price="50.00")

    matches = matches_for(user=me)

    assert usernames(matches) == [balanced.username, distant.username, lopsided.username]
    assert matches[0].score > matches[1].score > matches[2].score


def test_users_without_location_or_business_accounts_get_no_matches():
    me = trader()
    store = trader(location=BELLEVUE, account_type="business")
    mutual(me, store)
    nowhere = trader(location=(None, None))

    assert matches_for(user=me) == []
    assert matches_for(user=nowhere) == []


def test_queries_do_not_grow_with_traders_or_items(django_assert_max_num_queries):
    me = trader()
    for _ in range(5):
        mutual(me, trader(location=BELLEVUE))
    with django_assert_max_num_queries(7):
        assert len(matches_for(user=me)) == 5
    for _ in range(45):
        mutual(me, trader(location=BELLEVUE))

    with django_assert_max_num_queries(7):
        assert len(matches_for(user=me, limit=100)) == 50


def test_one_copy_is_not_counted_for_two_wants():
    me = trader()
    them = trader(location=BELLEVUE)
    card = priced_card("10.00")
    WantItemFactory(owner=me, card=card, condition="NM", quantity=1)
    WantItemFactory(owner=me, card=card, condition="MP", quantity=1)
    HaveItemFactory(owner=them, card=card, condition="NM", quantity=1)
    mine = priced_card("10.00")
    HaveItemFactory(owner=me, card=mine)
    WantItemFactory(owner=them, card=mine)

    [match] = matches_for(user=me)

    assert [(line.quantity, line.value) for line in match.they_give] == [(1, Decimal("10.00"))]
