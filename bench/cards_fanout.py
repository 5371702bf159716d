"""Live price fan-out: 1,000 websocket clients x 20 cards while 100 ticks/s are published (Redis layer).

Usage (PostgreSQL + Redis; a scratch database):
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bazaar_bench_fanout REDIS_URL=redis://127.0.0.1:6379/5 \
           CHANNEL_PREFIX=benchfanout CACHE_KEY_PREFIX=benchfanout
    .venv/bin/python bench/cards_fanout.py --clients 1000 --cards-per-client 20 --pool 2000 --rate 100 --seconds 30

What runs: uvicorn serving config.asgi (1 process, RedisPubSubChannelLayer from settings) and,
in this process, N asyncio websocket clients connected to /ws/prices/?cards=... plus a
publisher thread that records prices through the real service (cards.services.
price_snapshots_record, batches of rate/10 every 100 ms): snapshot + current price in
PostgreSQL, tick on commit, coalescer, channel layer. Each tick's price is its sequence
number in cents, so a client reading "$12.34" knows it is tick 1234 and when it was
published. Ticks go round-robin over the pool, so no card ticks faster than the coalescing
limit and every published tick must arrive at every client watching that card.
Latency = receive time - the moment before the service call (same clock, same machine).
"""

import argparse
import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

PRICE = re.compile(r'id="price-(\d+)-nonfoil"[^>]*>\$([\d,]+\.\d\d)')


def prepare(pool: int) -> list[int]:
    from django.core.management import call_command
    from django.db import connection

    from cards.models import Card, CardPrice

    call_command("migrate", verbosity=0)
    from core.cache import clear_own_keys

    clear_own_keys()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cards_pricesnapshot, cards_cardprice, cards_card RESTART IDENTITY CASCADE")
    cards = Card.objects.bulk_create(
        [
            Card(
                scryfall_id=f"00000000-0000-4000-8000-{index:012d}",
                name=f"Fanout {index}",
                set_code="fan",
                set_name="Fan-out bench",
                collector_number=str(index),
            )
            for index in range(pool)
        ]
    )
    from django.utils import timezone

    CardPrice.objects.bulk_create(
        [
            CardPrice(card=card, finish="nonfoil", price=Decimal("0"), source="demo", captured_at=timezone.now())
            for card in cards
        ]
    )
    return [card.pk for card in cards]


async def client(url: str, origin: str, card_ids: list[int], received: list, ready: asyncio.Event, stop: asyncio.Event):
    import websockets

    async with websockets.connect(url, origin=origin, open_timeout=60, ping_interval=None, max_queue=None) as socket:
        ready.set()
        receiver = asyncio.ensure_future(_receive(socket, received))
        await stop.wait()
        receiver.cancel()


async def _receive(socket, received: list):
    async for message in socket:
        now = time.perf_counter()
        match = PRICE.search(message)
        if match:
            received.append(
                (int(match.group(1)), int(match.group(2).replace(",", "").replace(".", "")), now, id(socket))
            )


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--cards-per-client", type=int, default=20)
    parser.add_argument("--pool", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=100, help="ticks per second")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--port", type=int, default=8812)
    args = parser.parse_args()

    import django

    django.setup()
    card_ids = prepare(args.pool)
    rng = random.Random(7)
    subscriptions = [rng.sample(card_ids, args.cards_per_client) for _ in range(args.clients)]
    watchers: dict[int, int] = {}
    for cards in subscriptions:
        for card_id in cards:
            watchers[card_id] = watchers.get(card_id, 0) + 1

    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/uvicorn"),
            "config.asgi:application",
            "--port",
            str(args.port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--ws-max-queue",
            "1024",
        ],
        cwd=ROOT,
        env=dict(os.environ, DEBUG="false"),
    )
    published: dict[int, tuple[int, float]] = {}  # sequence -> (card_id, time)

    def publisher(stop_at: float):
        from django.db import close_old_connections
        from django.utils import timezone

        from cards.services import PriceObservation, price_snapshots_record

        batch = max(1, args.rate // 10)
        sequence, position = 0, 0
        next_at = time.perf_counter()
        while time.perf_counter() < stop_at:
            observations = []
            stamp = time.perf_counter()
            moment = timezone.now()
            for _ in range(batch):
                sequence += 1
                card_id = card_ids[position % len(card_ids)]
                position += 1
                published[sequence] = (card_id, stamp)
                observations.append(
                    PriceObservation(card_id, "nonfoil", "demo", Decimal(sequence) / 100, "USD", moment)
                )
            price_snapshots_record(observations=observations)
            next_at += 0.1
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        close_old_connections()

    async def run():
        received: list = []
        stop = asyncio.Event()
        url = f"ws://127.0.0.1:{args.port}/ws/prices/?cards="
        origin = f"http://127.0.0.1:{args.port}"
        for _ in range(100):  # wait for the server
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.2)
        started = time.perf_counter()
        tasks, readies = [], []
        for index, cards in enumerate(subscriptions):
            ready = asyncio.Event()
            readies.append(ready)
            tasks.append(
                asyncio.create_task(client(url + ",".join(map(str, cards)), origin, cards, received, ready, stop))
            )
            if index % 50 == 49:
                await asyncio.sleep(0.05)
        await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in readies)), timeout=180)
        connected = time.perf_counter() - started
        # Every consumer counts its cards after joining their groups: wait until all have.
        from asgiref.sync import sync_to_async
        from django.core.cache import cache

        from cards.live import ANY_WATCH_KEY

        wanted = args.clients * args.cards_per_client
        while (await sync_to_async(cache.get)(ANY_WATCH_KEY) or 0) < wanted:
            await asyncio.sleep(0.2)
        subscribed = time.perf_counter() - started
        await asyncio.sleep(2)
        publish_started = time.perf_counter()
        thread = threading.Thread(target=publisher, args=(publish_started + args.seconds,))
        thread.start()
        while thread.is_alive():
            await asyncio.sleep(0.2)
        publish_elapsed = time.perf_counter() - publish_started
        await asyncio.sleep(5)  # drain
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        return received, connected, subscribed, publish_elapsed

    try:
        received, connected, subscribed, publish_elapsed = asyncio.run(run())
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()

    expected = sum(watchers.get(card_id, 0) for card_id, _ in published.values())
    latencies = []
    for card_id, sequence, at, _ in received:
        sent = published.get(sequence)
        if sent and sent[0] == card_id:
            latencies.append(at - sent[1])
    delivered = len(latencies)
    print(
        f"{args.clients} clients x {args.cards_per_client} cards from a pool of {args.pool}; "
        f"connected in {connected:.1f} s, all groups joined in {subscribed:.1f} s; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"published {len(published)} ticks in {publish_elapsed:.1f} s ({len(published) / publish_elapsed:.0f}/s); "
        f"expected deliveries {expected}, delivered {delivered} ({delivered / publish_elapsed:.0f}/s), "
        f"lost {expected - delivered}"
    )
    if os.environ.get("FANOUT_DEBUG"):
        by_second: dict[int, list[float]] = {}
        first = min(at for _, at in published.values())
        for _card_id, sequence, at, _ in received:
            sent = published.get(sequence)
            if sent:
                by_second.setdefault(int(sent[1] - first), []).append(at - sent[1])
        for second, values in sorted(by_second.items()):
            print(second, len(values), f"{percentile(values, 0.5) * 1000:.0f}", f"{max(values) * 1000:.0f}")
        per_client: dict[int, list[float]] = {}
        for _card_id, sequence, at, socket_id in received:
            sent = published.get(sequence)
            if sent:
                per_client.setdefault(socket_id, []).append(at - sent[1])
        slow = sorted(max(values) for values in per_client.values())
        print("clients with max latency > 1 s:", sum(1 for value in slow if value > 1), "of", len(slow))
    if latencies:
        print(
            f"publish-to-receive latency: p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms, "
            f"mean {statistics.mean(latencies) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
