"""Demo lists: idempotent and they give demo_trader matches."""

import io
from decimal import Decimal

import pytest

from accounts.services import user_create
from cards.tests.factories import CardPriceFactory
from trades import demo_lists
from trades.models import HaveItem, WantItem
from trades.selectors.matching import matches_for

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_demo_trader_has_matches():
    for index in range(60):
        CardPriceFactory(price=Decimal("1.00") + index)
    demo_trader = user_create(
        email="trader@bazaar.test",
        username="demo_trader",
        password="x",
        latitude=Decimal("47.608"),
        longitude=Decimal("-122.335"),
    )

    demo_lists.seed(io.StringIO())
    counts = (HaveItem.objects.count(), WantItem.objects.count())
    demo_lists.seed(io.StringIO())

    assert (HaveItem.objects.count(), WantItem.objects.count()) == counts
    demo_trader.refresh_from_db()
    assert demo_trader.match_with_stores is True
    matches = matches_for(user=demo_trader, limit=20)
    assert {match.trader.username for match in matches} == {username for username, *_ in demo_lists.DEMO_TRADERS}


def test_seed_without_a_catalog_says_so():
    out = io.StringIO()

    demo_lists.seed(out)

    assert "too few priced cards" in out.getvalue()
    assert HaveItem.objects.count() == 0
