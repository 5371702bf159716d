"""The momentum recommender: BUY/SELL from 7-day vs 30-day averages, a price floor, a daily cap, one active per card."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cards.tests.factories import CardFactory, CardPriceFactory, PriceSnapshotFactory
from signals.models import Recommendation
from signals.system import system_signals_generate

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _card_with_trend(old: str, recent: str, current: str | None = None):
    card = CardFactory()
    CardPriceFactory(card=card, price=Decimal(current or recent))
    for day in range(8, 30):
        PriceSnapshotFactory(card=card, price=Decimal(old), captured_at=NOW - timedelta(days=day))
    for day in range(0, 7):
        PriceSnapshotFactory(card=card, price=Decimal(recent), captured_at=NOW - timedelta(days=day, hours=1))
    return card


def test_momentum_makes_buy_and_sell_signals_labelled_system():
    rising = _card_with_trend("10.00", "13.00")
    falling = _card_with_trend("10.00", "7.00")
    _card_with_trend("10.00", "10.10")  # under the 5% threshold
    _card_with_trend("1.00", "1.80")  # under the price floor
    assert system_signals_generate(now=NOW) == 2
    buy = Recommendation.objects.get(card=rising)
    sell = Recommendation.objects.get(card=falling)
    assert (buy.action, buy.created_by, buy.is_user_generated, buy.visibility, buy.is_public) == (
        "BUY",
        None,
        False,
        "public",
        True,
    )
    assert buy.entry_price == Decimal("13.00") and buy.target_price > buy.entry_price
    assert sell.action == "SELL" and sell.target_price < sell.entry_price
    assert buy.target_date == datetime(2026, 12, 20, tzinfo=UTC)
    assert "7-day average" in buy.rationale and Decimal("0") < buy.confidence <= Decimal("1")


def test_none_for_a_card_with_an_active_system_signal_and_a_daily_cap():
    cards = [_card_with_trend("10.00", f"{12 + index}.00") for index in range(4)]
    assert system_signals_generate(now=NOW, limit=3) == 3
    assert system_signals_generate(now=NOW, limit=3) == 0
    Recommendation.objects.update(created_at=NOW)  # they were made "today" = NOW's day
    assert system_signals_generate(now=NOW + timedelta(days=1), limit=3) == 1
    assert Recommendation.objects.filter(card__in=cards).count() == 4
