import io
import threading

import pytest

from cards import demo
from cards.enums import PriceSource
from cards.feed import price_feed_step, run_price_feed
from cards.models import Card, CardPrice, PriceSnapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_catalog(monkeypatch):
    """The real seed with fewer cards, so the suite stays quick (the full seed is timed in bench/)."""
    monkeypatch.setattr(demo, "CARD_COUNT", 40)


def test_seed_builds_a_labelled_catalog_with_180_days_per_finish(small_catalog):
    out = io.StringIO()
    demo.seed(out)

    assert Card.objects.count() == 40
    assert Card.objects.values("set_code").distinct().count() == 8
    assert all(name.endswith("(generated)") for name in Card.objects.values_list("set_name", flat=True))
    assert Card.objects.values("rarity").distinct().count() >= 3
    card = Card.objects.order_by("pk").first()
    for finish in card.finishes:
        assert PriceSnapshot.objects.filter(card=card, finish=finish, source=PriceSource.DEMO).count() == 181
    finishes = sum(len(card.finishes) for card in Card.objects.all())
    assert CardPrice.objects.count() == finishes
    assert CardPrice.objects.filter(change_24h_pct__isnull=False).count() == finishes
    assert "40 GENERATED demo cards" in out.getvalue()


def test_seed_twice_changes_nothing(small_catalog):
    demo.seed(io.StringIO())
    before = (PriceSnapshot.objects.count(), list(CardPrice.objects.order_by("pk").values()))
    out = io.StringIO()

    demo.seed(out)

    assert (PriceSnapshot.objects.count(), list(CardPrice.objects.order_by("pk").values())) == before
    assert "already present" in out.getvalue()


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
