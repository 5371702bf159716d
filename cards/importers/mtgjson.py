"""MTGJSON `AllPricesToday` matched to our cards through an identifiers file (or uuids we kept).

AllPricesToday: {"meta": {...}, "data": {uuid: {"paper": {provider: {"buylist"|"retail":
{"normal"|"foil"|"etched": {"YYYY-MM-DD": price}}, "currency": "USD"}}, "mtgo": {...}}}}
Identifiers: AllIdentifiers {"data": {uuid: {"identifiers": {"scryfallId": ...}, "uuid": ...}}},
AllPrintings {"data": {set code: {"cards": [card...], "tokens": [card...], ...}}} and a single
set file {"data": {"cards": [...], "tokens": [...], "code": ...}}; a card is
{"uuid": ..., "identifiers": {"scryfallId": ...}, ...}.
https://mtgjson.com/data-models/price/price-formats/ and .../identifiers/
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import ijson
from django.db import transaction

from ..enums import CatalogImportKind, ImportDatedBy, PriceSource
from ..models import Card
from ..services import (
    BATCH_SIZE,
    PriceObservation,
    cards_link_mtgjson,
    normalise_finish,
    price_snapshots_record,
    prices_imported,
)
from .freshness import catalog_import_record
from .report import ImportReport, file_position, first_json_char, open_binary

logger = logging.getLogger(__name__)

# (provider, price list) → our source. Other providers (cardsphere, ...) are reported and ignored.
PROVIDERS = {
    ("tcgplayer", "retail"): PriceSource.TCGPLAYER.value,
    ("tcgplayer", "buylist"): PriceSource.TCGPLAYER_BUYLIST.value,
    ("cardkingdom", "retail"): PriceSource.CARDKINGDOM.value,
    ("cardkingdom", "buylist"): PriceSource.CARDKINGDOM_BUYLIST.value,
    ("cardmarket", "retail"): PriceSource.CARDMARKET.value,
}
KNOWN_CURRENCIES = {"USD", "EUR"}
# This many entries of `data` without a price record: the file is not a prices file; stop reading.
NOT_PRICES_AFTER = 1000


def _uuid_or_none(value) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError):
        return None


def _add_printing(card, mapping: dict[str, str], key: str | None = None) -> None:
    """One MTGJSON card or token object: its uuid (or the key it is filed under) → identifiers.scryfallId."""
    if not isinstance(card, dict):
        return
    identifiers = card.get("identifiers")
    if not isinstance(identifiers, dict):
        return
    mtgjson_id = _uuid_or_none(card.get("uuid") or key)
    scryfall_id = _uuid_or_none(identifiers.get("scryfallId"))
    if mtgjson_id and scryfall_id:
        mapping[mtgjson_id] = scryfall_id


def _add_set(set_data: dict, mapping: dict[str, str]) -> None:
    for member in ("cards", "tokens"):
        printings = set_data.get(member)
        if isinstance(printings, list):
            for card in printings:
                _add_printing(card, mapping)


def read_identifiers(path: str | Path, report: ImportReport) -> dict[str, str]:
    """MTGJSON uuid → Scryfall id from AllIdentifiers, AllPrintings or a single-set file, streamed.

    AllIdentifiers: `data.<uuid>` is a card with `identifiers.scryfallId`. AllPrintings:
    `data.<set code>` is a set with `cards` and `tokens` lists of such cards. A set file
    (e.g. 10E.json): `data` is one set. Only `data`'s members are read, one at a time (the
    largest is one set of AllPrintings). A file that yields no mapping is a file error.
    """
    mapping: dict[str, str] = {}
    try:
        stream = open_binary(path)
    except OSError as error:
        report.file_errors.append(f"cannot open identifiers {path}: {error}")
        return mapping
    with stream:
        if first_json_char(stream) != "{":
            report.file_errors.append("identifiers: expected a JSON object with a data member at the top level")
            return mapping
        try:
            for key, value in ijson.kvitems(stream, "data", use_float=True):
                if key in ("cards", "tokens") and isinstance(value, list):  # a set file: data is the set
                    for card in value:
                        _add_printing(card, mapping)
                elif isinstance(value, dict) and "identifiers" in value:  # AllIdentifiers
                    _add_printing(value, mapping, key)
                elif isinstance(value, dict):  # AllPrintings: one set
                    _add_set(value, mapping)
        except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError) as error:
            report.file_errors.append(f"identifiers: malformed JSON after {len(mapping)} identifiers: {error}")
    if not mapping and not report.file_errors:
        report.file_errors.append(
            "identifiers: no MTGJSON uuid with a Scryfall id found; expected AllIdentifiers, AllPrintings or a set "
            "file (data.<uuid>.identifiers.scryfallId, or data[.<set>].cards[].identifiers.scryfallId)"
        )
    return mapping


def parse_prices(
    mtgjson_id: str, entry, report: ImportReport, where: str
) -> list[tuple[str, str, str, Decimal, datetime]]:
    """(finish, source, currency, price, captured_at) for each paper price of one card."""
    if not isinstance(entry, dict):
        report.issue(where, f"skipped: price entry is not an object (got {type(entry).__name__})")
        return []
    for name in entry:
        if name not in ("paper", "mtgo"):
            report.unknown_fields[name] += 1
    paper = entry.get("paper")
    if paper is None:
        report.issue(where, "no paper prices")
        return []
    if not isinstance(paper, dict):
        report.issue(where, "skipped: paper is not an object")
        return []
    out = []
    for provider, lists in paper.items():
        if not isinstance(lists, dict):
            report.issue(where, f"{provider}: not an object: ignored")
            continue
        currency = str(lists.get("currency") or "USD").upper()
        if currency not in KNOWN_CURRENCIES:
            report.issue(where, f"{provider}: unknown currency {currency!r}: ignored")
            continue
        for list_name, finishes in lists.items():
            if list_name == "currency":
                continue
            source = PROVIDERS.get((provider, list_name))
            if source is None:
                report.unknown_fields[f"paper.{provider}.{list_name}"] += 1
                continue
            if not isinstance(finishes, dict):
                report.issue(where, f"{provider}.{list_name}: not an object: ignored")
                continue
            for finish_name, by_date in finishes.items():
                finish = normalise_finish(finish_name)
                if finish is None:
                    report.unknown_fields[f"finish {finish_name}"] += 1
                    continue
                if not isinstance(by_date, dict):
                    report.issue(where, f"{provider}.{list_name}.{finish_name}: not an object: ignored")
                    continue
                for day, value in by_date.items():
                    try:
                        captured_at = datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC)
                        price = Decimal(str(value))
                        if isinstance(value, bool) or not price.is_finite() or price < 0 or price >= Decimal("1e10"):
                            raise InvalidOperation
                    except (ValueError, InvalidOperation, TypeError):
                        report.issue(
                            where,
                            f"{provider}.{list_name}.{finish_name}: bad entry {day!r}: {str(value)[:30]!r}: ignored",
                        )
                        continue
                    out.append((finish, source, currency, price.quantize(Decimal("0.01")), captured_at))
    return out


@transaction.atomic
def _write_batch(batch: list, identifiers: dict[str, str], report: ImportReport, publish: bool) -> None:
    mtgjson_ids = [mtgjson_id for mtgjson_id, _, _ in batch]
    by_uuid = dict(Card.objects.filter(mtgjson_uuid__in=mtgjson_ids).values_list("mtgjson_uuid", "id"))
    by_uuid = {str(key): value for key, value in by_uuid.items()}
    wanted_scryfall = {identifiers[m] for m in mtgjson_ids if m not in by_uuid and m in identifiers}
    by_scryfall = {
        str(key): value
        for key, value in Card.objects.filter(scryfall_id__in=wanted_scryfall).values_list("scryfall_id", "id")
    }
    links: dict[int, str] = {}
    observations = []
    for mtgjson_id, prices, where in batch:
        card_id = by_uuid.get(mtgjson_id)
        if card_id is None:
            scryfall_id = identifiers.get(mtgjson_id)
            if scryfall_id is None:
                report.issue(where, "skipped: uuid not in the identifiers file and not linked to a card")
                report.records_skipped += 1
                continue
            card_id = by_scryfall.get(scryfall_id)
            if card_id is None:
                report.issue(where, f"skipped: no card with Scryfall id {scryfall_id} (import Scryfall first)")
                report.records_skipped += 1
                continue
            links[card_id] = mtgjson_id
        report.cards_matched += 1
        observations += [
            PriceObservation(card_id, finish, source, price, currency, captured_at)
            for finish, source, currency, price, captured_at in prices
        ]
    if links:
        cards_link_mtgjson(links=links)
    recorded = price_snapshots_record(observations=observations, publish=publish)
    report.snapshots_created += recorded.snapshots_created
    report.prices_changed += recorded.prices_changed


def mtgjson_prices_import(
    *,
    prices_path: str | Path,
    identifiers_path: str | Path | None = None,
    batch_size: int = BATCH_SIZE,
    publish: bool = True,
    source_name: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> ImportReport:
    """Stream AllPricesToday into price history; idempotent (snapshots are keyed by the file's dates).

    Without an identifiers file, cards are matched by the MTGJSON uuids remembered from
    earlier imports. A file with no price records (the first NOT_PRICES_AFTER entries of
    `data` have no `paper`/`mtgo` member, or `data` is empty or missing) is a file error. Each
    import that read entries is recorded as a CatalogImport dated by its newest price date.
    `progress` is called after each batch with (bytes read, file size, note).
    """
    report = ImportReport(kind="mtgjson")
    started_at = datetime.now(UTC)
    identifiers = read_identifiers(identifiers_path, report) if identifiers_path else {}
    if report.file_errors:
        return report
    newest: list[datetime] = []  # the newest price date seen: the file's source date
    try:
        stream = open_binary(prices_path)
    except OSError as error:
        report.file_errors.append(f"cannot open {prices_path}: {error}")
        return report
    with stream:
        if first_json_char(stream) != "{":
            report.file_errors.append("expected a JSON object with a data member at the top level (AllPricesToday)")
            return report
        seen: set[int] = set()
        batch: list = []
        price_records = 0
        position = file_position(stream)

        def write(batch: list) -> None:
            _write_batch(batch, identifiers, report, publish)
            if progress is not None:
                progress(*position(), f"{report.cards_matched:,} cards matched")

        try:
            for index, (key, entry) in enumerate(ijson.kvitems(stream, "data", use_float=False), start=1):
                report.records_seen += 1
                where = f"#{index} ({str(key)[:40]})"
                mtgjson_id = _uuid_or_none(key)
                if mtgjson_id is None:
                    report.issue(where, "skipped: key is not an MTGJSON uuid")
                    report.records_skipped += 1
                    continue
                if uuid.UUID(mtgjson_id).int in seen:
                    report.issue(where, "skipped: duplicate uuid")
                    report.records_skipped += 1
                    continue
                seen.add(uuid.UUID(mtgjson_id).int)
                if isinstance(entry, dict) and ("paper" in entry or "mtgo" in entry):
                    price_records += 1
                elif not price_records and report.records_seen >= NOT_PRICES_AFTER:
                    break  # a big file of something else: said below
                prices = parse_prices(mtgjson_id, entry, report, where)
                if not prices:
                    report.records_skipped += 1
                    continue
                latest = max(captured_at for *_, captured_at in prices)
                if not newest or latest > newest[0]:
                    newest[:] = [latest]
                batch.append((mtgjson_id, prices, where))
                if len(batch) >= batch_size:
                    write(batch)
                    batch = []
        except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError) as error:
            report.file_errors.append(
                f"malformed JSON after record #{report.records_seen}: {str(error).splitlines()[0]}"
            )
        if batch:
            write(batch)
        if not price_records and not report.file_errors:
            report.file_errors.append(
                "no price records found (data.<uuid>.paper or .mtgo): expected AllPricesToday or AllPrices"
                + (f"; the first {report.records_seen} entries of data are not prices" if report.records_seen else "")
            )
    if report.records_seen:
        source_date = newest[0] if newest else started_at
        catalog_import_record(
            kind=CatalogImportKind.MTGJSON,
            report=report,
            source=source_name or prices_path,
            source_date=source_date,
            dated_by=ImportDatedBy.PRICE_DATES if newest else ImportDatedBy.IMPORT_TIME,
            fields_applied=False,  # prices only: MTGJSON files change no card field
            started_at=started_at,
        )
    if report.prices_changed:
        prices_imported()  # figures cached until the next price import (list totals)
    logger.info("mtgjson import: %s", report.as_dict())
    return report
