"""Reading the collection exports traders bring into one row shape.

Columns are found by header name (exports add and reorder columns over time), and the format
is recognised by the columns only it has (docs/imports.md has the table). Anything wrong with
the file as a whole raises `ImportFileError` (the import changes nothing); anything wrong with
one row yields a `RowError` with its row number (the spreadsheet row: the header is row 1).
Rows are yielded one at a time: a file is never held whole in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from cards.enums import Finish
from lists.enums import Condition, ImportFormat, Language

from .export import unneutralise_cell

MAX_QUANTITY = 9999
# A sane bound on one field; real exports never come near it and csv's default is 128 KiB.
csv.field_size_limit(64 * 1024)
READ_BLOCK = 64 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be read: not CSV, not UTF-8, or a header we do not know."""


class UnknownHeader(ImportFileError):
    """No format has this header: the trader may map its columns (generic CSV)."""

    def __init__(self, message: str, columns: list[str]):
        super().__init__(message)
        self.columns = columns


@dataclass(frozen=True)
class ParsedRow:
    row: int
    name: str
    set_code: str
    set_name: str
    collector_number: str
    scryfall_id: str
    quantity: int
    condition: str
    finish: str  # "" when the file leaves it blank (the matcher decides: nonfoil, or a foil-only printing's finish)
    language: str


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str
    name: str = ""


@dataclass(frozen=True)
class NotForTrade:
    """A row a have import leaves out: tradelist count 0, or a ManaBox deck / list binder."""

    row: int
    reason: str
    name: str = ""
    quantity: int = 0


@dataclass(frozen=True)
class ReadOptions:
    for_haves: bool = True
    whole_collection: bool = False
    mapping: dict[str, str] | None = None  # generic CSV: field -> column header


# The fields a generic CSV can map its columns onto (the formats below also read tradelist and binder columns).
MAPPABLE_FIELDS = (
    "name",
    "quantity",
    "set_code",
    "set_name",
    "collector_number",
    "scryfall_id",
    "condition",
    "language",
    "finish",
)

# Column names are compared lower-cased and stripped.
FORMAT_COLUMNS: dict[str, dict[str, str]] = {
    ImportFormat.DECKBOX: {
        "quantity": "count",
        "tradelist_quantity": "tradelist count",
        "name": "name",
        "set_name": "edition",
        "set_code": "edition code",  # absent from older exports: the set then resolves by its name
        "collector_number": "card number",
        "scryfall_id": "scryfall id",
        "condition": "condition",
        "language": "language",
        "finish": "foil",
    },
    ImportFormat.MOXFIELD: {
        "quantity": "count",
        "tradelist_quantity": "tradelist count",
        "name": "name",
        "set_code": "edition",  # Moxfield's Edition holds the set code
        "collector_number": "collector number",
        "condition": "condition",
        "language": "language",
        "finish": "foil",
    },
    ImportFormat.MANABOX: {
        "quantity": "quantity",
        "binder_type": "binder type",  # absent from a one-binder export
        "name": "name",
        "set_code": "set code",
        "set_name": "set name",
        "collector_number": "collector number",
        "scryfall_id": "scryfall id",
        "condition": "condition",
        "language": "language",
        "finish": "foil",
    },
    ImportFormat.TCGPLAYER: {
        "quantity": "quantity",
        "name": "name",
        "set_name": "set",
        "set_code": "set code",
        "collector_number": "card number",
        "condition": "condition",
        "language": "language",
        "finish": "printing",
    },
    ImportFormat.DRAGON_SHIELD: {
        "quantity": "quantity",
        "tradelist_quantity": "trade quantity",
        "name": "card name",
        "set_code": "set code",
        "set_name": "set name",
        "collector_number": "card number",
        "condition": "condition",
        "language": "language",
        "finish": "printing",
    },
    ImportFormat.ARCHIDEKT: {
        "quantity": "quantity",
        "name": "name",
        "set_code": "edition code",
        "set_name": "edition name",
        "collector_number": "collector number",
        "scryfall_id": "scryfall id",
        "condition": "condition",
        "language": "language",
        "finish": "finish",
    },
    ImportFormat.DECKSTATS: {
        "quantity": "amount",
        "name": "card_name",
        "set_code": "set_code",
        "collector_number": "collector_number",
        "condition": "condition",
        "language": "language",
        "finish": "is_foil",
    },
}

# The columns that tell the formats apart, most specific first (docs/imports.md).
SIGNATURES: list[tuple[str, set[str]]] = [
    (ImportFormat.MANABOX, {"name", "set code", "collector number", "foil", "quantity", "manabox id", "scryfall id"}),
    (ImportFormat.DRAGON_SHIELD, {"folder name", "quantity", "trade quantity", "card name", "set code", "card number"}),
    (ImportFormat.DECKSTATS, {"amount", "card_name", "is_foil", "set_code", "collector_number"}),
    (ImportFormat.TCGPLAYER, {"quantity", "name", "simple name", "set", "card number", "set code", "printing"}),
    (ImportFormat.DECKBOX, {"count", "tradelist count", "name", "edition", "card number"}),
    (ImportFormat.MOXFIELD, {"count", "name", "edition", "collector number"}),
]
# Archidekt lets the trader choose the columns: name and quantity, plus any column only it writes.
ARCHIDEKT_REQUIRED = {"quantity", "name"}
ARCHIDEKT_OWN = {"edition name", "edition code", "multiverse id", "date added", "finish"}

# Each format's condition vocabulary, exactly as its exports write it (lower-cased here).
_TCG_WORDS = {
    "near mint": Condition.NEAR_MINT,
    "lightly played": Condition.LIGHTLY_PLAYED,
    "moderately played": Condition.MODERATELY_PLAYED,
    "heavily played": Condition.HEAVILY_PLAYED,
    "damaged": Condition.DAMAGED,
}
_CODES = {
    "m": Condition.NEAR_MINT,
    "nm": Condition.NEAR_MINT,
    "lp": Condition.LIGHTLY_PLAYED,
    "mp": Condition.MODERATELY_PLAYED,
    "hp": Condition.HEAVILY_PLAYED,
    "d": Condition.DAMAGED,
    "dmg": Condition.DAMAGED,
}
# Cardmarket's grades (ManaBox, Dragon Shield) on the TCGplayer scale Bazaar uses.
_CARDMARKET = {
    "mint": Condition.NEAR_MINT,
    "near mint": Condition.NEAR_MINT,
    "excellent": Condition.LIGHTLY_PLAYED,
    "good": Condition.MODERATELY_PLAYED,
    "light played": Condition.MODERATELY_PLAYED,
    "played": Condition.HEAVILY_PLAYED,
    "poor": Condition.DAMAGED,
}
CONDITIONS: dict[str, dict[str, str]] = {
    ImportFormat.DECKBOX: {
        "mint": Condition.NEAR_MINT,
        "near mint": Condition.NEAR_MINT,
        "good (lightly played)": Condition.LIGHTLY_PLAYED,
        "played": Condition.MODERATELY_PLAYED,
        "heavily played": Condition.HEAVILY_PLAYED,
        "poor": Condition.DAMAGED,
    },
    ImportFormat.MOXFIELD: {"mint": Condition.NEAR_MINT, **_TCG_WORDS, **_CODES},
    ImportFormat.MANABOX: {
        "mint": Condition.NEAR_MINT,
        "near_mint": Condition.NEAR_MINT,
        "excellent": Condition.LIGHTLY_PLAYED,
        "good": Condition.MODERATELY_PLAYED,
        "light_played": Condition.MODERATELY_PLAYED,
        "played": Condition.HEAVILY_PLAYED,  # ManaBox's "Played" is Heavily Played
        "poor": Condition.DAMAGED,
    },
    ImportFormat.TCGPLAYER: dict(_TCG_WORDS),
    ImportFormat.DRAGON_SHIELD: {
        **_CARDMARKET,
        "nearmint": Condition.NEAR_MINT,
        "lightplayed": Condition.MODERATELY_PLAYED,
    },
    ImportFormat.ARCHIDEKT: {**_TCG_WORDS, **_CODES},
    ImportFormat.DECKSTATS: {
        "nm": Condition.NEAR_MINT,
        "mp": Condition.MODERATELY_PLAYED,
        "hp": Condition.HEAVILY_PLAYED,
        "d": Condition.DAMAGED,
    },
    ImportFormat.GENERIC: {"mint": Condition.NEAR_MINT, **_TCG_WORDS, **_CODES},
}

FINISHES = {
    "normal": Finish.NONFOIL,
    "nonfoil": Finish.NONFOIL,
    "non-foil": Finish.NONFOIL,
    "false": Finish.NONFOIL,
    "no": Finish.NONFOIL,
    "0": Finish.NONFOIL,
    "foil": Finish.FOIL,
    "true": Finish.FOIL,
    "yes": Finish.FOIL,
    "1": Finish.FOIL,
    "etched": Finish.ETCHED,
}

LANGUAGES = {label.lower(): value for value, label in Language.choices} | {value: value for value in Language.values}
LANGUAGES |= {
    "chinese": Language.CHINESE_SIMPLIFIED,
    "simplified chinese": Language.CHINESE_SIMPLIFIED,
    "chinese simplified": Language.CHINESE_SIMPLIFIED,
    "traditional chinese": Language.CHINESE_TRADITIONAL,
    "chinese traditional": Language.CHINESE_TRADITIONAL,
    "zh_cn": Language.CHINESE_SIMPLIFIED,
    "zh_tw": Language.CHINESE_TRADITIONAL,
    "zh-cn": Language.CHINESE_SIMPLIFIED,
    "zh-tw": Language.CHINESE_TRADITIONAL,
    "zh-hans": Language.CHINESE_SIMPLIFIED,
    "zh-hant": Language.CHINESE_TRADITIONAL,
    "jp": Language.JAPANESE,
    "kr": Language.KOREAN,
}

TRADE_BINDER = "binder"  # ManaBox binder types: binder (a trade binder), deck, list


def open_csv(raw: IO[bytes], *, file_format: str = "", mapping: dict[str, str] | None = None) -> tuple[str, IO[str]]:
    """Check the file is UTF-8 CSV with a known header (or a usable mapping); return (format, text stream).

    Decodes the whole stream once, block by block, so that an encoding error can never
    surface half way through a commit; the returned stream reads the file again lazily.
    """
    first = raw.read(4096)
    if not first.strip():
        raise ImportFileError("The file is empty.")
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError("The file is UTF-16 text. Export it again as CSV (UTF-8).")
    if b"\x00" in first:
        raise ImportFileError("This is not a CSV file (it contains binary data).")
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    offset, block = 0, first
    try:
        while block:
            decoder.decode(block)
            offset += len(block)
            block = raw.read(READ_BLOCK)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte {offset + error.start + 1} cannot be read). "
            "Export it again as CSV (UTF-8)."
        ) from None
    raw.seek(0)
    stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    header = _read_header(csv.reader(stream))
    detected = file_format or detect_format(header, allow_unknown=bool(mapping))
    if detected == ImportFormat.GENERIC:
        check_mapping(mapping or {}, header)
    elif detected not in FORMAT_COLUMNS:
        raise ImportFileError(f"Unknown format {detected!r}.")
    else:
        columns = {column.strip().lower() for column in header}
        name_column = FORMAT_COLUMNS[detected]["name"]
        if name_column not in columns:
            raise ImportFileError(f"The file has no {name_column!r} column, so it is not a {detected} export.")
    stream.seek(0)
    return detected, stream


def _read_header(reader) -> list[str]:
    """The header row; Dragon Shield writes a `sep=,` line before it."""
    try:
        header = next(reader)
        if len(header) == 1 and header[0].strip().lower().startswith("sep="):
            header = next(reader)
    except (csv.Error, StopIteration) as error:
        raise ImportFileError(f"This is not a readable CSV file ({error or 'no header row'}).") from None
    return header


def detect_format(header: list[str], *, allow_unknown: bool = False) -> str:
    columns = {column.strip().lower() for column in header}
    for file_format, signature in SIGNATURES:
        if signature <= columns:
            return file_format
    if columns >= ARCHIDEKT_REQUIRED and columns & ARCHIDEKT_OWN:
        return ImportFormat.ARCHIDEKT
    if allow_unknown:
        return ImportFormat.GENERIC
    shown = ", ".join(column.strip() for column in header[:8]) or "(nothing)"
    raise UnknownHeader(
        f"Unrecognised header: {shown}. Upload a Deckbox, Moxfield, ManaBox, TCGplayer, Dragon Shield, "
        "Archidekt or deckstats export with its header row, or choose which column holds what.",
        [column.strip() for column in header if column.strip()],
    )


def check_mapping(mapping: dict[str, str], header: list[str]) -> None:
    columns = {column.strip().lower() for column in header}
    unknown_fields = set(mapping) - set(MAPPABLE_FIELDS)
    if unknown_fields:
        raise ImportFileError(f"Unknown fields in the column mapping: {', '.join(sorted(unknown_fields))}.")
    if not mapping.get("name"):
        raise ImportFileError("Choose the column that holds the card name.")
    missing = [column for column in mapping.values() if column and column.strip().lower() not in columns]
    if missing:
        raise ImportFileError(f"The file has no column {missing[0]!r}.")


def read_header(raw: IO[bytes]) -> list[str]:
    """The header's columns (for the column-mapping screen); the stream is left at its start."""
    stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        return [column.strip() for column in _read_header(csv.reader(stream)) if column.strip()]
    finally:
        stream.detach()
        raw.seek(0)


def iter_rows(
    stream: IO[str], file_format: str, options: ReadOptions | None = None
) -> Iterator[ParsedRow | RowError | NotForTrade]:
    """Yield one ParsedRow, RowError or NotForTrade per data row; blank lines are skipped."""
    options = options or ReadOptions()
    reader = csv.reader(stream)
    try:
        header = [column.strip().lower() for column in _read_header(reader)]
    except ImportFileError:
        return
    offset = reader.line_num - 1  # a `sep=,` line moves the header to row 2
    columns = (
        {field: column.strip().lower() for field, column in (options.mapping or {}).items() if column}
        if file_format == ImportFormat.GENERIC
        else FORMAT_COLUMNS[file_format]
    )
    positions = {field: header.index(column) for field, column in columns.items() if column in header}
    conditions = CONDITIONS[file_format]
    uses_tradelist = options.for_haves and not options.whole_collection
    row_number = 1 + offset
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportFileError(f"Row {reader.line_num}: the CSV is malformed ({error}).") from None
        row_number += 1
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            field: unneutralise_cell(cells[index].strip()) if index < len(cells) else ""
            for field, index in positions.items()
        }
        yield _row(row_number, values, conditions, uses_tradelist=uses_tradelist)


def _quantity(raw: str, label: str, *, allow_zero: bool = False) -> int | str:
    try:
        quantity = int(raw)
    except ValueError:
        return f"{label} {raw!r} is not a whole number."
    low = 0 if allow_zero else 1
    if not low <= quantity <= MAX_QUANTITY:
        return f"{label} must be between {low} and {MAX_QUANTITY} (got {quantity})."
    return quantity


def _row(row_number: int, values: dict[str, str], conditions: dict[str, str], *, uses_tradelist: bool):
    name = values.get("name", "")
    if not name:
        return RowError(row_number, "The card name is empty.")
    quantity = _quantity(values.get("quantity", "") or "1", "Quantity")
    if isinstance(quantity, str):
        return RowError(row_number, quantity, name)
    raw_condition = values.get("condition", "").lower()
    condition = conditions.get(raw_condition, "") if raw_condition else ""
    if raw_condition and not condition:
        return RowError(row_number, f"Unknown condition {values['condition']!r}.", name)
    raw_finish = values.get("finish", "").lower()
    if raw_finish and raw_finish not in FINISHES:
        return RowError(row_number, f"Unknown foil value {values['finish']!r}.", name)
    raw_language = values.get("language", "").lower()
    language = LANGUAGES.get(raw_language, "") if raw_language else Language.ENGLISH
    if not language:
        return RowError(row_number, f"Unknown language {values['language']!r}.", name)
    scryfall_id = values.get("scryfall_id", "")
    if scryfall_id:
        try:
            scryfall_id = str(uuid.UUID(scryfall_id))
        except ValueError:
            return RowError(row_number, f"Scryfall ID {scryfall_id!r} is not a valid id.", name)
    # What the export offers for trade, once the row is known to be readable.
    if uses_tradelist and "tradelist_quantity" in values:
        tradelist = _quantity(values["tradelist_quantity"] or "0", "Tradelist count", allow_zero=True)
        if isinstance(tradelist, str):
            return RowError(row_number, tradelist, name)
        if tradelist == 0:
            return NotForTrade(row_number, "Tradelist count is 0 (owned, not offered for trade).", name, quantity)
        quantity = tradelist
    binder_type = values.get("binder_type", "").lower()
    if uses_tradelist and binder_type and binder_type != TRADE_BINDER:
        return NotForTrade(row_number, f"In a ManaBox {binder_type}, not a binder.", name, quantity)
    return ParsedRow(
        row=row_number,
        name=name,
        set_code=values.get("set_code", "").lower(),
        set_name=values.get("set_name", ""),
        collector_number=values.get("collector_number", "").lstrip("#"),
        scryfall_id=scryfall_id,
        quantity=quantity,
        condition=condition,
        finish=FINISHES.get(raw_finish, ""),
        language=language,
    )
