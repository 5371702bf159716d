from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory

from accounts.reputation import tier_for_score
from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, CardPriceFactory
from signals.enums import SignalAction, SignalVisibility
from signals.models import CreatorFollow, Recommendation, SignalFollower


def creator_factory(*, trades: int = 20, score: str | int = 350, evaluated: int = 0, hits: int = 0, **kwargs):
    """A trader with the reputation numbers that gate signals (score decides the tier)."""
    score = Decimal(str(score))
    accuracy = (Decimal(hits) / evaluated * 100).quantize(Decimal("0.01")) if evaluated else Decimal(0)
    return UserFactory(
        reputation__completed_trades=trades,
        reputation__reputation_score=score,
        reputation__reputation_tier=tier_for_score(score),
        reputation__signals_authored_evaluated=evaluated,
        reputation__author_hits=hits,
        reputation__author_accuracy_pct=accuracy,
        **kwargs,
    )


def priced_card(price: str = "10.00", **kwargs):
    card = CardFactory(**kwargs)
    CardPriceFactory(card=card, price=Decimal(price))
    return card


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    card = factory.SubFactory(CardFactory)
    finish = "nonfoil"
    action = SignalAction.BUY
    entry_price = Decimal("10.00")
    target_price = Decimal("12.00")
    user_target_price = factory.LazyAttribute(lambda o: o.target_price if o.created_by else None)
    target_date = factory.LazyFunction(
        lambda: datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=10)
    )
    user_target_date = factory.LazyAttribute(lambda o: o.target_date if o.created_by else None)
    created_by = factory.LazyFunction(creator_factory)
    is_user_generated = factory.LazyAttribute(lambda o: o.created_by is not None)
    visibility = SignalVisibility.PUBLIC
    is_public = factory.LazyAttribute(lambda o: o.visibility == SignalVisibility.PUBLIC)
    user_rationale = factory.LazyAttribute(lambda o: "A well-argued rationale for this call." if o.created_by else None)
    rationale = factory.LazyAttribute(lambda o: "" if o.created_by else "Momentum.")


class SignalFollowerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignalFollower

    recommendation = factory.SubFactory(RecommendationFactory)
    user = factory.SubFactory(UserFactory)


class CreatorFollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreatorFollow

    follower = factory.SubFactory(UserFactory)
    creator = factory.LazyFunction(creator_factory)
