"""Buylist recompute benchmark: a store with 50,000 SKUs, local demand from 300 opted-in traders.

Usage (after bench/stores_sync.py made the 100,000-card catalog in the scratch database):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bazaar_storesperf_bench REDIS_URL=redis://127.0.0.1:6379/12 \
        .venv/bin/python bench/stores_buylist.py [--skus 50000] [--runs 2]

Setup (once; kept for bench/stores_pages.py): market prices (nonfoil and foil) for the first
50,000 catalog cards, the store `bench_buylist` in Seattle with one SKU of each (quantity 1-7,
so every card is below the default max of 8 and on the buylist), and 300 traders within its
radius who share their lists with stores (`match_with_stores`), each with 40 wants (a quarter
any-printing) among 2,000 of those cards and 40 haves among all of them. Then
`buylist_recompute` (the service behind the dashboard's save, the debounced list-change task
and the nightly job) runs `--runs` times; each line gives wall time, this process's CPU and
its PostgreSQL backend's CPU.
"""

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

STORE = "bench_buylist"
TRADERS = 300
LINES = 40
SEATTLE = (Decimal("47.610000"), Decimal("-122.330000"))


def setup(skus: int) -> None:
    from django.db import connection

    from accounts.models import User
    from cards.models import Card, CardPrice
    from lists.models import HaveItem, WantItem
    from stores.models import BuylistRules, LGSProfile, StoreInventoryItem

    if LGSProfile.objects.filter(user__username=STORE).exists():
        return
    cards = list(Card.objects.order_by("pk").values_list("pk", "name")[:skus])
    if len(cards) < skus:
        raise SystemExit("run bench/stores_sync.py first (it makes the 100,000-card catalog)")
    now = datetime.now(UTC)
    priced = set(CardPrice.objects.filter(card_id__in=[pk for pk, _ in cards]).values_list("card_id", flat=True))
    CardPrice.objects.bulk_create(
        [
            CardPrice(
                card_id=pk,
                finish=finish,
                price=Decimal(index % 400) / 4 + Decimal("0.25") + (Decimal(2) if finish == "foil" else 0),
                currency="USD",
                source="scryfall",
                captured_at=now,
                change_7d_pct=Decimal(index % 21 - 10),
            )
            for index, (pk, _) in enumerate(cards)
            if pk not in priced
            for finish in ("nonfoil", "foil")
        ],
        batch_size=5000,
    )
    owner = User.objects.create(username=STORE, email=f"{STORE}@bazaar.test", account_type="business")
    store = LGSProfile.objects.create(
        user=owner,
        store_name="Bench Buylist Games",
        store_city="Seattle",
        store_state="WA",
        latitude=SEATTLE[0],
        longitude=SEATTLE[1],
        status="verified",
        offers_buylist=True,
        trade_in_bonus_pct=Decimal("25"),
    )
    BuylistRules.objects.create(store=store)
    StoreInventoryItem.objects.bulk_create(
        [
            StoreInventoryItem(
                store=store, card_id=pk, card_name=name, quantity=1 + index % 7, price=Decimal("1.00"), feed_price=None
            )
            for index, (pk, name) in enumerate(cards)
        ],
        batch_size=5000,
    )
    rng = random.Random(16)
    traders = User.objects.bulk_create(
        [
            User(
                username=f"bench_local_{n}",
                email=f"bench_local_{n}@bazaar.test",
                password="!",
                latitude=SEATTLE[0] + Decimal(f"{rng.uniform(-0.2, 0.2):.6f}"),
                longitude=SEATTLE[1] + Decimal(f"{rng.uniform(-0.2, 0.2):.6f}"),
                match_with_stores=True,
            )
            for n in range(TRADERS)
        ]
    )
    ids = [pk for pk, _ in cards]
    wants, haves = [], []
    for trader in traders:  # wants among 2,000 popular cards (~6 wanters each: demand counts), haves anywhere
        for index, pk in enumerate(rng.sample(ids[:2000], LINES)):
            wants.append(WantItem(owner=trader, card_id=pk, quantity=1 + index % 3, any_printing=index % 4 == 0))
        for index, pk in enumerate(rng.sample(ids, LINES)):
            haves.append(HaveItem(owner=trader, card_id=pk, quantity=1 + index % 2, condition="NM"))
    WantItem.objects.bulk_create(wants, batch_size=5000)
    HaveItem.objects.bulk_create(haves, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"setup: {skus:,} SKUs, {TRADERS} traders with {LINES} wants and {LINES} haves each")


def backend_cpu() -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skus", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command

    from stores.models import BuylistEntry, LGSProfile
    from stores.services.buylist import buylist_recompute

    call_command("migrate", verbosity=0)
    setup(args.skus)
    store = LGSProfile.objects.get(user__username=STORE)
    skus = store.inventory_items.count()
    for run in range(1, args.runs + 1):
        started, cpu, backend = time.perf_counter(), time.process_time(), backend_cpu()
        rows = buylist_recompute(store_id=store.pk)
        wall = time.perf_counter() - started
        cpu, backend = time.process_time() - cpu, backend_cpu() - backend
        demand = BuylistEntry.objects.filter(store=store).exclude(breakdown__local_demand="none").count()
        print(
            f"run {run}: {skus:,} SKUs -> {rows:,} buylist rows ({demand:,} with local demand) in {wall:.1f} s; "
            f"this process's CPU {cpu:.1f} s, its PostgreSQL backend's {backend:.1f} s; "
            f"load {os.getloadavg()[0]:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
