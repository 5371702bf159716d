"""Cards and prices for the API contract run (core/tests/contract.py)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from cards.tests.factories import CardFactory, CardPriceFactory, PriceSnapshotFactory


def seed(*, user, other):
    start = datetime(2026, 11, 1, tzinfo=UTC)
    ids = []
    for index in range(5):
        card = CardFactory(name=f"Sol Ring {index}")
        CardPriceFactory(card=card, price=Decimal("2.50") + index, change_24h_pct=Decimal(index * 5 - 10))
        for day in range(3):
            PriceSnapshotFactory(card=card, price=Decimal("2.00") + day, captured_at=start + timedelta(days=day))
        ids.append(card.pk)
    return {"cards": ids}
