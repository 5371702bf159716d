"""Demo traders around Seattle with have and want lists that match demo_trader's.

Idempotent: users are created once; a list is filled only while it is empty, so a second
run (or a demo user's own edits) is left alone. Cards come from the seeded catalog, only
printings with a current price, picked in a fixed order.
"""

from __future__ import annotations

import random
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db import transaction

from accounts.models import User, UserReputation
from cards.models import Card
from lists.enums import ListKind
from lists.models import HaveItem, WantItem
from lists.services.items import list_items_upsert

DEMO_TRADER = "demo_trader"
# username, latitude, longitude: all within 50 km of downtown Seattle (and of each other's radius).
DEMO_TRADERS = [
    ("alice_seattle", "47.620500", "-122.349300"),
    ("bob_tacoma", "47.252900", "-122.444300"),
    ("carol_bellevue", "47.610100", "-122.201500"),
    ("dan_redmond", "47.674000", "-122.121500"),
    ("erin_everett", "47.979000", "-122.202100"),
    ("frank_kirkland", "47.681500", "-122.208700"),
]
SEATTLE = (Decimal("47.606200"), Decimal("-122.332100"))
RADIUS_KM = 50
CARD_POOL = 120
CONDITIONS = ["NM", "NM", "NM", "LP", "LP", "MP"]


def _demo_password() -> str:
    from accounts.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def _ensure_trader(username: str, latitude: str, longitude: str) -> tuple[User, bool]:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    from accounts.services import user_create

    user = user_create(
        email=f"{username}@bazaar.test",
        username=username,
        password=_demo_password(),
        country="US",
        latitude=Decimal(latitude),
        longitude=Decimal(longitude),
        trade_radius_km=RADIUS_KM,
    )
    UserReputation.objects.get_or_create(user=user)
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user, True


def _fill(user: User, kind: str, cards: list[Card], rng: random.Random) -> int:
    """Fill an empty list; leave a list that has anything in it alone."""
    model = HaveItem if kind == ListKind.HAVE else WantItem
    if model.objects.filter(owner=user).exists():
        return 0
    items = []
    for card in cards:
        item = {
            "card_id": card.pk,
            "quantity": rng.choice([1, 1, 1, 2, 2, 3, 4]),
            "condition": rng.choice(CONDITIONS) if kind == ListKind.HAVE else "LP",
            "finish": "nonfoil",
            "language": "en",
        }
        items.append(item)
    return list_items_upsert(owner=user, kind=kind, items=items)


@transaction.atomic
def seed(stdout) -> None:
    cards = list(
        Card.objects.filter(current_prices__finish="nonfoil", current_prices__price__gte=Decimal("0.50"))
        .order_by("pk")
        .distinct()[:CARD_POOL]
    )
    if len(cards) < 40:
        stdout.write("  lists: the catalog has too few priced cards; skipping demo lists.")
        return
    rng = random.Random(4242)
    rng.shuffle(cards)
    demo_haves, demo_wants, pool = cards[:10], cards[10:20], cards[20:]

    demo_trader = User.objects.filter(username=DEMO_TRADER).first()
    if demo_trader is not None:
        if not demo_trader.has_location or not demo_trader.match_with_stores:
            fields = {"match_with_stores": True}
            if not demo_trader.has_location:
                fields |= {"latitude": SEATTLE[0], "longitude": SEATTLE[1]}
            User.objects.filter(pk=demo_trader.pk).update(**fields)
        _fill(demo_trader, ListKind.HAVE, demo_haves, rng)
        _fill(demo_trader, ListKind.WANT, demo_wants, rng)

    created_count = 0
    for index, (username, latitude, longitude) in enumerate(DEMO_TRADERS):
        user, created = _ensure_trader(username, latitude, longitude)
        created_count += created
        # Each trader has 2-4 of demo_trader's wants and wants 2-4 of its haves, plus cards of their own.
        trader_rng = random.Random(index)
        has = trader_rng.sample(demo_wants, 2 + index % 3) + trader_rng.sample(pool, 12)
        wants = trader_rng.sample(demo_haves, 2 + (index + 1) % 3) + trader_rng.sample(pool, 8)
        wants = [card for card in wants if card not in has]
        _fill(user, ListKind.HAVE, has, trader_rng)
        _fill(user, ListKind.WANT, wants, trader_rng)
    stdout.write(
        f"  lists: {len(DEMO_TRADERS)} demo traders around Seattle ({created_count} new), "
        f"password {_demo_password()}; demo_trader's matches are at /trades/matches/"
    )
