"""Writes to the card catalog and market prices. Importers, the demo feed and tests all come here.

One path records prices: `price_snapshots_record`. It appends snapshots (an observation
already recorded is ignored, so re-imports change nothing), moves the current price
(`CardPrice`) forward when a newer market-source USD observation arrives, precomputes the
24 h / 7 d changes that movers sort on, and after commit publishes live ticks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.core.cache import cache
from django.db import transaction

from core.money import quantize_money

from . import bulk
from .enums import MARKET_SOURCES, Finish, Rarity
from .live import PriceTick, publish_price_ticks
from .models import Card, CardPrice, PriceSnapshot
from .selectors import PRICES_VERSION_KEY

# "24 h ago" is the latest market price at or before captured_at - 23 h: daily feeds arrive a
# few minutes early or late, and a strict 24 h cut would compare against the day before.
REFERENCE_24H = timedelta(hours=23)
REFERENCE_7D = timedelta(days=7) - timedelta(hours=1)
# A reference older than this before its cut-off is too stale to call a "change".
REFERENCE_LOOKBACK = timedelta(days=3)
MARKET_CURRENCY = "USD"
BATCH_SIZE = 2000
CARD_FIELDS = (
    "oracle_id",
    "name",
    "lang",
    "set_code",
    "set_name",
    "collector_number",
    "rarity",
    "finishes",
    "tcgplayer_id",
    "image_url",
    "is_reserved",
    "released_at",
    "layout",
    "digital_only",
    "tradable",
)
_MARKET_SOURCE_VALUES = frozenset(source.value for source in MARKET_SOURCES)
_FINISH_VALUES = frozenset(Finish.values)
_RARITY_VALUES = frozenset(Rarity.values)


class PriceObservation(NamedTuple):
    """One price seen for one finish of a card, from one source, at one moment (a tuple: imports make millions)."""

    card_id: int
    finish: str
    source: str
    price: Decimal
    currency: str
    captured_at: datetime

    @property
    def key(self) -> tuple:
        return (self.card_id, self.finish, self.source, self.currency, self.captured_at)


@dataclass
class PriceRecordResult:
    snapshots_created: int = 0
    prices_changed: int = 0
    ticks: list[PriceTick] = field(default_factory=list)


@dataclass
class CardData:
    """A validated card record from an importer, ready to upsert."""

    scryfall_id: str
    oracle_id: str | None
    name: str
    lang: str
    set_code: str
    set_name: str
    collector_number: str
    rarity: str
    finishes: list[str]
    tcgplayer_id: int | None
    image_url: str
    is_reserved: bool
    released_at: date | None
    layout: str = "normal"
    digital_only: bool = False
    tradable: bool = True


@dataclass
class CardUpsertResult:
    card_ids: dict[str, int]  # scryfall_id (lower-case str) → Card.pk
    created_ids: frozenset[int] = frozenset()
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_newer: int = 0  # stored cards not overwritten by an older file


def _change_pct(price: Decimal, reference: Decimal | None) -> Decimal | None:
    if reference is None or reference <= 0:
        return None
    return ((price - reference) * 100 / reference).quantize(Decimal("0.01"))


def _reference_prices(keys: set[tuple[int, str]], cutoffs: dict[tuple[int, str], datetime]) -> dict:
    """Latest market USD price at or before each key's cut-off (within REFERENCE_LOOKBACK): one query."""
    if not keys:
        return {}
    earliest = min(cutoffs.values()) - REFERENCE_LOOKBACK
    latest = max(cutoffs.values())
    rows = (
        PriceSnapshot.objects.filter(
            card_id__in={card_id for card_id, _ in keys},
            currency=MARKET_CURRENCY,
            source__in=_MARKET_SOURCE_VALUES,
            captured_at__gte=earliest,
            captured_at__lte=latest,
        )
        .order_by("captured_at")
        .values_list("card_id", "finish", "captured_at", "price")
    )
    found: dict[tuple[int, str], Decimal] = {}
    for card_id, finish, captured_at, price in rows:
        key = (card_id, finish)
        cutoff = cutoffs.get(key)
        if cutoff is not None and cutoff - REFERENCE_LOOKBACK <= captured_at <= cutoff:
            found[key] = price  # ascending order: the last one kept is the latest before the cut-off
    return found


@transaction.atomic
def price_snapshots_record(
    *, observations: Sequence[PriceObservation], publish: bool = True, new_card_ids: frozenset[int] = frozenset()
) -> PriceRecordResult:
    """Record observed prices; move current prices forward; publish ticks after commit.

    Idempotent: an observation with the same (card, finish, source, currency, captured_at)
    as a stored snapshot is skipped, so importing the same file twice changes nothing.
    Only market sources in USD move `CardPrice`, and only forward in time: an older
    observation arriving late is history, not the current price. `new_card_ids` are cards
    created in the caller's transaction: they have no history yet, so nothing is looked up.
    """
    result = PriceRecordResult()
    unique: dict[tuple, PriceObservation] = {}
    for observation in observations:
        unique[observation.key] = observation
    if not unique:
        return result
    card_ids = {observation.card_id for observation in unique.values()} - new_card_ids
    moments = {observation.captured_at for observation in unique.values()}
    existing = set()
    if card_ids:
        existing = set(
            PriceSnapshot.objects.filter(card_id__in=card_ids, captured_at__in=moments).values_list(
                "card_id", "finish", "source", "currency", "captured_at"
            )
        )
    fresh = [observation for key, observation in unique.items() if key not in existing]
    if not fresh:
        return result
    rows, new_card_rows = [], []  # the caller's new cards cannot have snapshots: they skip the conflict check
    for observation in fresh:
        (new_card_rows if observation.card_id in new_card_ids else rows).append(
            (
                observation.card_id,
                observation.finish,
                observation.source,
                observation.price,
                observation.currency,
                observation.captured_at,
            )
        )
    bulk.snapshots_insert(new_card_rows, new_cards=True)
    bulk.snapshots_insert(rows)
    result.snapshots_created = len(fresh)

    newest: dict[tuple[int, str], PriceObservation] = {}
    for observation in fresh:
        if observation.source in _MARKET_SOURCE_VALUES and observation.currency == MARKET_CURRENCY:
            key = (observation.card_id, observation.finish)
            if key not in newest or observation.captured_at > newest[key].captured_at:
                newest[key] = observation
    if not newest:
        return result
    _current_prices_advance(newest, result, new_card_ids)
    if publish and result.ticks:
        ticks = list(result.ticks)
        transaction.on_commit(lambda: publish_price_ticks(ticks))
    return result


def _current_prices_advance(
    newest: dict[tuple[int, str], PriceObservation], result: PriceRecordResult, new_card_ids: frozenset[int]
) -> None:
    known_cards = {card_id for card_id, _ in newest} - new_card_ids
    current = {}
    if known_cards:
        current = {
            (card_id, finish): (price, captured_at)
            for card_id, finish, price, captured_at in CardPrice.objects.select_for_update()
            .filter(card_id__in=known_cards)
            .order_by("card_id", "finish")
            .values_list("card_id", "finish", "price", "captured_at")
        }
    moving = {
        key: observation
        for key, observation in newest.items()
        if key not in current or observation.captured_at > current[key][1]
    }
    if not moving:
        return
    with_history = {key for key in moving if key[0] not in new_card_ids}
    references_24h = _reference_prices(
        with_history, {key: moving[key].captured_at - REFERENCE_24H for key in with_history}
    )
    references_7d = _reference_prices(
        with_history, {key: moving[key].captured_at - REFERENCE_7D for key in with_history}
    )
    rows, new_card_rows = [], []  # the caller's new cards have no current price: they skip the conflict check
    for key, observation in sorted(moving.items()):
        price = quantize_money(observation.price)
        reference_24h, reference_7d = references_24h.get(key), references_7d.get(key)
        (new_card_rows if key[0] in new_card_ids else rows).append(
            (
                key[0],
                key[1],
                price,
                observation.currency,
                observation.source,
                observation.captured_at,
                reference_24h,
                reference_7d,
                _change_pct(price, reference_24h),
                _change_pct(price, reference_7d),
            )
        )
        row = current.get(key)
        previous = row[0] if row else None
        if row is None:
            result.ticks.append(PriceTick(key[0], key[1], price, observation.currency, "", observation.source))
            result.prices_changed += 1
        elif price != previous:
            result.prices_changed += 1
            result.ticks.append(
                PriceTick(
                    key[0],
                    key[1],
                    price,
                    observation.currency,
                    "up" if price > previous else "down",
                    observation.source,
                )
            )
    bulk.current_prices_upsert(new_card_rows, new_cards=True)
    bulk.current_prices_upsert(rows)


def price_snapshot_record(
    *, card_id: int, finish: str, source: str, price: Decimal, currency: str, captured_at: datetime
) -> PriceRecordResult:
    """Record one observed price (see price_snapshots_record)."""
    return price_snapshots_record(
        observations=[PriceObservation(card_id, finish, source, price, currency, captured_at)]
    )


@transaction.atomic
def cards_upsert(*, records: Iterable[CardData], update_existing: bool = True) -> CardUpsertResult:
    """Create new printings and update changed ones by Scryfall id; untouched rows are not written.

    Comparing before writing is what makes a re-import of the same file change nothing
    (not even `updated_at`). `update_existing=False` (a file older than the catalog, see
    cards.importers.freshness): stored cards keep their fields and count as `kept_newer`;
    only printings the catalog lacks are created.
    """
    by_id = {record.scryfall_id: record for record in records}
    existing = {str(row[1]): row for row in bulk.cards_existing(list(by_id), CARD_FIELDS)}
    result = CardUpsertResult(card_ids={})
    to_create, to_update = [], []
    for scryfall_id, record in by_id.items():
        values = {name: getattr(record, name) for name in CARD_FIELDS}
        row = existing.get(scryfall_id)
        if row is None:
            to_create.append({"scryfall_id": scryfall_id, **values})
            continue
        result.card_ids[scryfall_id] = row[0]
        if not update_existing:
            result.kept_newer += 1
            continue
        stored = dict(zip(CARD_FIELDS, row[2:], strict=True))
        stored["oracle_id"] = str(stored["oracle_id"]) if stored["oracle_id"] else None
        if stored != values:
            to_update.append((row[0], {"scryfall_id": scryfall_id, **values}))
        else:
            result.unchanged += 1
    created = bulk.cards_write(create=to_create, update=to_update, fields=CARD_FIELDS, now=_now())
    result.card_ids.update(created)
    result.created_ids = frozenset(created.values())
    result.created, result.updated = len(to_create), len(to_update)
    return result


@transaction.atomic
def cards_link_mtgjson(*, links: dict[int, str]) -> int:
    """Remember MTGJSON uuids for cards (card pk → uuid), so later price files match without identifiers."""
    cards = list(Card.objects.filter(pk__in=list(links)).only("id", "mtgjson_uuid"))
    changed = []
    for card in cards:
        uuid_value = links[card.pk]
        if str(card.mtgjson_uuid or "") != uuid_value:
            card.mtgjson_uuid = uuid_value
            changed.append(card)
    if changed:
        # The uuid is unique: free it from any other card first (MTGJSON re-pointed it).
        Card.objects.filter(mtgjson_uuid__in=[card.mtgjson_uuid for card in changed]).exclude(
            pk__in=[card.pk for card in changed]
        ).update(mtgjson_uuid=None)
        Card.objects.bulk_update(changed, ["mtgjson_uuid"], batch_size=BATCH_SIZE)
    return len(changed)


def _now() -> datetime:
    from django.utils import timezone

    return timezone.now()


def normalise_finish(value: str) -> str | None:
    """Scryfall says nonfoil/foil/etched; MTGJSON says normal/foil/etched."""
    value = (value or "").lower()
    if value == "normal":
        return Finish.NONFOIL.value
    return value if value in _FINISH_VALUES else None


def normalise_rarity(value: str) -> str | None:
    value = (value or "").lower()
    return value if value in _RARITY_VALUES else None


def prices_imported() -> None:
    """A price import finished: figures cached until the next one (list totals) are recomputed.

    Live ticks do not call this; pages that show a cached figure update it from the ticks.
    """
    cache.set(PRICES_VERSION_KEY, uuid.uuid4().hex, None)
