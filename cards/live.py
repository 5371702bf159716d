"""Live price ticks: render once, coalesce per card, send to Channels groups.

A tick for a card finish goes out at once if that finish has not ticked in the last
COALESCE_SECONDS; otherwise it waits and only the newest value is sent when the interval
ends (so a card never ticks more than ~4 times a second and the last price always arrives).
Sending runs on one long-lived event loop in a background thread per process, so a burst of
ticks (an import, the demo feed) reuses one channel-layer connection instead of opening one
per message, and the writer never waits for Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import NamedTuple

from channels.layers import get_channel_layer
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.template.loader import render_to_string


class PriceTick(NamedTuple):
    """A current price that changed: what the live price socket pushes to pages."""

    card_id: int
    finish: str
    price: Decimal
    currency: str
    direction: str  # "up", "down" or "" (first price)
    source: str = ""  # where the price came from (the card page's "all sources" row follows it)


logger = logging.getLogger(__name__)

COALESCE_SECONDS = 0.25
SEND_CHUNK = 500


def price_group(card_id: int) -> str:
    """Channels group of one card's price ticks (every finish)."""
    return f"prices.card.{card_id}"


def _watch_key(card_id: int) -> str:
    return f"cards:watching:{card_id}"


ANY_WATCH_KEY = "cards:watching:any"


def _counters_change(deltas: dict[str, int]) -> None:
    """Add to several counters in the shared cache: one pipelined round trip on Redis.

    A page subscribing to 50 cards must not cost 150 round trips (that stalled 1,000 sockets
    connecting at once for seconds in bench/cards_fanout.py). Django's Redis cache stores
    integers as plain Redis integers, so INCRBY and cache.get agree.
    """
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client(write=True)
        pipeline = client.pipeline(transaction=False)
        for key, delta in deltas.items():
            pipeline.incrby(backend.make_and_validate_key(key), delta)
        pipeline.execute()
        return
    for key, delta in deltas.items():  # local-memory cache (embedded demo): same process, no round trips
        cache.add(key, 0, timeout=None)
        with contextlib.suppress(ValueError):
            cache.incr(key, delta)


def watchers_add(card_ids: Iterable[int]) -> None:
    """Count a socket watching these cards (the cache is shared by web and worker processes)."""
    card_ids = list(card_ids)
    _counters_change({**{_watch_key(card_id): 1 for card_id in card_ids}, ANY_WATCH_KEY: len(card_ids)})


def watchers_remove(card_ids: Iterable[int]) -> None:
    card_ids = list(card_ids)
    _counters_change({**{_watch_key(card_id): -1 for card_id in card_ids}, ANY_WATCH_KEY: -len(card_ids)})


def watched_only(ticks: list[PriceTick]) -> list[PriceTick]:
    """Ticks for cards some page is watching: a daily import moves 100,000 prices, pages show a few."""
    if not ticks or (cache.get(ANY_WATCH_KEY) or 0) <= 0:
        return []
    counts = cache.get_many({_watch_key(tick.card_id) for tick in ticks})
    return [tick for tick in ticks if (counts.get(_watch_key(tick.card_id)) or 0) > 0]


def render_tick(tick: PriceTick) -> str:
    """The htmx out-of-band swap for one price: the same include pages use, marked up or down."""
    return render_to_string(
        "cards/partials/_price.html",
        {
            "card_id": tick.card_id,
            "finish": tick.finish,
            "price": tick.price,
            "currency": tick.currency,
            "direction": tick.direction,
            "source": tick.source,
            "oob": True,
        },
    )


def tick_message(tick: PriceTick) -> dict:
    return {
        "type": "price.tick",
        "card_id": tick.card_id,
        "finish": tick.finish,
        "price": str(tick.price),
        "currency": tick.currency,
        "direction": tick.direction,
        "html": render_tick(tick),
        "sent_at": time.time(),
    }


class TickCoalescer:
    """Per-(card, finish) rate limit with a trailing send of the newest value.

    `clock` and `send` are injectable so the rule is testable without sleeping.
    """

    def __init__(self, *, send: Callable[[list[PriceTick]], None], interval: float = COALESCE_SECONDS, clock=None):
        self.send = send
        self.interval = interval
        self.clock = clock or time.monotonic
        self.last_sent: dict[tuple[int, str], float] = {}
        self.pending: dict[tuple[int, str], PriceTick] = {}
        self.lock = threading.Lock()

    def offer(self, ticks: Iterable[PriceTick]) -> list[PriceTick]:
        """Send what may go now, hold the rest; returns what was sent now."""
        now = self.clock()
        ready = []
        with self.lock:
            for tick in ticks:
                key = (tick.card_id, tick.finish)
                if key not in self.pending and now - self.last_sent.get(key, -1e9) >= self.interval:
                    self.last_sent[key] = now
                    ready.append(tick)
                else:
                    self.pending[key] = tick  # newest value wins
            self._forget_old(now)
        if ready:
            self.send(ready)
        return ready

    def flush_due(self) -> list[PriceTick]:
        """Send held ticks whose interval has passed; returns them."""
        now = self.clock()
        due = []
        with self.lock:
            for key, tick in list(self.pending.items()):
                if now - self.last_sent.get(key, -1e9) >= self.interval:
                    del self.pending[key]
                    self.last_sent[key] = now
                    due.append(tick)
        if due:
            self.send(due)
        return due

    def has_pending(self) -> bool:
        with self.lock:
            return bool(self.pending)

    def _forget_old(self, now: float) -> None:
        if len(self.last_sent) > 50_000:
            self.last_sent = {key: at for key, at in self.last_sent.items() if now - at < self.interval}


class _Publisher:
    """One event loop thread per process that sends ticks and flushes held ones."""

    def __init__(self):
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.start_lock = threading.Lock()
        self.coalescer = TickCoalescer(send=self._submit)

    def _ensure_started(self) -> asyncio.AbstractEventLoop:
        with self.start_lock:
            if self.loop is None or self.thread is None or not self.thread.is_alive():
                self.loop = asyncio.new_event_loop()
                self.thread = threading.Thread(target=self._run, args=(self.loop,), name="price-ticks", daemon=True)
                self.thread.start()
        return self.loop

    def _run(self, loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        loop.create_task(self._flush_forever())
        loop.run_forever()

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self.coalescer.interval / 4)
            if self.coalescer.has_pending():
                self.coalescer.flush_due()

    def _submit(self, ticks: list[PriceTick]) -> None:
        messages = [(price_group(tick.card_id), tick_message(tick)) for tick in ticks]
        loop = _consumer_loop if _consumer_loop_is_needed() else self._ensure_started()
        asyncio.run_coroutine_threadsafe(_send_all(messages), loop)

    def publish(self, ticks: Iterable[PriceTick]) -> None:
        self.coalescer.offer(watched_only(list(ticks)))


async def _send_all(messages: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for start in range(0, len(messages), SEND_CHUNK):
        chunk = messages[start : start + SEND_CHUNK]
        results = await asyncio.gather(
            *(layer.group_send(group, message) for group, message in chunk), return_exceptions=True
        )
        for result in results:
            if isinstance(result, Exception):  # a lost tick must never break anything else
                logger.warning("price tick not sent: %r", result)


_publisher = _Publisher()
_consumer_loop: asyncio.AbstractEventLoop | None = None


def register_consumer_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The price consumer's event loop (called on connect).

    The in-memory channel layer (embedded demo: web server and feed in one process) keeps
    asyncio queues that only the server's loop may touch, so its sends must run there.
    """
    global _consumer_loop
    _consumer_loop = loop


def _consumer_loop_is_needed() -> bool:
    from channels.layers import InMemoryChannelLayer

    return (
        _consumer_loop is not None
        and _consumer_loop.is_running()
        and isinstance(get_channel_layer(), InMemoryChannelLayer)
    )


def publish_price_ticks(ticks: Iterable[PriceTick]) -> None:
    """Called on commit by cards.services: coalesce and send in the background."""
    try:
        _publisher.publish(list(ticks))
    except Exception:
        logger.exception("publishing price ticks failed")
