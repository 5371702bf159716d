"""Have and want items for the API contract run (core/tests/contract.py)."""

from cards.models import Card
from lists.tests.factories import HaveItemFactory, WantItemFactory


def seed(*, user, other):
    cards = list(Card.objects.order_by("pk")[:4])
    ids = {"haves": [], "wants": []}
    for index, card in enumerate(cards):
        ids["haves"].append(HaveItemFactory(owner=user if index % 2 else other, card=card, quantity=3).pk)
        ids["wants"].append(WantItemFactory(owner=other if index % 2 else user, card=card, quantity=1).pk)
    card_ids = [card.pk for card in cards]
    ids["body"] = {
        **{(f"/api/v1/{kind}/", "card"): card_ids for kind in ("haves", "wants")},
        **{(f"/api/v1/{kind}/bulk/", "items[*].card"): card_ids for kind in ("haves", "wants")},
    }
    return ids
