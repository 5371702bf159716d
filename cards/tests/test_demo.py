import io
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from cards import demo
from cards.enums import PriceSource
from cards.feed import hot_price_ids, price_feed_step, run_price_feed
from cards.models import Card, CardPrice, PriceSnapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_catalog(monkeypatch, settings):
    """The real seed with fewer cards, so the suite stays quick (the full seed is timed in bench/)."""
    settings.SCRYFALL_BULK_URL = ""  # a developer's .env may set it: these tests seed the shipped cards
    monkeypatch.setattr(demo, "CARD_LIMIT", 40)


def test_shipped_catalog_is_real_scryfall_cards_with_the_staples():
    records = demo.demo_records()

    assert len(records) == 1923
    assert len({record["id"] for record in records}) == 1923
    names = {record["name"] for record in records}
    assert {"Lightning Bolt", "Counterspell", "Sol Ring", "Llanowar Elves", "Swords to Plowshares"} <= names
    bolt = next(record for record in records if record["name"] == "Lightning Bolt")
    printing = (bolt["set"], bolt["set_name"], bolt["collector_number"], bolt["rarity"])
    assert printing == ("a25", "Masters 25", "141", "uncommon")
    scryfall_id = bolt["id"]
    image = f"https://cards.scryfall.io/normal/front/{scryfall_id[0]}/{scryfall_id[1]}/{scryfall_id}.jpg"
    assert bolt["image_uris"]["normal"].startswith(image)
    assert (demo.DATA_FILE.parent / "SOURCE.md").exists()


def test_seed_builds_the_real_catalog_with_180_days_per_finish(small_catalog):
    out = io.StringIO()
    demo.seed(out)

    assert Card.objects.count() == 40
    assert Card.objects.filter(name="Lightning Bolt", set_code="a25", collector_number="141").exists()
    assert Card.objects.filter(name="Sol Ring", set_code="c18").exists()
    assert Card.objects.exclude(image_url__startswith="https://cards.scryfall.io/").count() == 0
    assert Card.objects.values("rarity").distinct().count() >= 3
    card = Card.objects.order_by("pk").first()
    for finish in card.finishes:
        assert PriceSnapshot.objects.filter(card=card, finish=finish, source=PriceSource.DEMO).count() == 181
    finishes = sum(len(card.finishes) for card in Card.objects.all())
    assert CardPrice.objects.count() == finishes
    assert CardPrice.objects.filter(change_24h_pct__isnull=False).count() == finishes
    bolt = CardPrice.objects.get(card__name="Lightning Bolt", finish="nonfoil")
    assert Decimal("1.50") <= bolt.price <= Decimal("2.80")  # staples end near what they trade for
    assert "40 real cards from" in out.getvalue()
    assert "GENERATED prices" in out.getvalue()


def test_seed_twice_changes_nothing(small_catalog):
    demo.seed(io.StringIO())
    before = (PriceSnapshot.objects.count(), list(CardPrice.objects.order_by("pk").values()))
    out = io.StringIO()

    demo.seed(out)

    assert (PriceSnapshot.objects.count(), list(CardPrice.objects.order_by("pk").values())) == before
    assert "already present" in out.getvalue()


def test_feed_moves_the_staples_on_every_tick(small_catalog):
    import random

    demo.seed(io.StringIO())
    staples = set(CardPrice.objects.filter(card__name__in=demo.STAPLES, currency="USD").values_list("pk", flat=True))
    before = dict(CardPrice.objects.filter(pk__in=staples).values_list("pk", "price"))

    price_feed_step(rng=random.Random(5), cards_per_tick=0, hot_ids=hot_price_ids())

    after = dict(CardPrice.objects.filter(pk__in=staples).values_list("pk", "price"))
    assert len(staples) >= 5
    assert all(after[pk] != before[pk] for pk in staples)


def test_bulk_url_imports_the_bulk_file_instead(settings):
    fixture = Path(__file__).parent / "fixtures" / "scryfall_default_cards.json"
    settings.SCRYFALL_BULK_URL = str(fixture)
    out = io.StringIO()

    demo.seed(out)

    assert Card.objects.count() > 0
    assert not PriceSnapshot.objects.filter(source=PriceSource.DEMO).exists()
    assert PriceSnapshot.objects.filter(source=PriceSource.SCRYFALL).exists()
    assert out.getvalue().startswith("scryfall:")
    again = io.StringIO()
    demo.seed(again)
    assert "already imported" in again.getvalue()


def test_feed_step_moves_prices_through_the_service(small_catalog):
    import random

    demo.seed(io.StringIO())
    before = dict(CardPrice.objects.values_list("pk", "price"))

    moved = price_feed_step(rng=random.Random(1), cards_per_tick=10)

    after = dict(CardPrice.objects.values_list("pk", "price"))
    changed = [pk for pk in before if before[pk] != after[pk]]
    assert moved == len(changed) == 10
    assert CardPrice.objects.filter(pk__in=changed, source=PriceSource.DEMO).count() == 10


def test_run_price_feed_says_it_is_a_demo_and_stops(small_catalog):
    demo.seed(io.StringIO())
    stop = threading.Event()
    stop.set()
    out = io.StringIO()

    run_price_feed(interval=0.01, stop_event=stop, stdout=out)

    assert "DEMO price feed (random walk, not real market data)" in out.getvalue()
    assert "DEMO price feed stopped." in out.getvalue()


def test_feed_pulls_prices_back_toward_their_anchor(small_catalog):
    import random

    demo.seed(io.StringIO())
    before = dict(CardPrice.objects.values_list("pk", "price"))
    anchors = {pk: price * 2 for pk, price in before.items()}  # everything is "too cheap"

    price_feed_step(rng=random.Random(3), cards_per_tick=len(before), anchors=anchors)

    after = dict(CardPrice.objects.values_list("pk", "price"))
    assert all(after[pk] > before[pk] for pk in before)
