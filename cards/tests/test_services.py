from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cards.enums import PriceSource
from cards.models import Card, CardPrice, PriceSnapshot
from cards.services import (
    CardData,
    PriceObservation,
    cards_link_mtgjson,
    cards_upsert,
    price_snapshot_record,
    price_snapshots_record,
)
from cards.tests.factories import CardFactory, PriceSnapshotFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)


def observe(card, price, *, at=NOW, finish="nonfoil", source=PriceSource.SCRYFALL, currency="USD"):
    return PriceObservation(card.pk, finish, source, Decimal(price), currency, at)


def test_first_market_observation_creates_snapshot_and_current_price():
    card = CardFactory()

    result = price_snapshots_record(observations=[observe(card, "2.50")], publish=False)

    assert result.snapshots_created == 1
    assert result.prices_changed == 1
    current = CardPrice.objects.get(card=card, finish="nonfoil")
    assert (current.price, current.currency, current.source, current.captured_at) == (
        Decimal("2.50"),
        "USD",
        "scryfall",
        NOW,
    )
    assert current.change_24h_pct is None and current.change_7d_pct is None
    assert [tick.direction for tick in result.ticks] == [""]


def test_same_observation_twice_changes_nothing():
    card = CardFactory()
    price_snapshots_record(observations=[observe(card, "2.50")], publish=False)
    before = list(CardPrice.objects.values())

    result = price_snapshots_record(observations=[observe(card, "2.50")], publish=False)

    assert (result.snapshots_created, result.prices_changed, result.ticks) == (0, 0, [])
    assert PriceSnapshot.objects.count() == 1
    assert list(CardPrice.objects.values()) == before


def test_changes_against_24h_and_7d_references():
    card = CardFactory()
    PriceSnapshotFactory(card=card, price=Decimal("4.00"), captured_at=NOW - timedelta(days=7))
    PriceSnapshotFactory(card=card, price=Decimal("5.00"), captured_at=NOW - timedelta(days=1))

    result = price_snapshots_record(observations=[observe(card, "6.00")], publish=False)

    current = CardPrice.objects.get(card=card)
    assert current.price_24h_ago == Decimal("5.00")
    assert current.change_24h_pct == Decimal("20.00")
    assert current.price_7d_ago == Decimal("4.00")
    assert current.change_7d_pct == Decimal("50.00")
    assert result.prices_changed == 1


def test_reference_tolerates_a_daily_feed_arriving_a_little_late():
    # Yesterday's observation came 10 minutes after today's time of day minus 24 h.
    card = CardFactory()
    PriceSnapshotFactory(card=card, price=Decimal("8.00"), captured_at=NOW - timedelta(hours=23, minutes=50))
    PriceSnapshotFactory(card=card, price=Decimal("1.00"), captured_at=NOW - timedelta(days=2))

    price_snapshots_record(observations=[observe(card, "10.00")], publish=False)

    assert CardPrice.objects.get(card=card).change_24h_pct == Decimal("25.00")


def test_reference_older_than_lookback_gives_no_change():
    card = CardFactory()
    PriceSnapshotFactory(card=card, price=Decimal("1.00"), captured_at=NOW - timedelta(days=20))

    price_snapshots_record(observations=[observe(card, "3.00")], publish=False)

    current = CardPrice.objects.get(card=card)
    assert (current.change_24h_pct, current.change_7d_pct) == (None, None)


def test_non_market_sources_and_other_currencies_are_history_only():
    card = CardFactory()

    result = price_snapshots_record(
        observations=[
            observe(card, "1.40", source=PriceSource.CARDKINGDOM_BUYLIST),
            observe(card, "1.90", source=PriceSource.SCRYFALL, currency="EUR"),
        ],
        publish=False,
    )

    assert result.snapshots_created == 2
    assert result.prices_changed == 0
    assert CardPrice.objects.count() == 0


def test_older_observation_does_not_move_the_current_price():
    card = CardFactory()
    price_snapshots_record(observations=[observe(card, "3.00")], publish=False)

    result = price_snapshots_record(
        observations=[observe(card, "9.99", at=NOW - timedelta(days=2), source=PriceSource.TCGPLAYER)], publish=False
    )

    assert result.snapshots_created == 1
    assert result.prices_changed == 0
    assert CardPrice.objects.get(card=card).price == Decimal("3.00")


def test_newer_price_moves_current_with_direction():
    card = CardFactory()
    price_snapshots_record(observations=[observe(card, "3.00")], publish=False)

    down = price_snapshots_record(observations=[observe(card, "2.00", at=NOW + timedelta(hours=1))], publish=False)
    up = price_snapshots_record(observations=[observe(card, "2.50", at=NOW + timedelta(hours=2))], publish=False)

    assert [(t.price, t.direction) for t in down.ticks] == [(Decimal("2.00"), "down")]
    assert [(t.price, t.direction) for t in up.ticks] == [(Decimal("2.50"), "up")]
    assert CardPrice.objects.get(card=card).captured_at == NOW + timedelta(hours=2)


def test_newer_observation_with_same_price_moves_time_but_sends_no_tick():
    card = CardFactory()
    price_snapshots_record(observations=[observe(card, "3.00")], publish=False)

    result = price_snapshots_record(observations=[observe(card, "3.00", at=NOW + timedelta(days=1))], publish=False)

    assert (result.snapshots_created, result.prices_changed, result.ticks) == (1, 0, [])
    assert CardPrice.objects.get(card=card).captured_at == NOW + timedelta(days=1)


def test_one_batch_keeps_the_newest_observation_per_finish():
    card = CardFactory()

    price_snapshots_record(
        observations=[
            observe(card, "1.00", at=NOW - timedelta(hours=3)),
            observe(card, "1.50", at=NOW),
            observe(card, "1.20", at=NOW - timedelta(hours=1)),
            observe(card, "7.00", finish="foil"),
        ],
        publish=False,
    )

    prices = dict(CardPrice.objects.filter(card=card).values_list("finish", "price"))
    assert prices == {"nonfoil": Decimal("1.50"), "foil": Decimal("7.00")}
    assert PriceSnapshot.objects.filter(card=card).count() == 4


def test_single_record_helper_goes_through_the_same_path():
    card = CardFactory()

    price_snapshot_record(
        card_id=card.pk, finish="foil", source="demo", price=Decimal("4.20"), currency="USD", captured_at=NOW
    )

    assert CardPrice.objects.get(card=card, finish="foil").source == "demo"


def card_data(**overrides) -> CardData:
    values = {
        "scryfall_id": "e3285e6b-3e79-4d7c-bf96-d920f973b80d",
        "oracle_id": "4457ed35-7c10-48c8-9776-456485fdf070",
        "name": "Lightning Bolt",
        "lang": "en",
        "set_code": "2xm",
        "set_name": "Double Masters",
        "collector_number": "129",
        "rarity": "uncommon",
        "finishes": ["nonfoil", "foil"],
        "tcgplayer_id": 210364,
        "image_url": "",
        "is_reserved": False,
        "released_at": None,
    }
    values.update(overrides)
    return CardData(**values)


def test_upsert_creates_then_leaves_unchanged_rows_untouched():
    first = cards_upsert(records=[card_data()])
    card = Card.objects.get()
    stamp = card.updated_at

    second = cards_upsert(records=[card_data()])

    assert (first.created, first.updated, first.unchanged) == (1, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1)
    card.refresh_from_db()
    assert card.updated_at == stamp
    assert second.card_ids == {"e3285e6b-3e79-4d7c-bf96-d920f973b80d": card.pk}


def test_upsert_updates_changed_fields():
    cards_upsert(records=[card_data()])

    result = cards_upsert(records=[card_data(name="Lightning Bolt (Retro)", finishes=["foil"])])

    card = Card.objects.get()
    assert (result.updated, card.name, card.finishes) == (1, "Lightning Bolt (Retro)", ["foil"])


def test_link_mtgjson_moves_a_uuid_to_its_new_card():
    old, new = CardFactory(mtgjson_uuid="5f8287b1-5bb6-5f4c-ad17-316a40d5bb0c"), CardFactory()

    changed = cards_link_mtgjson(links={new.pk: "5f8287b1-5bb6-5f4c-ad17-316a40d5bb0c"})

    old.refresh_from_db()
    new.refresh_from_db()
    assert changed == 1
    assert old.mtgjson_uuid is None
    assert str(new.mtgjson_uuid) == "5f8287b1-5bb6-5f4c-ad17-316a40d5bb0c"
