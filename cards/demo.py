"""Demo catalog: 2,000 GENERATED cards (not real Magic cards) in 8 made-up sets, 180 days of prices.

Everything here is generated and says so (set names end in "(generated)"). Names, sets and
price paths come from a fixed random seed, so running it twice gives the same catalog and
the second run writes nothing. History rows go in with one multi-row insert per batch (the
fast path on SQLite); today's price goes through cards.services like any import, which
builds the current prices and their 24 h / 7 d changes.
"""

from __future__ import annotations

import math
import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction

from .enums import Finish, PriceSource, Rarity
from .models import Card, CardPrice, PriceSnapshot
from .name_index import name_index_changed
from .services import PriceObservation, price_snapshots_record

NAMESPACE = uuid.UUID("6b1d7f0e-3c51-4c55-9f3a-8a0d2c1b7e42")
CARD_COUNT = 2000
HISTORY_DAYS = 180
INSERT_BATCH = 5000
SETS = [
    ("dmo", "Emberfall Reaches", "2026-05-01"),
    ("dmt", "Tidewrack Archive", "2026-02-06"),
    ("dmg", "Grovewild Accord", "2025-11-14"),
    ("dms", "Skyforge Pilgrims", "2025-08-01"),
    ("dmv", "Veilmarch Requiem", "2025-04-11"),
    ("dmr", "Runestone Remastered", "2024-12-06"),
    ("dmc", "Clockwork Bazaar", "2024-09-20"),
    ("dml", "Lanternfall Legends", "2024-06-07"),
]
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
    "Radiant",
    "Whispering",
    "Feral",
    "Arcane",
    "Shattered",
    "Tidal",
    "Ancient",
    "Brazen",
    "Dusk",
    "Lunar",
    "Molten",
    "Pale",
    "Restless",
    "Sable",
    "Vigilant",
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
    "Golem",
    "Phoenix",
    "Hierophant",
    "Corsair",
    "Druid",
    "Paladin",
    "Behemoth",
    "Trickster",
    "Shaman",
    "Knight",
    "Wyvern",
    "Alchemist",
]
SUFFIX = ["", "", "", " of the Vale", " of Ash", " Reborn", " Ascendant", " of Tides", " Unbound", " Eternal"]
RARITY_MIX = [(Rarity.COMMON, 0.45), (Rarity.UNCOMMON, 0.30), (Rarity.RARE, 0.19), (Rarity.MYTHIC, 0.06)]
BASE_PRICE = {
    Rarity.COMMON: (0.05, 0.60),
    Rarity.UNCOMMON: (0.10, 2.50),
    Rarity.RARE: (0.40, 35.0),
    Rarity.MYTHIC: (2.00, 140.0),
}


def _card_specs() -> list[dict]:
    rng = random.Random(20261125)
    specs = []
    for index in range(CARD_COUNT):
        set_code, set_name, released = SETS[index % len(SETS)]
        roll, rarity = rng.random(), Rarity.COMMON
        for candidate, share in RARITY_MIX:
            if roll < share:
                rarity = candidate
                break
            roll -= share
        name = f"{rng.choice(FIRST)} {rng.choice(SECOND)}{rng.choice(SUFFIX)}"
        finishes = [Finish.NONFOIL.value]
        if rarity in (Rarity.RARE, Rarity.MYTHIC) or rng.random() < 0.4:
            finishes.append(Finish.FOIL.value)
        if rarity in (Rarity.RARE, Rarity.MYTHIC) and rng.random() < 0.1:
            finishes.append(Finish.ETCHED.value)
        low, high = BASE_PRICE[rarity]
        base = math.exp(rng.uniform(math.log(low), math.log(high)))
        specs.append(
            {
                "scryfall_id": uuid.uuid5(NAMESPACE, f"card-{index}"),
                "name": name,
                "set_code": set_code,
                "set_name": f"{set_name} (generated)",
                "collector_number": str(index // len(SETS) + 1),
                "rarity": rarity.value,
                "finishes": finishes,
                "released_at": datetime.fromisoformat(released).date(),
                "base": base,
                "drift": rng.gauss(0, 0.0025),  # some cards trend up, some down
                "seed": rng.randrange(1 << 30),
            }
        )
    return specs


def _price_path(spec: dict, finish: str) -> list[Decimal]:
    """HISTORY_DAYS + 1 daily prices (oldest first): a seeded geometric random walk."""
    rng = random.Random(spec["seed"] * 7 + len(finish))
    multiplier = {"nonfoil": 1.0, "foil": 1.8 + rng.random() * 1.5, "etched": 2.5 + rng.random() * 2}[finish]
    price = spec["base"] * multiplier
    path = []
    gauss, drift = rng.gauss, spec["drift"]
    for _ in range(HISTORY_DAYS + 1):
        price *= math.exp(drift + gauss(0, 0.03))
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
    """Generated catalog and history; skipped if it is already there."""
    specs = _card_specs()
    ids = [spec["scryfall_id"] for spec in specs]
    if (
        Card.objects.filter(scryfall_id__in=[ids[0], ids[-1]]).count() == 2
        and CardPrice.objects.filter(card__scryfall_id=ids[-1]).exists()
    ):
        if stdout:
            stdout.write("cards: demo catalog already present (generated cards), nothing to do")
        return
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    adapt, demo_source = connection.ops.adapt_datetimefield_value, PriceSource.DEMO.value
    with transaction.atomic():
        existing = set(Card.objects.filter(scryfall_id__in=ids).values_list("scryfall_id", flat=True))
        Card.objects.bulk_create(
            [
                Card(
                    scryfall_id=spec["scryfall_id"],
                    name=spec["name"],
                    set_code=spec["set_code"],
                    set_name=spec["set_name"],
                    collector_number=spec["collector_number"],
                    rarity=spec["rarity"],
                    finishes=spec["finishes"],
                    released_at=spec["released_at"],
                )
                for spec in specs
                if spec["scryfall_id"] not in existing
            ],
            batch_size=500,
        )
        card_ids = dict(Card.objects.filter(scryfall_id__in=ids).values_list("scryfall_id", "id"))
        has_history = set(
            PriceSnapshot.objects.filter(card_id__in=card_ids.values(), source=PriceSource.DEMO)
            .values_list("card_id", flat=True)
            .distinct()
        )
        history, today_prices = [], []
        adapt_price = connection.ops.adapt_decimalfield_value
        days = [adapt(today - timedelta(days=HISTORY_DAYS - day)) for day in range(HISTORY_DAYS)]
        for spec in specs:
            card_id = card_ids[spec["scryfall_id"]]
            for finish in spec["finishes"]:
                path = _price_path(spec, finish)
                if card_id not in has_history:
                    history += [
                        (card_id, finish, demo_source, adapt_price(price), "USD", days[day])
                        for day, price in enumerate(path[:-1])
                    ]
                today_prices.append(PriceObservation(card_id, finish, PriceSource.DEMO.value, path[-1], "USD", today))
        _insert_history(history)
        recorded = price_snapshots_record(observations=today_prices, publish=False)
    name_index_changed()
    if stdout:
        stdout.write(
            f"cards: {len(specs)} GENERATED demo cards in {len(SETS)} made-up sets, "
            f"{len(history) + recorded.snapshots_created} price snapshots ({HISTORY_DAYS} days)"
        )
