"""Writes to the card catalog and market prices. Importers, the demo feed and tests all come here.

One path records prices: `price_snapshots_record`. It appends snapshots (an observation
already recorded is ignored, so re-imports change nothing), moves the current price
(`CardPrice`) forward when a newer market-source USD observation arrives, precomputes the
24 h / 7 d changes that movers sort on, and after commit publishes live ticks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction

from core.money import quantize_money

from .enums import MARKET_SOURCES, Finish, Rarity
from .models import Card, CardPrice, PriceSnapshot

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
)
_MARKET_SOURCE_VALUES = frozenset(source.value for source in MARKET_SOURCES)


@dataclass(frozen=True)
class PriceObservation:
    """One price seen for one finish of a card, from one source, at one moment."""

    card_id: int
    finish: str
    source: str
    price: Decimal
    currency: str
    captured_at: datetime

    @property
    def key(self) -> tuple:
        return (self.card_id, self.finish, self.source, self.currency, self.captured_at)


@dataclass(frozen=True)
class PriceTick:
    """A current price that changed: what the live price socket pushes to pages."""

    card_id: int
    finish: str
    price: Decimal
    currency: str
    direction: str  # "up", "down" or "" (first price)


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


@dataclass
class CardUpsertResult:
    card_ids: dict[str, int]  # scryfall_id (lower-case str) → Card.pk
    created: int = 0
    updated: int = 0
    unchanged: int = 0


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
def price_snapshots_record(*, observations: Sequence[PriceObservation], publish: bool = True) -> PriceRecordResult:
    """Record observed prices; move current prices forward; publish ticks after commit.

    Idempotent: an observation with the same (card, finish, source, currency, captured_at)
    as a stored snapshot is skipped, so importing the same file twice changes nothing.
    Only market sources in USD move `CardPrice`, and only forward in time: an older
    observation arriving late is history, not the current price.
    """
    result = PriceRecordResult()
    unique: dict[tuple, PriceObservation] = {}
    for observation in observations:
        unique[observation.key] = observation
    if not unique:
        return result
    card_ids = {observation.card_id for observation in unique.values()}
    moments = {observation.captured_at for observation in unique.values()}
    existing = set(
        PriceSnapshot.objects.filter(card_id__in=card_ids, captured_at__in=moments).values_list(
            "card_id", "finish", "source", "currency", "captured_at"
        )
    )
    fresh = [observation for key, observation in unique.items() if key not in existing]
    if not fresh:
        return result
    PriceSnapshot.objects.bulk_create(
        [
            PriceSnapshot(
                card_id=observation.card_id,
                finish=observation.finish,
                source=observation.source,
                price=observation.price,
                currency=observation.currency,
                captured_at=observation.captured_at,
            )
            for observation in fresh
        ],
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )
    result.snapshots_created = len(fresh)

    newest: dict[tuple[int, str], PriceObservation] = {}
    for observation in fresh:
        if observation.source in _MARKET_SOURCE_VALUES and observation.currency == MARKET_CURRENCY:
            key = (observation.card_id, observation.finish)
            if key not in newest or observation.captured_at > newest[key].captured_at:
                newest[key] = observation
    if not newest:
        return result
    _current_prices_advance(newest, result)
    if publish and result.ticks:
        from .live import publish_price_ticks

        ticks = list(result.ticks)
        transaction.on_commit(lambda: publish_price_ticks(ticks))
    return result


def _current_prices_advance(newest: dict[tuple[int, str], PriceObservation], result: PriceRecordResult) -> None:
    current = {
        (price.card_id, price.finish): price
        for price in CardPrice.objects.select_for_update()
        .filter(card_id__in={card_id for card_id, _ in newest})
        .order_by("card_id", "finish")
    }
    moving = {
        key: observation
        for key, observation in newest.items()
        if key not in current or observation.captured_at > current[key].captured_at
    }
    if not moving:
        return
    references_24h = _reference_prices(
        set(moving), {key: observation.captured_at - REFERENCE_24H for key, observation in moving.items()}
    )
    references_7d = _reference_prices(
        set(moving), {key: observation.captured_at - REFERENCE_7D for key, observation in moving.items()}
    )
    to_create, to_update = [], []
    for key, observation in sorted(moving.items()):
        price = quantize_money(observation.price)
        reference_24h, reference_7d = references_24h.get(key), references_7d.get(key)
        values = {
            "price": price,
            "currency": observation.currency,
            "source": observation.source,
            "captured_at": observation.captured_at,
            "price_24h_ago": reference_24h,
            "price_7d_ago": reference_7d,
            "change_24h_pct": _change_pct(price, reference_24h),
            "change_7d_pct": _change_pct(price, reference_7d),
        }
        row = current.get(key)
        if row is None:
            to_create.append(CardPrice(card_id=key[0], finish=key[1], **values))
            result.ticks.append(PriceTick(key[0], key[1], price, observation.currency, ""))
            result.prices_changed += 1
            continue
        previous = row.price
        for name, value in values.items():
            setattr(row, name, value)
        to_update.append(row)
        if price != previous:
            result.prices_changed += 1
            result.ticks.append(
                PriceTick(key[0], key[1], price, observation.currency, "up" if price > previous else "down")
            )
    if to_create:
        CardPrice.objects.bulk_create(
            to_create,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["card", "finish"],
            update_fields=[
                "price",
                "currency",
                "source",
                "captured_at",
                "price_24h_ago",
                "price_7d_ago",
                "change_24h_pct",
                "change_7d_pct",
            ],
        )
    if to_update:
        CardPrice.objects.bulk_update(
            to_update,
            [
                "price",
                "currency",
                "source",
                "captured_at",
                "price_24h_ago",
                "price_7d_ago",
                "change_24h_pct",
                "change_7d_pct",
            ],
            batch_size=BATCH_SIZE,
        )


def price_snapshot_record(
    *, card_id: int, finish: str, source: str, price: Decimal, currency: str, captured_at: datetime
) -> PriceRecordResult:
    """Record one observed price (see price_snapshots_record)."""
    return price_snapshots_record(
        observations=[PriceObservation(card_id, finish, source, price, currency, captured_at)]
    )


@transaction.atomic
def cards_upsert(*, records: Iterable[CardData]) -> CardUpsertResult:
    """Create new printings and update changed ones by Scryfall id; untouched rows are not written.

    Comparing before writing is what makes a re-import of the same file change nothing
    (not even `updated_at`).
    """
    records = list(records)
    by_id = {record.scryfall_id: record for record in records}
    existing = {
        str(card.scryfall_id): card
        for card in Card.objects.filter(scryfall_id__in=list(by_id)).only("id", "scryfall_id", *CARD_FIELDS)
    }
    result = CardUpsertResult(card_ids={})
    to_create, to_update = [], []
    for scryfall_id, record in by_id.items():
        values = {name: getattr(record, name) for name in CARD_FIELDS}
        card = existing.get(scryfall_id)
        if card is None:
            to_create.append(Card(scryfall_id=scryfall_id, **values))
            continue
        result.card_ids[scryfall_id] = card.pk
        changed = False
        for name, value in values.items():
            current = getattr(card, name)
            if name == "oracle_id":
                current = str(current) if current else None
            if current != value:
                setattr(card, name, value)
                changed = True
        if changed:
            to_update.append(card)
        else:
            result.unchanged += 1
    if to_create:
        Card.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        for card in to_create:
            result.card_ids[str(card.scryfall_id)] = card.pk
        result.created = len(to_create)
    if to_update:
        for card in to_update:
            card.updated_at = _now()
        Card.objects.bulk_update(to_update, [*CARD_FIELDS, "updated_at"], batch_size=BATCH_SIZE)
        result.updated = len(to_update)
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
    return value if value in Finish.values else None


def normalise_rarity(value: str) -> str | None:
    value = (value or "").lower()
    return value if value in Rarity.values else None
