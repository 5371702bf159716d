"""Import benchmark: a generated 100,000-card Scryfall `default_cards` file, imported three times.

Usage (PostgreSQL + Redis, a scratch database):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bazaar_bench_import REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python bench/cards_import.py [--cards 100000] [--file /tmp/default-cards-100k.json]

It (re)creates the schema with `migrate`, empties the cards tables, generates the file once
(cards modelled on the real fixture records, ~3 KB each, like Scryfall's), imports it through
the same code path as `manage.py import_scryfall` (live ticks on), then imports it again and
checks that nothing changed, then imports it as the next day's prices (the daily job's
path: 300,000 snapshots appended, every current price re-dated). Reports cards/s, peak
RSS (ru_maxrss of this process and of the forked parser process) and the 1-minute load average.
"""

import argparse
import copy
import json
import os
import resource
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def generate(path: Path, count: int) -> None:
    template = json.loads((ROOT / "cards/tests/fixtures/scryfall_default_cards.json").read_text())
    sets = [(f"b{n:02d}", f"Bench Set {n}") for n in range(40)]
    rarities = ["common", "common", "uncommon", "rare", "mythic"]
    with path.open("w") as out:
        out.write("[\n")
        for index in range(count):
            card = copy.deepcopy(template[index % 4])
            card_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-card-{index}"))
            set_code, set_name = sets[index % len(sets)]
            card.update(
                id=card_id,
                oracle_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-oracle-{index // 3}")),
                name=f"Bench Card {index // 3} {card['name']}",
                set=set_code,
                set_name=set_name,
                collector_number=str(index // len(sets) + 1),
                rarity=rarities[index % len(rarities)],
                tcgplayer_id=100000 + index,
                finishes=["nonfoil", "foil"],
                prices={
                    "usd": f"{(index % 997) / 10 + 0.05:.2f}",
                    "usd_foil": f"{(index % 991) / 5 + 0.10:.2f}",
                    "usd_etched": None,
                    "eur": f"{(index % 983) / 10 + 0.04:.2f}",
                    "eur_foil": None,
                    "tix": "0.02",
                },
            )
            out.write(json.dumps(card))
            out.write(",\n" if index < count - 1 else "\n")
        out.write("]\n")


def _cpu_seconds() -> tuple[float, float]:
    """User + system CPU seconds of this process (the writer) and of its finished children (the parser)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--file", default="/tmp/default-cards-100k.json")
    args = parser.parse_args()
    path = Path(args.file)
    if not path.exists():
        started = time.perf_counter()
        generate(path, args.cards)
        print(
            f"generated {args.cards} cards, {path.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - started:.1f} s"
        )

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE cards_pricesnapshot, cards_cardprice, cards_card, cards_catalogimport RESTART IDENTITY CASCADE"
        )

    from cards.importers import scryfall_import
    from cards.models import Card, CardPrice, PriceSnapshot

    def state():
        return (
            Card.objects.count(),
            PriceSnapshot.objects.count(),
            CardPrice.objects.count(),
            str(Card.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()),
        )

    from datetime import timedelta

    from cards.importers.scryfall import start_of_day

    today = start_of_day()
    results = []
    # 1: empty catalog; 2: the same file again the same day (must change nothing);
    # 3: the same file the next day (the daily job: every price observed again).
    for run, as_of in ((1, today), (2, today), (3, today + timedelta(days=1))):
        started = time.perf_counter()
        cpu_before = _cpu_seconds()
        report = scryfall_import(path=path, as_of=as_of)
        elapsed = time.perf_counter() - started
        cpu = [after - before for after, before in zip(_cpu_seconds(), cpu_before, strict=True)]
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        parser_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        results.append(state())
        print(
            f"run {run}: {report.records_seen} records in {elapsed:.1f} s = "
            f"{report.records_seen / elapsed:,.0f} cards/s; "
            f"created {report.cards_created}, updated {report.cards_updated}, unchanged {report.cards_unchanged}, "
            f"snapshots {report.snapshots_created}, prices changed {report.prices_changed}; "
            f"peak RSS {peak_mb:.0f} MB (parser process {parser_peak_mb:.0f} MB); "
            f"CPU writer {cpu[0]:.1f} s, parser {cpu[1]:.1f} s; "
            f"load average {os.getloadavg()[0]:.2f}"
        )
    print("second import changed nothing:", results[0] == results[1], results[1])
    print("after the next day's import:", results[2])
    time.sleep(1)  # let the tick publisher drain before exit


if __name__ == "__main__":
    main()
