"""Scryfall bulk data (`default_cards`): a JSON array of card objects, hundreds of MB; streamed.

https://scryfall.com/docs/api/bulk-data and https://scryfall.com/docs/api/cards
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from queue import Empty
from typing import BinaryIO

import ijson
from django.db import connection, transaction

from ..bulk import commit_without_flush_wait
from ..enums import NON_TRADABLE_LAYOUTS, CatalogImportKind, ImportDatedBy, PriceSource
from ..name_index import name_index_changed
from ..services import (
    CardData,
    PriceObservation,
    cards_upsert,
    normalise_finish,
    normalise_rarity,
    price_snapshots_record,
    prices_imported,
)
from .freshness import catalog_import_record, last_applied_date
from .report import ImportReport, file_position, first_json_char, open_binary

logger = logging.getLogger(__name__)
IMPORT_BATCH_SIZE = 5000

# prices key → (finish, currency). tix (MTGO) is not a paper price and is ignored.
PRICE_KEYS = {
    "usd": ("nonfoil", "USD"),
    "usd_foil": ("foil", "USD"),
    "usd_etched": ("etched", "USD"),
    "eur": ("nonfoil", "EUR"),
    "eur_foil": ("foil", "EUR"),
    "eur_etched": ("etched", "EUR"),
}
IGNORED_PRICE_KEYS = {"tix"}

# Every field of Scryfall's Card object (docs, 2024-2026). Anything else is reported once per name.
KNOWN_FIELDS = frozenset(
    [
        "object",
        "id",
        "oracle_id",
        "multiverse_ids",
        "mtgo_id",
        "mtgo_foil_id",
        "arena_id",
        "tcgplayer_id",
        "tcgplayer_etched_id",
        "cardmarket_id",
        "resource_id",
        "name",
        "lang",
        "released_at",
        "uri",
        "scryfall_uri",
        "layout",
        "highres_image",
        "image_status",
        "image_uris",
        "mana_cost",
        "cmc",
        "type_line",
        "oracle_text",
        "power",
        "toughness",
        "loyalty",
        "defense",
        "colors",
        "color_identity",
        "color_indicator",
        "keywords",
        "produced_mana",
        "all_parts",
        "card_faces",
        "legalities",
        "games",
        "reserved",
        "game_changer",
        "foil",
        "nonfoil",
        "finishes",
        "oversized",
        "promo",
        "reprint",
        "variation",
        "set_id",
        "set",
        "set_name",
        "set_type",
        "set_uri",
        "set_search_uri",
        "scryfall_set_uri",
        "rulings_uri",
        "prints_search_uri",
        "collector_number",
        "digital",
        "rarity",
        "flavor_text",
        "flavor_name",
        "card_back_id",
        "artist",
        "artist_ids",
        "illustration_id",
        "border_color",
        "frame",
        "frame_effects",
        "security_stamp",
        "full_art",
        "textless",
        "booster",
        "story_spotlight",
        "edhrec_rank",
        "penny_rank",
        "prices",
        "related_uris",
        "purchase_uris",
        "promo_types",
        "preview",
        "watermark",
        "hand_modifier",
        "life_modifier",
        "content_warning",
        "attraction_lights",
        "printed_name",
        "printed_type_line",
        "printed_text",
        "variation_of",
    ]
)


UUID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _text(record: dict, key: str, *, required: bool = True, max_length: int = 300) -> str:
    value = record.get(key)
    if value is None or value == "":
        if required:
            raise ValueError(f"missing {key}")
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    if len(value) > max_length:
        raise ValueError(f"{key} is longer than {max_length} characters")
    return value


def _uuid(value, key: str, *, required: bool = True) -> str | None:
    if value in (None, ""):
        if required:
            raise ValueError(f"missing {key}")
        return None
    text = str(value).lower()
    if not UUID_PATTERN.match(text):
        raise ValueError(f"{key} is not a UUID: {str(value)[:60]!r}")
    return text


def _image_url(record: dict) -> str:
    images = record.get("image_uris")
    if not isinstance(images, dict):
        faces = record.get("card_faces")
        images = (
            faces[0].get("image_uris") if isinstance(faces, list) and faces and isinstance(faces[0], dict) else None
        )
    if isinstance(images, dict):
        url = images.get("normal") or images.get("large") or images.get("small") or ""
        if isinstance(url, str) and url.startswith("https://") and len(url) <= 500:
            return url
    return ""


def parse_card(record, report: ImportReport, where: str) -> tuple[CardData, list[tuple[str, str, Decimal]]] | None:
    """A validated card and its prices, or None (reported) when the record cannot be used."""
    if not isinstance(record, dict):
        report.issue(where, f"not a card object (got {type(record).__name__})")
        return None
    if record.get("object", "card") != "card":
        report.issue(where, f"not a card object (object={str(record.get('object'))[:40]!r})")
        return None
    try:
        scryfall_id = _uuid(record.get("id"), "id")
        rarity = normalise_rarity(_text(record, "rarity"))
        if rarity is None:
            raise ValueError(f"unknown rarity {record.get('rarity')!r}")
        finishes_raw = record.get("finishes")
        if finishes_raw is None:  # older dumps: foil/nonfoil booleans
            finishes_raw = [name for name in ("nonfoil", "foil") if record.get(name)]
        if not isinstance(finishes_raw, list):
            raise ValueError("finishes must be a list")
        finishes = [finish for finish in (normalise_finish(str(value)) for value in finishes_raw) if finish]
        tcgplayer_id = record.get("tcgplayer_id")
        if tcgplayer_id is not None and (not isinstance(tcgplayer_id, int) or tcgplayer_id < 0):
            raise ValueError("tcgplayer_id must be a positive integer")
        layout = _text(record, "layout", required=False, max_length=30).lower() or "normal"
        games = record.get("games")
        digital_only = bool(record.get("digital")) or (isinstance(games, list) and bool(games) and "paper" not in games)
        released_at = None
        if record.get("released_at"):
            released_at = date.fromisoformat(_text(record, "released_at", max_length=10))
        card = CardData(
            scryfall_id=scryfall_id,
            oracle_id=_uuid(record.get("oracle_id"), "oracle_id", required=False),
            name=_text(record, "name"),
            lang=_text(record, "lang", required=False, max_length=5) or "en",
            set_code=_text(record, "set", max_length=10).lower(),
            set_name=_text(record, "set_name", max_length=200),
            collector_number=_text(record, "collector_number", max_length=20),
            rarity=rarity,
            finishes=finishes,
            tcgplayer_id=tcgplayer_id,
            image_url=_image_url(record),
            is_reserved=bool(record.get("reserved", False)),
            released_at=released_at,
            layout=layout,
            digital_only=digital_only,
            tradable=not digital_only and layout not in NON_TRADABLE_LAYOUTS,
        )
    except ValueError as error:
        report.issue(where, f"skipped: {error}")
        return None
    for name in record:
        if name not in KNOWN_FIELDS:
            report.unknown_fields[name] += 1
    prices = []
    raw_prices = record.get("prices")
    if raw_prices is None:
        report.issue(where, "no prices object: card imported without prices")
    elif not isinstance(raw_prices, dict):
        report.issue(where, "prices is not an object: card imported without prices")
    else:
        for key, value in raw_prices.items():
            if key in IGNORED_PRICE_KEYS or value is None:
                continue  # Scryfall writes null for finishes nobody sells
            if key not in PRICE_KEYS:
                report.unknown_fields[f"prices.{key}"] += 1
                continue
            try:
                amount = Decimal(str(value))
                if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
                    raise InvalidOperation
            except InvalidOperation:
                report.issue(where, f"price {key}={str(value)[:30]!r} is not a price: ignored")
                continue
            finish, currency = PRICE_KEYS[key]
            prices.append((finish, currency, amount.quantize(Decimal("0.01"))))
    return card, prices


@transaction.atomic
def _write_batch(batch: list, as_of: datetime, report: ImportReport, publish: bool, apply_fields: bool) -> None:
    commit_without_flush_wait()
    upserted = cards_upsert(records=[card for card, _ in batch], update_existing=apply_fields)
    report.cards_created += upserted.created
    report.cards_updated += upserted.updated
    report.cards_unchanged += upserted.unchanged
    report.cards_kept_newer += upserted.kept_newer
    observations = [
        PriceObservation(
            upserted.card_ids[card.scryfall_id], finish, PriceSource.SCRYFALL.value, price, currency, as_of
        )
        for card, prices in batch
        for finish, currency, price in prices
    ]
    recorded = price_snapshots_record(observations=observations, publish=publish, new_card_ids=upserted.created_ids)
    report.snapshots_created += recorded.snapshots_created
    report.prices_changed += recorded.prices_changed


def start_of_day(moment: datetime | None = None) -> datetime:
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def scryfall_import(
    *,
    path: str | Path | None = None,
    stream: BinaryIO | None = None,
    as_of: datetime | None = None,
    dated_by: str | None = None,
    source_name: str | None = None,
    batch_size: int = IMPORT_BATCH_SIZE,
    publish: bool = True,
    pipeline: bool | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> ImportReport:
    """Stream a Scryfall `default_cards` file into the catalog and price history.

    `as_of` is the file's source date (see cards.importers.freshness; `dated_by` says where it
    came from, an ImportDatedBy value, default "option"; `source_name` the URL or file
    recorded, default `path`). Without it, today 00:00 UTC
    with a warning: Scryfall prices are daily, so importing the same file again the same day
    writes nothing. Prices are recorded as of the source date. A file older than the last one
    applied adds its prices to history and creates missing printings but updates no stored
    card. Each import is recorded as a CatalogImport. Each batch commits on its own: a file
    that breaks off half-way keeps every whole record before the break.

    `pipeline` (default: on PostgreSQL where processes can fork) parses in a child process
    while this one writes, so parsing and the database work overlap; the report is the same.

    `progress`, when given, is called after every batch with (file bytes read, file size,
    cards written so far) — compressed bytes for a compressed file.
    """
    report = ImportReport(kind="scryfall")
    started_at = datetime.now(UTC)
    if as_of is None:
        as_of, dated_by = start_of_day(started_at), ImportDatedBy.IMPORT_TIME
        report.warnings.append(
            "the file's date is not known (pass --as-of for a local file): "
            f"its prices are dated {as_of:%Y-%m-%d %H:%M} UTC"
        )
    dated_by = dated_by or ImportDatedBy.OPTION
    newest = last_applied_date(CatalogImportKind.SCRYFALL)
    apply_fields = newest is None or as_of >= newest
    if not apply_fields:
        report.warnings.append(
            f"the file is dated {as_of:%Y-%m-%d %H:%M} UTC, older than the last applied one "
            f"({newest:%Y-%m-%d %H:%M} UTC): its prices go into history at their date; stored cards keep their fields"
        )
    owned = stream is None
    try:
        stream = stream or open_binary(path)
    except OSError as error:
        report.file_errors.append(f"cannot open {path}: {error}")
        return report
    try:
        top = first_json_char(stream)
        if top != "[":
            report.file_errors.append(
                "expected a JSON array of cards at the top level (Scryfall default_cards), "
                f"got {'an object' if top == '{' else repr(top) if top else 'an empty file'}"
            )
            return report
        if pipeline is None:
            pipeline = pipeline_available()
        batches = (
            _batches_from_child(stream, report, batch_size) if pipeline else _parse_batches(stream, report, batch_size)
        )
        position = file_position(stream)
        with _gc_paused(), closing(batches):
            for batch in batches:
                _write_batch(batch, as_of, report, publish, apply_fields)
                if progress is not None:
                    written = report.cards_created + report.cards_updated + report.cards_unchanged
                    progress(*position(), f"{written:,} cards")
    finally:
        if owned:
            stream.close()
        if report.cards_created or report.cards_updated:
            name_index_changed()  # search's typo index picks up new names
        if report.prices_changed:
            prices_imported()  # figures cached until the next price import (list totals)
        catalog_import_record(
            kind=CatalogImportKind.SCRYFALL,
            report=report,
            source=source_name or (path if path is not None else getattr(stream, "name", "stream")),
            source_date=as_of,
            dated_by=dated_by,
            fields_applied=apply_fields,
            started_at=started_at,
        )
    logger.info("scryfall import: %s", report.as_dict())
    return report


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during an import (the forked parser inherits this).

    An import allocates millions of short-lived objects that hold no reference cycles
    (records, rows, pickled batches); the collections they trigger found nothing and took
    ~15 % of a 100,000-card import. Reference counting still frees everything.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse_batches(stream: BinaryIO, report: ImportReport, batch_size: int) -> Iterator[list]:
    """Validated (card, prices) in batches; every skipped record, duplicate and JSON break goes to `report`."""
    seen: dict[str, int] = {}
    batch: list = []
    try:
        for index, record in enumerate(ijson.items(stream, "item", use_float=True), start=1):
            report.records_seen += 1
            record_id = record.get("id") if isinstance(record, dict) else None
            where = f"#{index}" + (f" ({str(record_id)[:40]})" if record_id else "")
            parsed = parse_card(record, report, where)
            if parsed is None:
                report.records_skipped += 1
                continue
            key = parsed[0].scryfall_id
            if key in seen:
                report.issue(where, f"skipped: duplicate id (first seen in record #{seen[key]})")
                report.records_skipped += 1
                continue
            seen[key] = index
            batch.append(parsed)
            if len(batch) >= batch_size:
                yield batch
                batch = []
    except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError) as error:
        report.file_errors.append(f"malformed JSON after record #{report.records_seen}: {str(error).splitlines()[0]}")
    if batch:
        yield batch


# Parsed batches waiting for the writer: bounds the memory a slow database lets the parser fill.
PIPELINE_QUEUE_BATCHES = 2


def pipeline_available() -> bool:
    """Fork a parser only for PostgreSQL (the SQLite demo imports small files) and where fork exists.

    A daemonic process (some task runners) may not have children: it parses in-process.
    """
    return (
        connection.vendor == "postgresql"
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def _parse_in_child(stream: BinaryIO, batch_size: int, queue) -> None:
    """The child's whole job: parse and send batches, then its report. It never touches the database."""
    report = ImportReport(kind="scryfall")
    try:
        for batch in _parse_batches(stream, report, batch_size):
            queue.put(("batch", batch))
        queue.put(("done", report))
    except Exception as error:  # the parent raises it, as the in-process parser would have
        queue.put(("failed", (error, traceback.format_exc())))


def _batches_from_child(stream: BinaryIO, report: ImportReport, batch_size: int) -> Iterator[list]:
    """_parse_batches run in a forked child; its parsing report is copied into `report` at the end.

    Fork, not spawn: the child starts at once with Django set up and the stream open. It
    inherits the parent's database connection but never uses it, and exits without closing it.
    """
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=PIPELINE_QUEUE_BATCHES)
    child = context.Process(target=_parse_in_child, args=(stream, batch_size, queue), daemon=True)
    child.start()
    try:
        while True:
            kind, payload = _receive(queue, child)
            if kind == "batch":
                yield payload
            elif kind == "done":
                _copy_parsing(payload, report)
                return
            else:
                error, child_traceback = payload
                raise error from RuntimeError(f"in the Scryfall parser process:\n{child_traceback}")
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        queue.close()


def _receive(queue, child) -> tuple[str, object]:
    while True:
        try:
            return queue.get(timeout=1)
        except Empty:
            if not child.is_alive():
                try:  # it may have sent its last message just before exiting
                    return queue.get(timeout=1)
                except Empty:
                    raise RuntimeError(f"the Scryfall parser process died (exit code {child.exitcode})") from None


def _copy_parsing(parsed: ImportReport, report: ImportReport) -> None:
    """What the parser counted and found (the writer counts the rest)."""
    report.records_seen = parsed.records_seen
    report.records_skipped = parsed.records_skipped
    report.issues = parsed.issues
    report.issue_count = parsed.issue_count
    report.unknown_fields = parsed.unknown_fields
    report.file_errors = parsed.file_errors
