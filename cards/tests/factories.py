import uuid
from datetime import UTC, datetime
from decimal import Decimal

import factory

from cards.enums import Finish, PriceSource, Rarity
from cards.models import Card, CardPrice, PriceSnapshot


class CardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Card

    scryfall_id = factory.LazyFunction(uuid.uuid4)
    oracle_id = factory.LazyFunction(uuid.uuid4)
    name = factory.Sequence(lambda n: f"Test Card {n}")
    set_code = "tst"
    set_name = "Test Set"
    collector_number = factory.Sequence(lambda n: str(n + 1))
    rarity = Rarity.RARE
    finishes = factory.LazyFunction(lambda: [Finish.NONFOIL.value, Finish.FOIL.value])


class PriceSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceSnapshot

    card = factory.SubFactory(CardFactory)
    finish = Finish.NONFOIL
    source = PriceSource.SCRYFALL
    price = Decimal("1.00")
    currency = "USD"
    captured_at = factory.LazyFunction(lambda: datetime.now(UTC))


class CardPriceFactory(factory.django.DjangoModelFactory):
    """The current market price of a card; use this to give a card a value in tests."""

    class Meta:
        model = CardPrice

    card = factory.SubFactory(CardFactory)
    finish = Finish.NONFOIL
    price = Decimal("1.00")
    currency = "USD"
    source = PriceSource.SCRYFALL
    captured_at = factory.LazyFunction(lambda: datetime.now(UTC))
