"""Demo lists: idempotent, and every demo trader gets a have and a want list."""

import io
from decimal import Decimal

import pytest

from accounts.services import user_create
from cards.tests.factories import CardPriceFactory
from lists import demo as demo_lists
from lists.models import HaveItem, WantItem

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
    usernames = {username for username, *_ in demo_lists.DEMO_TRADERS}
    assert set(HaveItem.objects.values_list("owner__username", flat=True).distinct()) >= usernames
    assert set(WantItem.objects.values_list("owner__username", flat=True).distinct()) >= usernames


def test_seed_without_a_catalog_says_so():
    out = io.StringIO()

    demo_lists.seed(out)

    assert "too few priced cards" in out.getvalue()
    assert HaveItem.objects.count() == 0
