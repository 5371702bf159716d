"""Matching scores every qualifying nearby trader; a cut, when there must be one, keeps the best.

600 qualifying traders; the best match is the one with the highest user id (the one an
id-ordered cut drops first)."""

from decimal import Decimal

import pytest

from accounts.models import User
from lists.models import HaveItem, WantItem
from lists.tests.factories import BELLEVUE, SEATTLE, priced_card, trader
from trades.selectors.matches import matches_for

pytestmark = pytest.mark.django_db
CANDIDATES = 600


@pytest.fixture
def crowd():
    """599 lopsided matches ($100 of mine for $1 of theirs) and, last, one balanced and richer."""
    me = trader(location=SEATTLE, radius=50, username="me")
    cheap_want, pricey_want = priced_card("1.00"), priced_card("40.00")
    pricey_have, mid_have = priced_card("100.00"), priced_card("40.00")
    for card in (cheap_want, pricey_want):
        WantItem.objects.create(owner=me, card=card, quantity=1, condition="LP")
    for card in (pricey_have, mid_have):
        HaveItem.objects.create(owner=me, card=card, quantity=CANDIDATES)
    users = User.objects.bulk_create(
        [
            User(
                username=f"nearby{i:03}",
                email=f"nearby{i:03}@example.test",
                latitude=BELLEVUE[0],
                longitude=BELLEVUE[1],
                trade_radius_km=50,
            )
            for i in range(CANDIDATES)
        ]
    )
    users.sort(key=lambda user: user.pk)
    *others, best = users
    HaveItem.objects.bulk_create(
        [HaveItem(owner=user, card=cheap_want, quantity=1) for user in others]
        + [HaveItem(owner=best, card=pricey_want, quantity=1)]
    )
    WantItem.objects.bulk_create(
        [WantItem(owner=user, card=pricey_have, quantity=1, condition="LP") for user in others]
        + [WantItem(owner=best, card=mid_have, quantity=1, condition="LP")]
    )
    return me, best


def test_the_best_match_is_found_among_600_whatever_its_id(crowd, django_assert_max_num_queries):
    me, best = crowd

    with django_assert_max_num_queries(7):
        matches = matches_for(user=me, limit=CANDIDATES)

    assert len(matches) == CANDIDATES  # every qualifying trader was scored
    assert matches[0].trader.pk == best.pk == max(m.trader.pk for m in matches)
    assert (matches[0].get_value, matches[0].give_value, matches[0].balance) == (
        Decimal("40.00"),
        Decimal("40.00"),
        1.0,
    )
    assert matches[1].balance == 0.01


def test_a_cut_keeps_the_best_because_candidates_are_ranked_in_sql_first(
    crowd, settings, django_assert_max_num_queries
):
    me, best = crowd
    settings.MATCHING_MAX_SCORED = 50

    with django_assert_max_num_queries(8):  # one more than without a cut: the ranked candidate query
        matches = matches_for(user=me, limit=CANDIDATES)

    assert len(matches) == 50  # the cut happened...
    assert matches[0].trader.pk == best.pk  # ...and the best, highest id of all, survived it
