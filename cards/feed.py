"""The demo price feed: random-walks current prices every few seconds. NOT real market data.

It writes through cards.services.price_snapshots_record (source "demo"), exactly like an
import, so snapshots, current prices, movers and live ticks all behave as in production.
"""

from __future__ import annotations

import logging
import random
import threading
from decimal import Decimal

from django.db import close_old_connections, connection
from django.utils import timezone

from .demo import STAPLES
from .enums import PriceSource
from .models import CardPrice
from .services import PriceObservation, price_snapshots_record

logger = logging.getLogger(__name__)

DEFAULT_CARDS_PER_TICK = 60
HOT_CARDS = 40  # the most valuable cards move on every tick, so popular pages visibly change
# ... and so do the staples a newcomer searches for first (cards.demo ships them).
HOT_NAMES = tuple(STAPLES)


def _say(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message)
    else:
        logger.info(message)


def price_feed_step(
    *,
    rng: random.Random,
    cards_per_tick: int = DEFAULT_CARDS_PER_TICK,
    hot_ids=(),
    anchors: dict | None = None,
) -> int:
    """Move a random sample of current prices (plus the hot ones) by up to ±1.5 %; returns how many moved.

    Each price is pulled gently back toward where it was when the feed first touched it
    (`anchors`), so an hour-long demo wiggles like a market instead of drifting to zero.
    """
    anchors = {} if anchors is None else anchors
    ids = list(CardPrice.objects.filter(currency="USD").order_by("?").values_list("id", flat=True)[:cards_per_tick])
    ids += list(hot_ids)
    now = timezone.now()
    observations = []
    for price in CardPrice.objects.filter(id__in=ids).only("card_id", "finish", "price", "currency"):
        anchor = anchors.setdefault(price.pk, price.price)
        pull = float((anchor - price.price) / anchor) * 0.05 if anchor else 0.0
        factor = Decimal(str(round(1 + rng.uniform(-0.015, 0.015) + pull, 4)))
        new_price = max(Decimal("0.02"), (price.price * factor).quantize(Decimal("0.01")))
        if new_price == price.price:  # a penny card: move one cent, the way the pull points
            is_up = pull > 0 or (pull == 0 and rng.random() < 0.5) or new_price <= Decimal("0.02")
            new_price += Decimal("0.01") if is_up else Decimal("-0.01")
        observations.append(
            PriceObservation(price.card_id, price.finish, PriceSource.DEMO.value, new_price, price.currency, now)
        )
    return price_snapshots_record(observations=observations).prices_changed


def hot_price_ids() -> list[int]:
    """The current prices that move on every tick: the most valuable ones and the staples."""
    usd = CardPrice.objects.filter(currency="USD")
    hot_ids = list(usd.order_by("-price").values_list("id", flat=True)[:HOT_CARDS])
    staples = usd.filter(card__name__in=HOT_NAMES).values_list("id", flat=True)
    return hot_ids + [pk for pk in staples if pk not in hot_ids]


def run_price_feed(
    *,
    interval: float,
    stop_event: threading.Event,
    stdout=None,
    cards_per_tick: int = DEFAULT_CARDS_PER_TICK,
) -> None:
    """Loop until stop_event is set. Safe to run in a thread of the demo web process."""
    _say(
        stdout,
        f"DEMO price feed (random walk, not real market data): moving {cards_per_tick} random prices "
        f"plus the {HOT_CARDS} most valuable and the staples every {interval:g} s. Ctrl-C to stop.",
    )
    rng, anchors = random.Random(), {}
    hot_ids = hot_price_ids()
    try:
        while not stop_event.is_set():
            close_old_connections()
            try:
                moved = price_feed_step(rng=rng, cards_per_tick=cards_per_tick, hot_ids=hot_ids, anchors=anchors)
                logger.debug("demo price feed moved %s prices", moved)
            except Exception:  # keep the demo alive through a locked SQLite file or a lost connection
                logger.exception("demo price feed step failed; retrying")
            stop_event.wait(interval)
    finally:
        connection.close()
        _say(stdout, "DEMO price feed stopped.")
