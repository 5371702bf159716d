"""Matching: time, queries and model instances per `matches_for` call, today's code beside a reference.

Usage (PostgreSQL, a scratch database):
    createdb -h 127.0.0.1 -U postgres bazaar_bench_matching
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bazaar_bench_matching REDIS_URL=redis://127.0.0.1:6379/5
    .venv/bin/python manage.py migrate -v0
    .venv/bin/python bench/trades_matching.py --setup --traders 1000   # once
    .venv/bin/python bench/trades_matching.py --runs 15 [--reference path/to/older/matches.py]

Two lines for today's code: "computed" runs the whole matching on every call (what the first
request after a change pays), "cached" is `matches_for` as pages call it (the freshness query
and a cache read while nothing matching reads has changed; docs/decisions/0033). Each line
prints wall-clock percentiles, this process's CPU time per call and the load average.

The dataset is issue 10's: a trader with 200 haves and 200 wants, `--traders` traders within
30 km holding 30 haves and 30 wants each, over a 30,000-card catalog with current prices.
`--reference` loads another version of trades/selectors/matches.py (e.g. `git show
<rev>:trades/selectors/matches.py > /tmp/old.py`) and measures it on the same rows.
"""

import argparse
import importlib.util
import os
import random
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

CARDS = 30_000
ME = "bench_matcher"


def setup(traders: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from cards.models import Card, CardPrice
    from lists.models import HaveItem, WantItem

    rng = random.Random(7)
    with transaction.atomic():
        User.objects.filter(username__startswith="bench_").delete()
        if Card.objects.count() < CARDS:
            start = Card.objects.count()
            Card.objects.bulk_create(
                [
                    Card(
                        scryfall_id=uuid.uuid4(),
                        name=f"Bench Card {i}",
                        set_code="bch",
                        set_name="Bench",
                        collector_number=str(i),
                    )
                    for i in range(start, CARDS)
                ],
                batch_size=5000,
            )
        card_ids = list(Card.objects.values_list("pk", flat=True)[:CARDS])
        priced = set(CardPrice.objects.filter(finish="nonfoil").values_list("card_id", flat=True))
        now = timezone.now()
        CardPrice.objects.bulk_create(
            [
                CardPrice(
                    card_id=pk,
                    finish="nonfoil",
                    price=Decimal(rng.randint(10, 5000)) / 100,
                    currency="USD",
                    source="bench",
                    captured_at=now,
                )
                for pk in card_ids
                if pk not in priced
            ],
            batch_size=5000,
        )
        me = User.objects.create(
            username=ME, email=f"{ME}@bench.test", latitude=47.6062, longitude=-122.3321, trade_radius_km=30
        )
        # My lists concentrate on the first 2,000 cards, like a trader's format staples.
        popular = card_ids[:2000]
        HaveItem.objects.bulk_create([HaveItem(owner=me, card_id=pk, quantity=2) for pk in rng.sample(popular, 200)])
        WantItem.objects.bulk_create(
            [WantItem(owner=me, card_id=pk, quantity=1, condition="MP") for pk in rng.sample(popular, 200)]
        )
        others = User.objects.bulk_create(
            [
                User(
                    username=f"bench_{i:05}",
                    email=f"bench_{i:05}@bench.test",
                    latitude=47.6062 + rng.uniform(-0.2, 0.2),
                    longitude=-122.3321 + rng.uniform(-0.2, 0.2),
                    trade_radius_km=50,
                )
                for i in range(traders)
            ],
            batch_size=2000,
        )
        haves, wants = [], []
        for user in others:
            for pk in rng.sample(popular, 30):
                haves.append(HaveItem(owner=user, card_id=pk, quantity=rng.randint(1, 4)))
            for pk in rng.sample(popular, 30):
                wants.append(WantItem(owner=user, card_id=pk, quantity=rng.randint(1, 3), condition="LP"))
        HaveItem.objects.bulk_create(haves, batch_size=5000)
        WantItem.objects.bulk_create(wants, batch_size=5000)
    print(f"seeded {traders} traders with 30/30 items, {ME} with 200/200, {CARDS} cards")


def _profile(matches_for, me) -> tuple[int, int, int]:
    """(matches, queries, model instances) of one call."""
    from django.db import connection
    from django.db.models.signals import post_init
    from django.test.utils import CaptureQueriesContext

    instances = 0

    def count(**kwargs):
        nonlocal instances
        instances += 1

    post_init.connect(count, weak=False)
    try:
        with CaptureQueriesContext(connection) as queries:
            matches = matches_for(user=me, limit=20)
    finally:
        post_init.disconnect(count)
    return len(matches), len(queries), instances


def measure(versions: dict, runs: int) -> None:
    """Calls alternate between the versions, so that each sees the same machine load."""
    from accounts.models import User

    me = User.objects.get(username=ME)
    for matches_for in versions.values():  # warm-up; "cached" then reads what this stored
        matches_for(user=me, limit=20)
    profiles = {label: _profile(matches_for, me) for label, matches_for in versions.items()}
    times: dict[str, list[float]] = {label: [] for label in versions}
    cpu: dict[str, float] = dict.fromkeys(versions, 0.0)
    for _ in range(runs):
        for label, matches_for in versions.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            matches_for(user=me, limit=20)
            times[label].append((time.perf_counter() - started) * 1000)
            cpu[label] += time.process_time() - cpu_started
    for label, samples in times.items():
        samples.sort()
        matches, queries, instances = profiles[label]
        p90 = samples[max(0, int(len(samples) * 0.9) - 1)]
        p99 = samples[max(0, int(len(samples) * 0.99) - 1)]
        print(
            f"{label}: matches={matches} queries={queries} model_instances={instances} "
            f"p50={statistics.median(samples):.0f}ms p90={p90:.0f}ms p99={p99:.0f}ms "
            f"cpu={cpu[label] / runs * 1000:.0f}ms/call load={os.getloadavg()[0]:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--setup", action="store_true")
    parser.add_argument("--traders", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--reference", help="another matches.py to measure on the same rows")
    args = parser.parse_args()
    import django

    django.setup()
    if args.setup:
        setup(args.traders)
        return
    from trades.selectors.matches import _compute, matches_for

    versions = {}
    if args.reference:
        spec = importlib.util.spec_from_file_location("reference_matches", args.reference)
        module = importlib.util.module_from_spec(spec)
        sys.modules["reference_matches"] = module
        spec.loader.exec_module(module)
        versions["reference"] = module.matches_for
    versions["computed"] = _compute
    versions["cached"] = matches_for
    measure(versions, args.runs)


if __name__ == "__main__":
    main()
