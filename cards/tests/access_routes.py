"""Cards' routes that name an object, for the resolver-wide access test (docs/api.md)."""

from cards.tests.factories import CardPriceFactory
from core.tests.access import PUBLIC, AccessRoute, Target


def _card():
    return Target(kwargs={"pk": CardPriceFactory().card_id})


ROUTES = [
    AccessRoute("cards:detail", _card, PUBLIC),
    AccessRoute("api-card-detail", _card, PUBLIC),
    AccessRoute("api-card-prices", _card, PUBLIC),
]
