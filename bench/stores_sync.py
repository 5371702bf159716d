"""Inventory sync benchmark: a generated 100,000-row TCGplayer seller export, synced three times.

Usage (PostgreSQL + Redis, a scratch database):
    createdb -h 127.0.0.1 -U postgres bazaar_bench_stores
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bazaar_bench_stores REDIS_URL=redis://127.0.0.1:6379/4 \
        .venv/bin/python bench/stores_sync.py [--rows 100000]

It (re)creates the schema with `migrate`, empties the catalog and the stores tables, makes
100,000 cards in 40 sets (TCGplayer-style set names for half of them, so matching goes
through normalisation and the `(CODE)` alias path), writes the export once into /tmp, and runs
each sync in a fresh child process (so peak RSS is the sync's own): the code path of an
upload (`sync_run_start` + `sync_run_execute`: stream, parse, match, plan, write, zero).

Runs: 1 = empty store (100,000 created); 2 = the same file again (must write nothing: the
script compares every item row before and after); 3 = a changed file (10 % new quantities,
5 % rows gone: a full sync zeroes them).
"""

import argparse
import csv
import os
import resource
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"

SETS = 40
CONDITIONS = ["Near Mint", "Near Mint", "Lightly Played", "Near Mint Foil", "Moderately Played"]


def setup(rows: int, path: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from cards.models import Card
    from stores.demo import HEADER  # the TCGplayer seller export's header, as the demo writes it

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE stores_inventorysyncrun, stores_storeinventoryitem, cards_cardprice, cards_pricesnapshot, "
            "cards_card CASCADE"
        )
    cards = []
    for index in range(rows):
        set_number = index % SETS
        cards.append(
            Card(
                scryfall_id=uuid.uuid5(uuid.NAMESPACE_URL, f"bench-store-card-{index}"),
                name=f"Bench Card {index}",
                set_code=f"b{set_number:02d}",
                set_name=f"Bench Set {set_number}",
                collector_number=str(index // SETS + 1),
                finishes=["nonfoil", "foil"],
            )
        )
    Card.objects.bulk_create(cards, batch_size=5000)
    del cards
    with path.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADER)
        for index in range(rows):
            set_number = index % SETS
            # Half the sets spelled as TCGplayer does for core sets: "Bench Set 7 (B07)".
            set_name = f"Bench Set {set_number}" if set_number % 2 else f"Bench Set {set_number} (B{set_number:02d})"
            price = Decimal(index % 997) / 10 + Decimal("0.05")
            writer.writerow(
                [
                    9_000_000 + index,
                    "Magic",
                    set_name,
                    f"Bench Card {index}",
                    "",
                    str(index // SETS + 1),
                    "C",
                    CONDITIONS[index % len(CONDITIONS)],
                    price,
                    "",
                    "",
                    price,
                    1 + index % 7,
                    0,
                    price,
                    "",
                ]
            )
    print(f"setup: {rows:,} cards, {path} ({path.stat().st_size / 1e6:.1f} MB)")


def empty_store() -> None:
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE stores_inventorysyncrun, stores_storeinventoryitem")
    print("reusing the catalog and the file; the store's inventory emptied")


def changed_copy(source: Path, target: Path) -> None:
    with source.open(newline="") as inp, target.open("w", newline="") as out:
        reader, writer = csv.reader(inp), csv.writer(out, lineterminator="\r\n")
        writer.writerow(next(reader))
        for number, row in enumerate(reader):
            if number % 20 == 0:
                continue  # 5 % gone: zeroed by the full sync
            if number % 10 == 1:
                row[12] = str(int(row[12]) + 3)  # 10 % new quantities
            writer.writerow(row)


def _peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM: per address space; ru_maxrss would carry over the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _backend_cpu() -> float:
    """CPU seconds (user + system) of this connection's PostgreSQL backend (same machine: /proc)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _time_passes() -> dict[str, float]:
    """Wall time of the sync's two passes (wrapping the functions the sync service calls)."""
    from stores.services import syncs

    spent = {"plan_sync": 0.0, "write_plan": 0.0}
    for name in spent:
        original = getattr(syncs, name)

        def timed(*args, _original=original, _name=name, **kwargs):
            begun = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_name] += time.perf_counter() - begun

        setattr(syncs, name, timed)
    return spent


def sync_once(path: Path) -> None:
    """One sync in this (fresh) process; prints one line of figures."""
    import django

    django.setup()
    from django.core.files import File
    from django.db.models import Max

    from accounts.models import User
    from stores.enums import SyncSource
    from stores.models import LGSProfile, StoreInventoryItem
    from stores.services.syncs import sync_run_execute, sync_run_start

    user, _ = User.objects.get_or_create(username="bench_store", defaults={"email": "bench_store@bazaar.test"})
    store = LGSProfile.objects.filter(pk=user.pk).first() or LGSProfile.objects.create(
        user=user, store_name="Bench Store", latitude=Decimal("47.6"), longitude=Decimal("-122.3"), status="verified"
    )
    before = StoreInventoryItem.objects.filter(store=store).aggregate(Max("updated_at"))["updated_at__max"]
    phases = _time_passes()
    backend_before = _backend_cpu()
    started = time.perf_counter()
    with path.open("rb") as raw:
        run = sync_run_start(
            store=store,
            acting_user=user,
            provider="tcgplayer",
            mode="full",
            source=SyncSource.UPLOAD,
            uploaded_file=File(raw, name=path.name),
        )
    stored = time.perf_counter()
    cpu_before = time.process_time()
    run = sync_run_execute(run_id=run.pk)
    finished = time.perf_counter()
    cpu = time.process_time() - cpu_before
    backend_cpu = _backend_cpu() - backend_before
    after = StoreInventoryItem.objects.filter(store=store).aggregate(Max("updated_at"))["updated_at__max"]
    rows = run.rows_processed
    peak = _peak_rss_mb()
    print(
        f"{path.name}: {run.status}; {rows:,} rows; store the upload {stored - started:.1f} s, sync "
        f"{finished - stored:.1f} s = {rows / (finished - stored):,.0f} rows/s "
        f"(pass 1 read/match/plan {phases['plan_sync']:.1f} s, pass 2 write {phases['write_plan']:.1f} s) "
        f"(end to end {rows / (finished - started):,.0f} rows/s; this process's CPU {cpu:.1f} s, its PostgreSQL "
        f"backend's {backend_cpu:.1f} s: {rows / (cpu + backend_cpu):,.0f} rows per CPU-second); "
        f"counts {run.counts}; errors {run.error_count}, "
        f"unmatched {run.unmatched_count}; peak RSS {peak:.0f} MB; newest updated_at moved: {after != before}; "
        f"load {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--phase", choices=["all", "sync"], default="all")
    parser.add_argument("--file", type=Path, default=Path("/tmp/bench-tcgplayer-100k.csv"))
    parser.add_argument("--reuse", action="store_true", help="keep the catalog and file of an earlier run")
    args = parser.parse_args()
    if args.phase == "sync":
        sync_once(args.file)
        return
    if args.reuse and args.file.exists():
        empty_store()
    else:
        setup(args.rows, args.file)
    changed = args.file.with_name(args.file.stem + "-changed.csv")
    changed_copy(args.file, changed)
    for path in (args.file, args.file, changed):
        subprocess.run([sys.executable, __file__, "--phase", "sync", "--file", str(path)], check=True)


if __name__ == "__main__":
    main()
