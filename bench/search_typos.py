"""Search recall on one-edit typos, time per search and the name index's build time, on any database.

Usage:
    # PostgreSQL: the pages benchmark's catalog (bench/seed.py)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bazaar_bench_pages REDIS_URL=redis://127.0.0.1:6379/4 \
        .venv/bin/python bench/search_typos.py
    # SQLite (the embedded demo): a scratch file, 30,000 cards seeded on the first run
    DATABASE_URL=sqlite:////tmp/bazaar_bench_search.sqlite3 .venv/bin/python bench/search_typos.py --setup
    # either, with 30,000 names over ~20,000 distinct made-up words (a real catalog's vocabulary size)
    ... bench/search_typos.py --setup --vocabulary

Typos are bench/typos.py's (one drop, insert, substitution or swap at a letter) of names of
five or more letters; a hit is the name among the first 5 results. Prints recall per kind of
edit, the median and 95th-percentile time of `card_search_queryset(query)[:30]` with prices,
and how long building the in-memory index takes.
"""

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

SYLLABLES = [
    "ka",
    "lo",
    "mir",
    "then",
    "dra",
    "vos",
    "el",
    "qui",
    "zar",
    "ul",
    "bren",
    "sha",
    "tor",
    "ny",
    "gal",
    "ix",
    "ro",
    "fen",
    "ath",
    "mo",
    "sel",
    "cru",
    "va",
    "dun",
    "pi",
    "or",
    "wyn",
    "ex",
    "ha",
    "lum",
]


def made_up_names(count: int, rng: random.Random) -> list[str]:
    words = sorted(
        {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize() for _ in range(26_000)}
    )
    return [" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(count)]


def setup(vocabulary: bool) -> None:
    from django.core.management import call_command

    from cards.models import Card
    from cards.name_index import name_index_changed

    call_command("migrate", verbosity=0)
    Card.objects.all().delete()
    rng = random.Random(5)
    if vocabulary:
        names = made_up_names(30_000, rng)
    else:
        import cards_pages

        first, second, suffix = cards_pages.FIRST, cards_pages.SECOND, cards_pages.SUFFIX
        names = [
            f"{first[g % len(first)]} {second[(g // len(first)) % len(second)]}{suffix[(g // 7) % len(suffix)]}"
            for g in range(1, 30_001)
        ]
    Card.objects.bulk_create(
        [
            Card(scryfall_id=uuid.uuid4(), name=name, set_code=f"p{i % 60}", collector_number=str(i))
            for i, name in enumerate(names)
        ],
        batch_size=2000,
    )
    name_index_changed()
    print(f"seeded {len(names)} cards, {len(set(names))} distinct names")


def measure(typo_count: int) -> None:
    from django.db import connection
    from typos import KINDS, letter_count, one_edit

    from cards.models import Card
    from cards.name_index import NameIndex, forget_name_index, name_index
    from cards.selectors import card_search_queryset

    rng = random.Random(11)
    started = time.perf_counter()
    index = NameIndex(Card.objects.order_by().values_list("name", flat=True).distinct())
    build = time.perf_counter() - started
    forget_name_index()
    name_index()
    names = sorted({name for name in Card.objects.values_list("name", flat=True) if letter_count(name) >= 5})
    hits = {kind: [0, 0] for kind in KINDS}
    times, exact_first = [], 0
    for name in rng.sample(names, min(typo_count, len(names))):
        kind = rng.choice(KINDS)
        typo = one_edit(name, kind, rng)
        if not typo:
            continue
        started = time.perf_counter()
        rows = list(card_search_queryset(query=typo)[:30])
        times.append(time.perf_counter() - started)
        hits[kind][0] += name in [card.name for card in rows[:5]]
        hits[kind][1] += 1
        exact_first += [card.name for card in card_search_queryset(query=name)[:1]] == [name]
    found, total = sum(h for h, _ in hits.values()), sum(n for _, n in hits.values())
    times.sort()
    print(
        f"{connection.vendor}: {Card.objects.count()} cards, {len(index)} distinct words, index built in "
        f"{build * 1000:.0f} ms; recall@5 {found / total:.2%} ({found}/{total}; "
        + ", ".join(f"{kind} {h / n:.1%}" for kind, (h, n) in hits.items() if n)
        + f"); exact name first {exact_first}/{total}; search p50 {statistics.median(times) * 1000:.1f} ms "
        f"p95 {times[int(len(times) * 0.95)] * 1000:.1f} ms; load average {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--setup", action="store_true")
    parser.add_argument("--vocabulary", action="store_true", help="with --setup: ~20,000 distinct made-up words")
    parser.add_argument("--typos", type=int, default=500)
    args = parser.parse_args()
    import django

    django.setup()
    if args.setup:
        setup(args.vocabulary)
    measure(args.typos)


if __name__ == "__main__":
    main()
