"""Finder benchmark: 50,000 verified stores placed at real US ZIP centroids, 50 km searches.

Usage (a scratch database; it empties the stores tables):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bazaar_bench_stores REDIS_URL=redis://127.0.0.1:6379/4 \
        .venv/bin/python bench/stores_finder.py [--stores 50000] [--queries 1000]

Stores sit at random ZIP centroids from the offline `zipcodes` data (jittered by up to ~2 km),
so density follows where people live: a 50 km search from a city centre returns hundreds of
candidates, from the plains a handful. Queries start at random ZIP centroids too. Times
`stores.selectors.stores_near` (the service the page and the API call), with no filter, with
open_now (time zones computed per store) and with stocks=<card>, and prints p50/p95/p99 in ms.
"""

import argparse
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

TIMEZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
WEEK = {
    day: {"open": "10:00", "close": "21:00"}
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
}


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    mean = statistics.mean(ordered) * 1000
    return f"p50 {at(0.50):.1f} ms, p95 {at(0.95):.1f} ms, p99 {at(0.99):.1f} ms, mean {mean:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()

    import django

    django.setup()
    import zipcodes
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from cards.models import Card
    from stores.models import LGSProfile, StoreInventoryItem
    from stores.selectors import FinderFilters, stores_near

    call_command("migrate", verbosity=0)
    rng = random.Random(50_000)
    centroids = [
        (float(z["lat"]), float(z["long"]))
        for z in zipcodes.list_all()
        if z.get("lat") and z.get("long") and z["zip_code_type"] == "STANDARD" and -125 < float(z["long"]) < -66
    ]
    bench_stores = LGSProfile.objects.filter(user__username__startswith="bench_finder_")
    if bench_stores.count() != args.stores:
        with connection.cursor() as cursor:
            finder_users = "SELECT id FROM accounts_user WHERE username LIKE 'bench_finder_%%'"
            cursor.execute(f"DELETE FROM stores_storeinventoryitem WHERE store_id IN ({finder_users})")
            cursor.execute(f"DELETE FROM stores_storestatusevent WHERE store_id IN ({finder_users})")
            cursor.execute(f"DELETE FROM stores_lgsprofile WHERE user_id IN ({finder_users})")
            cursor.execute("DELETE FROM accounts_user WHERE username LIKE 'bench_finder_%%'")
        users = User.objects.bulk_create(
            [
                User(username=f"bench_finder_{n}", email=f"bench_finder_{n}@bazaar.test", password="!")
                for n in range(args.stores)
            ],
            batch_size=5000,
        )
        stores = []
        for user in users:
            lat, lng = rng.choice(centroids)
            stores.append(
                LGSProfile(
                    user=user,
                    store_name=f"Bench Store {user.pk}",
                    latitude=Decimal(f"{lat + rng.uniform(-0.02, 0.02):.6f}"),
                    longitude=Decimal(f"{lng + rng.uniform(-0.02, 0.02):.6f}"),
                    timezone=rng.choice(TIMEZONES),
                    hours=WEEK,
                    offers_buylist=rng.random() < 0.5,
                    status="verified",
                )
            )
        LGSProfile.objects.bulk_create(stores, batch_size=5000)
        card = Card.objects.order_by("pk").first()
        if card is not None:
            StoreInventoryItem.objects.bulk_create(
                [StoreInventoryItem(store=store, card=card, card_name=card.name, quantity=1) for store in stores[::10]],
                batch_size=5000,
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE stores_lgsprofile; ANALYZE stores_storeinventoryitem")
    card = Card.objects.order_by("pk").first()
    print(f"{bench_stores.count():,} stores; {args.queries} searches of 50 km from random ZIP centroids")
    for label, filters in [
        ("no filter", FinderFilters()),
        ("open now", FinderFilters(open_now=True)),
        ("stocks a card", FinderFilters(stocks=card.pk if card else None)),
    ]:
        samples, cpu, sizes = [], [], []
        for _ in range(args.queries):
            lat, lng = rng.choice(centroids)
            started, cpu_started = time.perf_counter(), time.process_time()
            found = stores_near(lat=lat, lng=lng, radius_km=50, filters=filters)
            samples.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            sizes.append(len(found))
        print(f"  {label}: wall {percentiles(samples)}")
        print(
            f"  {'':{len(label)}}  this process's CPU {percentiles(cpu)}; "
            f"results mean {statistics.mean(sizes):.1f}, max {max(sizes)}; load {os.getloadavg()[0]:.2f}"
        )


if __name__ == "__main__":
    main()
