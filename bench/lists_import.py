"""List import benchmark: 50,000-row Deckbox, Moxfield and ManaBox exports, parsed and matched.

Usage (PostgreSQL + Redis, a scratch database):
    createdb -h 127.0.0.1 -U postgres bazaar_imports_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bazaar_imports_bench REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python bench/lists_import.py [--rows 50000] [--cards 120000]

It (re)creates the schema with `migrate`, empties the catalog and the list tables, makes a
catalog of 120,000 printings in 300 sets whose collector numbers overlap (every set has
numbers 1…400, so `set IN (…) AND number IN (…)` would return most of the catalog per chunk),
writes one export per format into /tmp from the headers in docs/imports.md, and runs each
import in a fresh child process (so peak RSS is the import's own): `list_import_start`
(validate + store the upload) and then `list_import_parse` — the task's code path: stream,
parse, match 1,000 rows at a time, write the ListImportRow rows. Rows/s is rows / parse time.
"""

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lists.importers.export import MOXFIELD_HEADER  # noqa: E402 (after the path above; imports no Django model)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"

SETS = 300
FORMATS = ("deckbox", "moxfield", "manabox")
DECKBOX_HEADER = [
    "Count",
    "Tradelist Count",
    "Name",
    "Edition",
    "Edition Code",
    "Card Number",
    "Condition",
    "Language",
    "Foil",
    "Signed",
    "Artist Proof",
    "Altered Art",
    "Misprint",
    "Promo",
    "Textless",
    "Printing Id",
    "Printing Note",
    "Tags",
    "My Price",
]
MANABOX_HEADER = [
    "Binder Name",
    "Binder Type",
    "Name",
    "Set code",
    "Set name",
    "Collector number",
    "Foil",
    "Rarity",
    "Quantity",
    "ManaBox ID",
    "Scryfall ID",
    "Purchase price",
    "Misprint",
    "Altered",
    "Condition",
    "Language",
    "Purchase price currency",
]


def card_of(index: int) -> tuple[str, str, str, str, str]:
    set_number = index % SETS
    return (
        f"Bench Card {index}",
        f"b{set_number:03d}",
        f"Bench Set {set_number}",
        str(index // SETS + 1),
        str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-list-card-{index}")),
    )


def setup(cards: int, rows: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from cards.models import Card

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE lists_listimportrow, lists_listimport, lists_haveitem, lists_wantitem, cards_cardprice, "
            "cards_pricesnapshot, cards_card CASCADE"
        )
    batch = []
    for index in range(cards):
        name, code, set_name, number, scryfall_id = card_of(index)
        batch.append(
            Card(
                scryfall_id=scryfall_id,
                name=name,
                set_code=code,
                set_name=set_name,
                collector_number=number,
                finishes=["nonfoil", "foil"],
            )
        )
        if len(batch) == 10_000:
            Card.objects.bulk_create(batch)
            batch = []
    Card.objects.bulk_create(batch)
    random.seed(11)
    picks = [random.randrange(cards) for _ in range(rows)]
    for file_format in FORMATS:
        path = Path(f"/tmp/bench-lists-{file_format}-{rows // 1000}k.csv")
        with path.open("w", newline="") as out:
            writer = csv.writer(out, quoting=csv.QUOTE_ALL if file_format == "moxfield" else csv.QUOTE_MINIMAL)
            writer.writerow(
                {"deckbox": DECKBOX_HEADER, "moxfield": MOXFIELD_HEADER, "manabox": MANABOX_HEADER}[file_format]
            )
            for number, index in enumerate(picks):
                name, code, set_name, collector, scryfall_id = card_of(index)
                count = 1 + number % 4
                tradelist = 0 if number % 10 == 0 else count
                foil = "foil" if number % 5 == 0 else ""
                if file_format == "deckbox":
                    writer.writerow(
                        [count, tradelist, name, set_name, code.upper(), collector, "Near Mint", "English", foil]
                        + [""] * 9
                        + ["$0.25"]
                    )
                elif file_format == "moxfield":
                    writer.writerow(
                        [
                            count,
                            tradelist,
                            name,
                            code,
                            "Near Mint",
                            "English",
                            foil,
                            "",
                            "2024-05-01 10:00:00.000000",
                            collector,
                            "False",
                            "False",
                            "",
                        ]
                    )
                else:
                    binder = "deck" if number % 10 == 0 else "binder"
                    writer.writerow(
                        [
                            "Trade binder",
                            binder,
                            name,
                            code.upper(),
                            set_name,
                            collector,
                            foil or "normal",
                            "common",
                            count,
                            number,
                            scryfall_id,
                            "0.25",
                            "false",
                            "false",
                            "near_mint",
                            "en",
                            "USD",
                        ]
                    )
        print(f"setup: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    print(f"setup: {cards:,} cards in {SETS} sets")


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: ru_maxrss carries the parent's peak across fork + exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def backend_cpu_seconds() -> float:
    """CPU time of this connection's PostgreSQL backend (same machine: /proc/<pid>/stat)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")  # the database runs elsewhere
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def import_once(path: Path) -> None:
    """One import in this (fresh) process; prints one line of figures."""
    import django

    django.setup()
    from django.core.files import File

    from accounts.models import User
    from lists import tasks
    from lists.services.imports import list_import_parse, list_import_start

    tasks.parse_list_import.delay = lambda pk: None  # the bench runs the task's code itself, below
    user, _ = User.objects.get_or_create(username="bench_lists", defaults={"email": "bench_lists@bazaar.test"})
    started = time.perf_counter()
    with path.open("rb") as raw:
        list_import = list_import_start(owner=user, kind="have", uploaded_file=File(raw, name=path.name))
    stored = time.perf_counter()
    cpu_before, db_before = time.process_time(), backend_cpu_seconds()
    list_import_parse(list_import_id=list_import.pk)
    finished = time.perf_counter()
    cpu, db_cpu = time.process_time() - cpu_before, backend_cpu_seconds() - db_before
    list_import.refresh_from_db()
    rows = list_import.total_rows
    peak = peak_rss_mb()
    print(
        f"{path.name}: {list_import.format} {list_import.status}; {rows:,} rows; "
        f"check + store {stored - started:.1f} s; "
        f"parse + match + write rows {finished - stored:.1f} s = {rows / (finished - stored):,.0f} rows/s "
        f"(CPU: this process {cpu:.1f} s + its database backend {db_cpu:.1f} s = "
        f"{rows / (cpu + db_cpu):,.0f} rows per CPU-second); counts {list_import.counts}; peak RSS {peak:.0f} MB; "
        f"load {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--cards", type=int, default=120_000)
    parser.add_argument("--phase", choices=["all", "import"], default="all")
    parser.add_argument("--file", type=Path)
    args = parser.parse_args()
    if args.phase == "import":
        import_once(args.file)
        return
    setup(args.cards, args.rows)
    for file_format in FORMATS:
        path = Path(f"/tmp/bench-lists-{file_format}-{args.rows // 1000}k.csv")
        subprocess.run([sys.executable, __file__, "--phase", "import", "--file", str(path)], check=True)


if __name__ == "__main__":
    main()
