"""Demo catalog: 1,923 REAL printings from seven sets (shipped in demo_data/), 180 days of generated prices.

The cards are Scryfall's own records (names, sets, collector numbers, rarities, finishes,
image addresses; demo_data/SOURCE.md says where they come from). Their prices are not real:
each finish gets a seeded random walk ending near a plausible price (staples such as
Lightning Bolt near what they trade for), labelled source "demo". Running it twice writes
nothing. History rows go in with one multi-row insert per batch (the fast path on SQLite);
today's price goes through cards.services like any import, which builds the current prices
and their 24 h / 7 d changes.

With SCRYFALL_BULK_URL set, the demo imports that bulk file instead (real cards, today's
real prices, no generated history), with a progress bar on a terminal.
"""

from __future__ import annotations

import gzip
import json
import math
import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from .enums import CatalogImportKind, Finish, PriceSource, Rarity
from .importers import ImportReport, scryfall_import
from .importers.download import local_copy
from .importers.freshness import scryfall_source
from .importers.progress import TerminalProgress
from .importers.scryfall import parse_card, start_of_day
from .models import Card, CardPrice, CatalogImport, PriceSnapshot
from .name_index import name_index_changed
from .services import PriceObservation, cards_upsert, price_snapshots_record, prices_imported

DATA_FILE = Path(__file__).parent / "demo_data" / "scryfall_demo_cards.json.gz"
CARD_LIMIT: int | None = None  # tests seed fewer cards (the staples always come)
HISTORY_DAYS = 180
INSERT_BATCH = 5000
# Nonfoil USD prices the staples end their generated history near (roughly what they trade for).
STAPLES = {
    "Lightning Bolt": 2.10,
    "Counterspell": 1.40,
    "Sol Ring": 2.40,
    "Llanowar Elves": 0.35,
    "Swords to Plowshares": 2.20,
}
BASE_PRICE = {
    Rarity.COMMON: (0.05, 0.60),
    Rarity.UNCOMMON: (0.10, 2.50),
    Rarity.RARE: (0.40, 35.0),
    Rarity.MYTHIC: (2.00, 90.0),
    Rarity.SPECIAL: (1.00, 20.0),
}


def demo_records() -> list[dict]:
    """The shipped Scryfall records (the staples first when CARD_LIMIT trims the list)."""
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as handle:
        records = json.load(handle)
    if CARD_LIMIT is None:
        return records
    staples = [record for record in records if record["name"] in STAPLES]
    others = [record for record in records if record["name"] not in STAPLES]
    return staples + others[: max(0, CARD_LIMIT - len(staples))]


def _price_spec(card) -> dict:
    rng = random.Random(uuid.UUID(card.scryfall_id).int)
    if card.name in STAPLES:
        target = STAPLES[card.name] * rng.uniform(0.85, 1.2)
    else:
        low, high = BASE_PRICE.get(card.rarity, BASE_PRICE[Rarity.COMMON])
        target = math.exp(rng.uniform(math.log(low), math.log(high)))
    return {"target": target, "drift": rng.gauss(0, 0.0025), "seed": rng.randrange(1 << 30)}


def _price_path(spec: dict, finish: str) -> list[Decimal]:
    """HISTORY_DAYS + 1 daily prices (oldest first): a seeded geometric walk ending at the target."""
    rng = random.Random(spec["seed"] * 7 + len(finish))
    multiplier = {"nonfoil": 1.0, "foil": 1.8 + rng.random() * 1.5, "etched": 2.5 + rng.random() * 2}[finish]
    steps = [spec["drift"] + rng.gauss(0, 0.03) for _ in range(HISTORY_DAYS)]
    price = spec["target"] * multiplier / math.exp(sum(steps))  # walk forward from here to the target
    path = [Decimal(f"{max(0.02, price):.2f}")]
    for step in steps:
        price *= math.exp(step)
        path.append(Decimal(f"{max(0.02, price):.2f}"))
    return path


def _insert_history(rows: list[tuple]) -> None:
    table = PriceSnapshot._meta.db_table
    columns = "card_id, finish, source, price, currency, captured_at"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)",  # noqa: S608 (constant names)
                rows[start : start + INSERT_BATCH],
            )


def seed(stdout=None) -> None:
    if settings.SCRYFALL_BULK_URL:
        seed_from_bulk(settings.SCRYFALL_BULK_URL, stdout)
    else:
        seed_demo_catalog(stdout)


def seed_from_bulk(url: str, stdout=None) -> ImportReport | None:
    """The full Scryfall bulk file (real cards and today's prices) instead of the shipped subset."""
    if CatalogImport.objects.filter(kind=CatalogImportKind.SCRYFALL, ok=True, started_at__gte=start_of_day()).exists():
        if stdout:
            stdout.write("cards: today's Scryfall bulk file is already imported, nothing to do")
        return None
    downloading, importing = TerminalProgress(stdout, "download"), TerminalProgress(stdout, "import")
    url, as_of, dated_by = scryfall_source(url)
    with local_copy(url, progress=downloading) as path:
        downloading.close()
        report = scryfall_import(
            path=path, as_of=as_of, dated_by=dated_by, source_name=url, publish=False, progress=importing
        )
        importing.close()
    if stdout:
        stdout.write(report.lines()[0])
    return report


def seed_demo_catalog(stdout=None) -> None:
    """The shipped real cards and their generated history; skipped if it is already there."""
    report = ImportReport(kind="demo")
    parsed = [parse_card(record, report, f"#{index}") for index, record in enumerate(demo_records(), start=1)]
    cards = [card for card, _ in filter(None, parsed)]
    if (
        Card.objects.filter(scryfall_id__in=[cards[0].scryfall_id, cards[-1].scryfall_id]).count() == 2
        and CardPrice.objects.filter(card__scryfall_id=cards[-1].scryfall_id).exists()
    ):
        if stdout:
            stdout.write("cards: demo catalog already present, nothing to do")
        return
    today = start_of_day(datetime.now(UTC))
    adapt, adapt_price = connection.ops.adapt_datetimefield_value, connection.ops.adapt_decimalfield_value
    demo_source = PriceSource.DEMO.value
    with transaction.atomic():
        card_ids = cards_upsert(records=cards).card_ids
        has_history = set(
            PriceSnapshot.objects.filter(card_id__in=card_ids.values(), source=PriceSource.DEMO)
            .values_list("card_id", flat=True)
            .distinct()
        )
        history, today_prices = [], []
        days = [adapt(today - timedelta(days=HISTORY_DAYS - day)) for day in range(HISTORY_DAYS)]
        for card in cards:
            card_id, spec = card_ids[card.scryfall_id], _price_spec(card)
            for finish in card.finishes:
                if finish not in Finish.values:
                    continue
                path = _price_path(spec, finish)
                if card_id not in has_history:
                    history += [
                        (card_id, finish, demo_source, adapt_price(price), "USD", days[day])
                        for day, price in enumerate(path[:-1])
                    ]
                today_prices.append(PriceObservation(card_id, finish, demo_source, path[-1], "USD", today))
        _insert_history(history)
        recorded = price_snapshots_record(observations=today_prices, publish=False)
    name_index_changed()
    prices_imported()
    if stdout:
        sets = len({card.set_code for card in cards})
        stdout.write(
            f"cards: {len(cards)} real cards from {sets} sets (demo_data/SOURCE.md) with GENERATED prices, "
            f"{len(history) + recorded.snapshots_created} price snapshots ({HISTORY_DAYS} days)"
        )
