import io
from decimal import Decimal

import pytest

from accounts.models import UserReputation
from accounts.tests.factories import UserFactory
from cards.tests.factories import CardPriceFactory
from lists import demo as demo_lists
from trades import demo as demo_negotiation
from trades.models import Trade, TradeProposal, TradeReview
from trades.selectors.matches import matches_for

pytestmark = pytest.mark.django_db


def test_seed_makes_tiers_new_to_gold_and_is_idempotent():
    for n in range(45):
        CardPriceFactory(price=Decimal("1.00") + n)
    UserFactory(username="demo_trader")
    out = io.StringIO()
    demo_lists.seed(out)

    demo_negotiation.seed(out)
    counts = (TradeProposal.objects.count(), Trade.objects.count(), TradeReview.objects.count())
    demo_negotiation.seed(out)

    assert (TradeProposal.objects.count(), Trade.objects.count(), TradeReview.objects.count()) == counts
    tiers = dict(UserReputation.objects.values_list("user__username", "reputation_tier"))
    assert {tiers["demo_trader"], tiers["dan_redmond"], tiers["erin_everett"], tiers["frank_kirkland"]} == {
        "new",
        "bronze",
        "silver",
        "gold",
    }
    demo = TradeProposal.objects.filter(recipient__username="demo_trader", status__in=["pending", "viewed"])
    assert demo.exists()
    assert TradeProposal.objects.filter(proposer__username="demo_trader", status="pending").exists()
    assert Trade.objects.filter(party_b__username="demo_trader", status="active").exists()
    assert "already seeded" in out.getvalue()


def test_demo_lists_give_demo_trader_matches_with_every_demo_trader():
    for index in range(60):
        CardPriceFactory(price=Decimal("1.00") + index)
    demo_trader = UserFactory(username="demo_trader", latitude=Decimal("47.608"), longitude=Decimal("-122.335"))

    demo_lists.seed(io.StringIO())

    demo_trader.refresh_from_db()
    matches = matches_for(user=demo_trader, limit=20)
    assert {match.trader.username for match in matches} == {username for username, *_ in demo_lists.DEMO_TRADERS}
