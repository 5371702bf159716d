"""follower_count stays equal to the real number of follows under concurrent follow/unfollow (real threads)."""

import random
import threading
from datetime import date, timedelta

import pytest
from django.db import close_old_connections, connection

from signals import services
from signals.models import Recommendation, SignalFollower

from .factories import RecommendationFactory, creator_factory, priced_card


@pytest.mark.django_db(transaction=True)
def test_follower_count_matches_follows_under_concurrent_follow_and_unfollow():
    assert connection.vendor == "postgresql"
    signal = RecommendationFactory(card=priced_card())
    users = [creator_factory() for _ in range(8)]
    barrier = threading.Barrier(len(users) * 2)
    errors = []

    def churn(user, seed):
        rng = random.Random(seed)
        try:
            barrier.wait()
            for _ in range(12):
                if rng.random() < 0.55:
                    services.signal_follow(signal_id=signal.pk, user=user, acted_on=rng.choice([None, True, False]))
                else:
                    services.signal_unfollow(signal_id=signal.pk, user=user)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            close_old_connections()

    # Two threads per user: the same person double-clicking in two tabs races on one row too.
    threads = [
        threading.Thread(target=churn, args=(user, index * 2 + copy))
        for index, user in enumerate(users)
        for copy in (0, 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    signal.refresh_from_db()
    active = SignalFollower.objects.filter(recommendation=signal, unfollowed_at__isnull=True).count()
    assert signal.follower_count == active
    assert SignalFollower.objects.filter(recommendation=signal).count() <= len(users)


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_never_pass_the_active_limit():
    creator = creator_factory()
    cards = [priced_card() for _ in range(24)]
    for card in cards[:18]:
        RecommendationFactory(created_by=creator, card=card)
    barrier = threading.Barrier(6)
    outcomes = []

    def publish(card):
        try:
            barrier.wait()
            services.signal_create(
                creator=creator,
                card_id=card.pk,
                action="HOLD",
                target_price=None,
                target_date=(date.today() + timedelta(days=10)).isoformat(),
                rationale="Holding steady through the season.",
                visibility="private",
            )
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(getattr(exc, "code", repr(exc)))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=publish, args=(card,)) for card in cards[18:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["limit_reached"] * 4 + ["ok"] * 2
    assert Recommendation.objects.filter(created_by=creator, status="active").count() == 20
