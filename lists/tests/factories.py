"""Factories and a small catalog for list, import and matching tests."""

import uuid
from decimal import Decimal

import factory

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, CardPriceFactory
from lists.models import HaveItem, ListSettings, WantItem

SEATTLE = (Decimal("47.606200"), Decimal("-122.332100"))
BELLEVUE = (Decimal("47.610400"), Decimal("-122.200700"))  # ~9.9 km from Seattle
TACOMA = (Decimal("47.252900"), Decimal("-122.444300"))  # ~40.2 km from Seattle
PORTLAND = (Decimal("45.515200"), Decimal("-122.678400"))  # ~234 km from Seattle


class HaveItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HaveItem

    owner = factory.SubFactory(UserFactory)
    card = factory.SubFactory(CardFactory)
    quantity = 1
    condition = "NM"
    finish = "nonfoil"
    language = "en"


class WantItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WantItem

    owner = factory.SubFactory(UserFactory)
    card = factory.SubFactory(CardFactory)
    quantity = 1
    condition = "LP"
    finish = "nonfoil"
    language = "en"


class ListSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ListSettings

    user = factory.SubFactory(UserFactory)


def trader(*, location=SEATTLE, radius=50, **kwargs):
    """A trader at a place with a trade radius (km)."""
    return UserFactory(latitude=location[0], longitude=location[1], trade_radius_km=radius, **kwargs)


def priced_card(price: str, *, foil_price: str | None = None, **kwargs):
    card = CardFactory(**kwargs)
    CardPriceFactory(card=card, finish="nonfoil", price=Decimal(price))
    if foil_price is not None:
        CardPriceFactory(card=card, finish="foil", price=Decimal(foil_price))
    return card


def make_catalog() -> dict:
    """The printings the CSV fixtures in lists/tests/fixtures/ refer to."""
    both = ["nonfoil", "foil"]
    return {
        "bolt": CardFactory(
            name="Lightning Bolt",
            set_code="2x2",
            set_name="Double Masters 2022",
            collector_number="117",
            scryfall_id=uuid.UUID("8f4c0b8b-3c39-4b1e-9e5f-0a1b2c3d4e01"),
            finishes=both,
        ),
        "bolt_m10": CardFactory(
            name="Lightning Bolt", set_code="m10", set_name="Magic 2010", collector_number="146", finishes=both
        ),
        "sol_ring": CardFactory(
            name="Sol Ring",
            set_code="cmm",
            set_name="Commander Masters",
            collector_number="410",
            scryfall_id=uuid.UUID("8f4c0b8b-3c39-4b1e-9e5f-0a1b2c3d4e02"),
            finishes=both,
        ),
        "thoughtseize": CardFactory(
            name="Thoughtseize",
            set_code="2xm",
            set_name="Double Masters",
            collector_number="107",
            scryfall_id=uuid.UUID("8f4c0b8b-3c39-4b1e-9e5f-0a1b2c3d4e03"),
            finishes=both,
        ),
        "delver": CardFactory(
            name="Delver of Secrets // Insectile Aberration",
            set_code="isd",
            set_name="Innistrad",
            collector_number="51",
            finishes=both,
        ),
        "forest_a": CardFactory(
            name="Forest", set_code="neo", set_name="Kamigawa: Neon Dynasty", collector_number="293"
        ),
        "forest_b": CardFactory(
            name="Forest", set_code="neo", set_name="Kamigawa: Neon Dynasty", collector_number="294"
        ),
        "mace": CardFactory(
            name="+2 Mace", set_code="afr", set_name="Adventures in the Forgotten Realms", collector_number="1"
        ),
    }
