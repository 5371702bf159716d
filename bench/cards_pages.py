"""Card search and card detail latency under load, as a ratio to a trivial Django view (same run).

Usage (PostgreSQL, a scratch database):
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bazaar_bench_pages REDIS_URL=redis://127.0.0.1:6379/4
    .venv/bin/python bench/cards_pages.py --setup          # 30,000 cards x 180 days (once, a few minutes)
    .venv/bin/python bench/cards_pages.py --seconds 60 --concurrency 16

The server is what production runs for HTTP: gunicorn, 2 sync workers, DEBUG off. The load
generator is a pool of keep-alive HTTP/1.1 clients (threads) on the same machine. Three
phases back to back in one run, same client count: the trivial view (/healthz, one SELECT 1),
a card search with a typo (/cards/?q=<word missing a letter>), a card page (/cards/<id>/,
30-day chart). Mixing them in one phase only measures the queue in front of 2 sync workers.
"""

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

FIRST = [
    "Ember",
    "Glimmer",
    "Hollow",
    "Iron",
    "Storm",
    "Ash",
    "Verdant",
    "Silent",
    "Gilded",
    "Sunken",
    "Wandering",
    "Crimson",
    "Frost",
    "Thorn",
    "Obsidian",
]
SECOND = [
    "Warden",
    "Drake",
    "Oracle",
    "Sentinel",
    "Revenant",
    "Familiar",
    "Colossus",
    "Herald",
    "Wurm",
    "Sprite",
    "Archivist",
    "Marauder",
    "Seer",
]
SUFFIX = ["", " of the Vale", " of Ash", " Reborn", " Ascendant", " of Tides", " Unbound", " Eternal"]
CARDS = 30_000
DAYS = 180


def setup() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cards_pricesnapshot, cards_cardprice, cards_card RESTART IDENTITY CASCADE")
        cursor.execute(
            """
            INSERT INTO cards_card (created_at, updated_at, scryfall_id, name, lang, set_code, set_name,
                                    collector_number, rarity, finishes, is_reserved, image_url)
            SELECT now(), now(), md5('bench-page-' || g)::uuid,
                   (%s::text[])[1 + g %% %s] || ' ' || (%s::text[])[1 + (g / %s) %% %s]
                       || (%s::text[])[1 + (g / 7) %% %s],
                   'en', 'p' || (g %% 60), 'Bench Set ' || (g %% 60), (g / 60 + 1)::text,
                   (ARRAY['common','uncommon','rare','mythic'])[1 + g %% 4],
                   CASE WHEN g %% 3 = 0 THEN '["nonfoil", "foil"]'::jsonb ELSE '["nonfoil"]'::jsonb END, false, ''
            FROM generate_series(1, %s) AS g
            """,
            [FIRST, len(FIRST), SECOND, len(FIRST), len(SECOND), SUFFIX, len(SUFFIX), CARDS],
        )
        print(f"cards: {time.perf_counter() - started:.0f} s")
        cursor.execute(
            """
            INSERT INTO cards_pricesnapshot (card_id, finish, source, price, currency, captured_at)
            SELECT c.id, f.finish, 'demo', round((5 + (c.id %% 97) + 3 * sin(d / 9.0 + c.id))::numeric, 2), 'USD',
                   date_trunc('day', now()) - make_interval(days => d)
            FROM cards_card c
            JOIN (VALUES ('nonfoil'), ('foil')) AS f(finish) ON c.finishes ? f.finish
            CROSS JOIN generate_series(0, %s) AS d
            """,
            [DAYS],
        )
        print(f"snapshots: {time.perf_counter() - started:.0f} s")
        cursor.execute(
            """
            INSERT INTO cards_cardprice (card_id, finish, price, currency, source, captured_at,
                                         price_24h_ago, price_7d_ago, change_24h_pct, change_7d_pct)
            SELECT now_.card_id, now_.finish, now_.price, 'USD', 'demo', now_.captured_at, day.price, week.price,
                   round((now_.price - day.price) * 100 / day.price, 2),
                   round((now_.price - week.price) * 100 / week.price, 2)
            FROM cards_pricesnapshot now_
            JOIN cards_pricesnapshot day ON day.card_id = now_.card_id AND day.finish = now_.finish
                 AND day.captured_at = now_.captured_at - interval '1 day'
            JOIN cards_pricesnapshot week ON week.card_id = now_.card_id AND week.finish = now_.finish
                 AND week.captured_at = now_.captured_at - interval '7 days'
            WHERE now_.captured_at = date_trunc('day', now())
            """
        )
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM cards_pricesnapshot")
        snapshots = cursor.fetchone()[0]
    print(f"{CARDS} cards, {snapshots} snapshots ({DAYS + 1} days) in {time.perf_counter() - started:.0f} s")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def run(seconds: float, concurrency: int, port: int) -> None:
    import django

    django.setup()
    from cards.models import Card

    card_ids = list(Card.objects.values_list("id", flat=True))
    names = list(Card.objects.values_list("name", flat=True).distinct()[:2000])

    def typo(name: str) -> str:
        word = random.choice(name.split())
        if len(word) > 4:
            position = random.randrange(1, len(word) - 1)
            word = word[:position] + word[position + 1 :]  # drop a letter
        return word.lower()

    env = dict(os.environ, DEBUG="false", ALLOWED_HOSTS="127.0.0.1,localhost")
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.3)

        latencies: dict[str, list[float]] = {"trivial": [], "search": [], "detail": []}
        errors = {"count": 0}
        lock = threading.Lock()
        phase_seconds = seconds / 3

        def path_for(kind: str) -> str:
            if kind == "trivial":
                return "/healthz"
            if kind == "search":
                return "/cards/?q=" + typo(random.choice(names)).replace(" ", "+")
            return f"/cards/{random.choice(card_ids)}/"

        def worker(kind: str, warm_until: float, stop_at: float):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            local: list[float] = []
            while time.perf_counter() < stop_at:
                path = path_for(kind)
                started = time.perf_counter()
                try:
                    connection.request("GET", path)
                    response = connection.getresponse()
                    response.read()
                    ok = response.status == 200
                except (OSError, http.client.HTTPException):
                    ok = False
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                if started > warm_until:
                    if ok:
                        local.append(time.perf_counter() - started)
                    else:
                        with lock:
                            errors["count"] += 1
            with lock:
                latencies[kind].extend(local)

        # One phase per view, back to back in the same run, each with the same client count.
        for kind in latencies:
            now = time.perf_counter()
            warm_until, stop_at = now + 2.0, now + 2.0 + phase_seconds
            threads = [threading.Thread(target=worker, args=(kind, warm_until, stop_at)) for _ in range(concurrency)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        server.terminate()
        server.wait(10)

    measured = seconds / 3
    base50, base99 = percentile(latencies["trivial"], 0.5), percentile(latencies["trivial"], 0.99)
    print(
        f"{concurrency} clients, {measured:.0f} s measured per view, errors {errors['count']}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'view':8} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'p50 x':>7} {'p99 x':>7} {'mean ms':>8}")
    for kind, values in latencies.items():
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        print(
            f"{kind:8} {len(values) / measured:7.1f} {p50 * 1000:8.1f} {p99 * 1000:8.1f} "
            f"{p50 / base50:7.1f} {p99 / base99:7.1f} {statistics.mean(values) * 1000:8.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--setup", action="store_true")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--port", type=int, default=8811)
    args = parser.parse_args()
    if args.setup:
        setup()
    else:
        run(args.seconds, args.concurrency, args.port)


if __name__ == "__main__":
    main()
