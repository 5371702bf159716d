"""seed_demo's signals part: creators across tiers, evaluated and active signals, followers,
a populated leaderboard and featured signals; running it twice changes nothing."""

import io
import math
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.services import reputation_update
from accounts.tests.factories import UserFactory
from cards.models import PriceSnapshot
from cards.tests.factories import CardFactory, CardPriceFactory
from signals import demo
from signals.models import CreatorFollow, LeaderboardStanding, Recommendation, SignalFollower
from signals.selectors import featured_signals

from .factories import creator_factory

pytestmark = pytest.mark.django_db


def _catalog(cards=200, days=150):
    now = timezone.now()
    snapshots = []
    for index in range(cards):
        card = CardFactory()
        prices = [Decimal(str(round(10 + 4 * math.sin((day + index * 7) / 9), 2))) for day in range(days)]
        CardPriceFactory(card=card, price=prices[-1])
        snapshots += [
            PriceSnapshot(
                card=card,
                finish="nonfoil",
                source="demo",
                price=price,
                currency="USD",
                captured_at=now - timedelta(days=days - day),
            )
            for day, price in enumerate(prices)
        ]
    PriceSnapshot.objects.bulk_create(snapshots)


def test_seed_signals_and_idempotent():
    _catalog()
    # Stats as the trades demo leaves them; the score follows from them (gold, silver, new).
    for username, trades, reviews in (("frank_kirkland", 52, 100), ("erin_everett", 25, 16), ("dan_redmond", 8, 0)):
        reputation_update(
            user=creator_factory(username=username),
            completed_trades=trades,
            review_count=reviews,
            review_average=Decimal("4.5"),
        )
    UserFactory(username="demo_trader")
    UserFactory(username="second_trader")
    out = io.StringIO()
    demo.seed(out)
    counts = (Recommendation.objects.count(), SignalFollower.objects.count(), CreatorFollow.objects.count())
    assert Recommendation.objects.filter(status="evaluated", created_by__username="frank_kirkland").count() == 12
    assert Recommendation.objects.filter(status="active", created_by__isnull=False).count() == 6
    assert SignalFollower.objects.filter(user__username="demo_trader", acted_on=True).count() == 1
    assert {row.creator.username for row in LeaderboardStanding.objects.filter(period="30d", is_system=False)} >= {
        "frank_kirkland",
        "erin_everett",
    }
    assert featured_signals() and {signal.created_by.username for signal in featured_signals()} == {"frank_kirkland"}
    demo.seed(out)
    assert (Recommendation.objects.count(), SignalFollower.objects.count(), CreatorFollow.objects.count()) == counts
    assert "already seeded" in out.getvalue()
