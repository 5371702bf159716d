from decimal import Decimal

import factory

from accounts.enums import AccountType
from accounts.tests.factories import UserFactory
from stores.enums import StoreStatus
from stores.models import LGSProfile, StoreInventoryItem

OPEN_EVERY_DAY = {
    day: {"open": "00:00", "close": "24:00"}
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
}


class StoreFactory(factory.django.DjangoModelFactory):
    """A verified store in Seattle (98101), open 10:00-21:00 on Mondays."""

    class Meta:
        model = LGSProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, account_type=AccountType.BUSINESS, business_verified=True)
    store_name = factory.Sequence(lambda n: f"Game Store {n}")
    store_city = "Seattle"
    store_state = "WA"
    store_postal = "98101"
    latitude = Decimal("47.61000000")
    longitude = Decimal("-122.33000000")
    timezone = "America/Los_Angeles"
    status = StoreStatus.VERIFIED
    hours = factory.LazyFunction(lambda: {"monday": {"open": "10:00", "close": "21:00"}})


class StoreInventoryItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoreInventoryItem

    store = factory.SubFactory(StoreFactory)
    card = factory.SubFactory("cards.tests.factories.CardFactory")
    quantity = 1
    price = Decimal("1.00")
    feed_price = Decimal("1.00")
