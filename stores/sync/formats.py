"""Reading inventory feeds (TCGplayer, Crystal Commerce, generic CSV) into one row shape, streamed.

Columns are found by header name, never by position. A problem with the file as a whole
(not UTF-8, binary, a required column missing, no header) raises `FeedStructureError`, and
the sync changes nothing; a problem with one row yields a `RowError` naming the row (the
spreadsheet row: the header is row 1), the column and the reason.

The file is read through a text wrapper over the binary stream, so a 50 MB feed is never in
memory at once; a bad byte found half way raises `FeedStructureError` before anything is
written, because the sync engine writes only after the whole file has been read.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import IO

from cards.enums import Finish
from stores.enums import Condition, Language, SyncProvider
from stores.models import MAX_ITEM_QUANTITY

csv.field_size_limit(64 * 1024)
MAX_PRICE = Decimal("999999.99")


class FeedStructureError(Exception):
    """The file as a whole cannot be used: the sync stops and changes nothing."""


@dataclass(slots=True)
class FeedRow:
    row: int
    name: str = ""
    set_name: str = ""
    set_code: str = ""
    number: str = ""
    scryfall_id: str = ""
    sku: str = ""
    condition: str = Condition.NEAR_MINT
    finish: str = Finish.NONFOIL
    language: str = Language.ENGLISH
    quantity: int = 0
    price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason}


# --- vocabularies ---------------------------------------------------------------------------

CONDITION_WORDS: dict[str, str] = {
    "mint": Condition.NEAR_MINT,
    "near mint": Condition.NEAR_MINT,
    "nm": Condition.NEAR_MINT,
    "nm-mint": Condition.NEAR_MINT,
    "nm/m": Condition.NEAR_MINT,
    "m": Condition.NEAR_MINT,
    "lightly played": Condition.LIGHTLY_PLAYED,
    "slightly played": Condition.LIGHTLY_PLAYED,
    "excellent": Condition.LIGHTLY_PLAYED,
    "lp": Condition.LIGHTLY_PLAYED,
    "sp": Condition.LIGHTLY_PLAYED,
    "ex": Condition.LIGHTLY_PLAYED,
    "moderately played": Condition.MODERATELY_PLAYED,
    "played": Condition.MODERATELY_PLAYED,
    "good": Condition.MODERATELY_PLAYED,
    "mp": Condition.MODERATELY_PLAYED,
    "pl": Condition.MODERATELY_PLAYED,
    "heavily played": Condition.HEAVILY_PLAYED,
    "hp": Condition.HEAVILY_PLAYED,
    "poor": Condition.DAMAGED,
    "damaged": Condition.DAMAGED,
    "dmg": Condition.DAMAGED,
    "d": Condition.DAMAGED,
}
FINISH_WORDS: dict[str, str] = {
    "": Finish.NONFOIL,
    "normal": Finish.NONFOIL,
    "nonfoil": Finish.NONFOIL,
    "non-foil": Finish.NONFOIL,
    "regular": Finish.NONFOIL,
    "no": Finish.NONFOIL,
    "false": Finish.NONFOIL,
    "0": Finish.NONFOIL,
    "foil": Finish.FOIL,
    "yes": Finish.FOIL,
    "true": Finish.FOIL,
    "1": Finish.FOIL,
    "etched": Finish.ETCHED,
    "foil etched": Finish.ETCHED,
    "etched foil": Finish.ETCHED,
}
LANGUAGE_WORDS: dict[str, str] = {label.lower(): value for value, label in Language.choices} | {
    value: value for value in Language.values
}
LANGUAGE_WORDS |= {
    "chinese": Language.CHINESE_SIMPLIFIED,
    "simplified chinese": Language.CHINESE_SIMPLIFIED,
    "chinese simplified": Language.CHINESE_SIMPLIFIED,
    "traditional chinese": Language.CHINESE_TRADITIONAL,
    "chinese traditional": Language.CHINESE_TRADITIONAL,
    "zh_cn": Language.CHINESE_SIMPLIFIED,
    "zh_tw": Language.CHINESE_TRADITIONAL,
    "zh-cn": Language.CHINESE_SIMPLIFIED,
    "zh-tw": Language.CHINESE_TRADITIONAL,
    "jp": Language.JAPANESE,
    "kr": Language.KOREAN,
}
_LONG_LANGUAGE_WORDS = sorted((word for word in LANGUAGE_WORDS if len(word) > 3), key=len, reverse=True)
_FINISH_MARKERS = (
    ("foil etched", Finish.ETCHED),
    ("etched foil", Finish.ETCHED),
    ("etched", Finish.ETCHED),
    ("foil", Finish.FOIL),
)


# A feed repeats a few dozen condition texts, quantities and prices over 100,000 rows: the
# parsers below are pure, so each distinct text is parsed once per process (bounded caches).
@lru_cache(maxsize=1024)
def parse_condition(value: str) -> tuple[str, str, str] | None:
    """A condition as exports write it ("Near Mint Foil", "Lightly Played Foil - Japanese",
    "NM-Mint, English") → (condition, finish, language), or None if it is not one we know.
    """
    text = " ".join(value.strip().lower().replace("_", " ").split())
    condition, finish, language = None, Finish.NONFOIL, Language.ENGLISH
    for part in re.split(r",| - ", text):
        part = part.strip()
        stripped = True
        while part and stripped:  # peel trailing finish and language words, in any order
            stripped = False
            for marker, marker_finish in _FINISH_MARKERS:
                if part == marker or part.endswith(" " + marker):
                    finish, part, stripped = marker_finish, part[: -len(marker)].strip(), True
                    break
            for word in _LONG_LANGUAGE_WORDS:
                if part and (part == word or part.endswith(" " + word)):
                    language, part, stripped = LANGUAGE_WORDS[word], part[: -len(word)].strip(), True
                    break
        if not part:
            continue
        if part in CONDITION_WORDS:
            condition = CONDITION_WORDS[part]
        elif part in LANGUAGE_WORDS:
            language = LANGUAGE_WORDS[part]
        else:
            return None
    if condition is None:
        return None
    return condition, finish, language


@lru_cache(maxsize=4096)
def parse_quantity(value: str) -> int | None:
    text = value.strip().replace(",", "")
    if not re.fullmatch(r"\d+(?:\.0+)?", text):
        return None
    number = int(Decimal(text))
    return number if number <= MAX_ITEM_QUANTITY else None


@lru_cache(maxsize=16384)
def parse_price(value: str) -> Decimal | str | None:
    """Decimal, None for a blank, or the string "bad" for something that is not a price."""
    text = value.strip().lstrip("$").replace(",", "").strip()
    if not text:
        return None
    try:
        price = Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        return "bad"
    if price < 0 or price > MAX_PRICE:
        return "bad"
    return price


def normalise_header(column: str) -> str:
    return " ".join(column.strip().strip('"').lower().replace("_", " ").split())


# --- opening ----------------------------------------------------------------------------------


class CountingReader(io.RawIOBase):
    """Counts bytes read from the underlying binary file, for progress."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        self.bytes_read += count
        return count


def open_feed(raw: IO[bytes]) -> tuple[CountingReader, Iterator[list[str]], list[str]]:
    """Check the start of the file and read its header. Returns (counter, csv rows, header)."""
    start = raw.read(4096)
    raw.seek(0)
    if not start.strip():
        raise FeedStructureError("The file is empty.")
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FeedStructureError("The file is UTF-16 text. Export it again as CSV (UTF-8).")
    if b"\x00" in start:
        raise FeedStructureError("This is not a CSV file (it contains binary data).")
    counter = CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, 256 * 1024), encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
        if header and header[0].strip().lower().startswith("sep="):
            header = next(reader)
    except StopIteration:
        raise FeedStructureError("The file has no header row.") from None
    except UnicodeDecodeError as error:
        raise FeedStructureError(_encoding_message(error)) from None
    except csv.Error as error:
        raise FeedStructureError(f"This is not a readable CSV file ({error}).") from None
    return counter, reader, [normalise_header(column) for column in header]


def _encoding_message(error: UnicodeDecodeError) -> str:
    return (
        "The file is not UTF-8 text (it has bytes that cannot be read). "
        "Export it again as CSV (UTF-8); nothing was changed."
    )


def iter_records(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for each non-blank data row; encoding and CSV errors are structural."""
    row_number = 1
    try:
        for cells in reader:
            row_number += 1
            if not "".join(cells).strip():
                continue
            yield row_number, cells
    except UnicodeDecodeError as error:
        raise FeedStructureError(_encoding_message(error)) from None
    except csv.Error as error:
        raise FeedStructureError(f"Row {row_number + 1} is not readable CSV ({error}); nothing was changed.") from None


# --- providers --------------------------------------------------------------------------------

# Each of our fields → the header names a provider's export uses for it, best first.
TCGPLAYER_COLUMNS: dict[str, tuple[str, ...]] = {
    "sku": ("tcgplayer id",),
    "product_line": ("product line",),
    "set_name": ("set name",),
    "name": ("product name",),
    "number": ("number",),
    "condition": ("condition",),
    "quantity": ("total quantity",),
    "store_price": ("my store price",),
    "price": ("tcg marketplace price",),
}
TCGPLAYER_REQUIRED = ("sku", "set_name", "name", "number", "condition", "quantity")

# Crystal Commerce exports differ between store setups and versions of its export screen;
# these are the spellings accepted (docs/stores.md lists them).
CRYSTAL_COMMERCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("product name", "name", "title"),
    "set_name": ("category", "category name", "set", "set name", "edition"),
    "number": ("collector number", "card number", "number", "collector #"),
    "condition": ("condition", "variant", "variant name"),
    "language": ("language",),
    "finish": ("foil", "is foil", "finish", "printing"),
    "quantity": ("qty", "quantity", "total qty", "qty on hand", "stock", "in stock"),
    "price": ("sell price", "price", "selling price", "sell"),
    "sku": ("sku", "product id", "manufacturer sku", "barcode"),
}
CRYSTAL_COMMERCE_REQUIRED = ("name", "set_name", "quantity")

# Generic CSV: the fields a saved mapping may point at a column.
GENERIC_FIELDS = (
    "name",
    "set_code",
    "set_name",
    "number",
    "scryfall_id",
    "condition",
    "finish",
    "language",
    "quantity",
    "price",
    "sku",
)
GENERIC_FIELD_LABELS = {
    "name": "Card name",
    "set_code": "Set code (e.g. MH2)",
    "set_name": "Set name",
    "number": "Collector number",
    "scryfall_id": "Scryfall ID",
    "condition": "Condition",
    "finish": "Foil / finish",
    "language": "Language",
    "quantity": "Quantity",
    "price": "Price",
    "sku": "Your SKU",
}


def validate_mapping(mapping: dict[str, str]) -> dict[str, str]:
    """A saved generic mapping must say where quantity is and how to find the card."""
    mapping = {field: column for field, column in mapping.items() if field in GENERIC_FIELDS and column}
    if "quantity" not in mapping:
        raise FeedStructureError("The mapping needs a quantity column.")
    if "scryfall_id" not in mapping and not ("name" in mapping and ({"set_code", "set_name"} & mapping.keys())):
        raise FeedStructureError("The mapping needs a Scryfall ID column, or a card name and a set column.")
    return mapping


def _positions(header: list[str], columns: dict[str, tuple[str, ...]], required: tuple[str, ...], label: str) -> dict:
    positions: dict[str, tuple[int, str]] = {}
    for field, names in columns.items():
        for name in names:
            if name in header:
                positions[field] = (header.index(name), name)
                break
    missing = [columns[field][0] for field in required if field not in positions]
    if missing:
        shown = ", ".join(f"“{name.title()}”" for name in missing)
        raise FeedStructureError(
            f"This is not a {label} file: the column{'s' if len(missing) > 1 else ''} {shown} "
            f"{'are' if len(missing) > 1 else 'is'} missing. Nothing was changed."
        )
    return positions


def feed_rows(provider: str, raw: IO[bytes], *, mapping: dict | None = None):
    """(counter, iterator of FeedRow | RowError) for a provider's file; structure checked first."""
    counter, reader, header = open_feed(raw)
    if provider == SyncProvider.TCGPLAYER:
        positions = _positions(header, TCGPLAYER_COLUMNS, TCGPLAYER_REQUIRED, "TCGplayer seller inventory")
        return counter, _tcgplayer_rows(reader, positions)
    if provider == SyncProvider.CRYSTAL_COMMERCE:
        positions = _positions(header, CRYSTAL_COMMERCE_COLUMNS, CRYSTAL_COMMERCE_REQUIRED, "Crystal Commerce export")
        return counter, _generic_rows(reader, positions, set_from_category=True)
    if provider == SyncProvider.CSV:
        mapping = validate_mapping(mapping or {})
        columns = {field: (normalise_header(column),) for field, column in mapping.items()}
        positions = _positions(header, columns, tuple(mapping), "mapped CSV")
        return counter, _generic_rows(reader, positions, set_from_category=False)
    raise FeedStructureError(f"Unknown provider {provider!r}.")


def _cell(cells: list[str], positions: dict, field: str) -> str:
    position = positions.get(field)
    if position is None or position[0] >= len(cells):
        return ""
    return cells[position[0]].strip()


def _column(positions: dict, field: str) -> str:
    return positions[field][1].title() if field in positions else field


def _tcgplayer_rows(reader, positions) -> Iterator[FeedRow | RowError]:
    # Each row's cells are padded to one past the last mapped column, so a field the header
    # lacks (index -1) and a short row both read "" — plain indexing, no call per cell.
    index = {field: position[0] for field, position in positions.items()}
    width = max(index.values()) + 2
    (line_at, sku_at, name_at, set_at, number_at, condition_at, quantity_at, store_price_at, price_at) = (
        index.get(field, -1)
        for field in (
            "product_line",
            "sku",
            "name",
            "set_name",
            "number",
            "condition",
            "quantity",
            "store_price",
            "price",
        )
    )
    for row_number, cells in iter_records(reader):
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        elif cells[-1]:
            cells.append("")
        line = cells[line_at].strip()
        if line and "magic" not in line.lower():
            yield RowError(row_number, "Product Line", f"“{line}” is not a Magic: The Gathering product; skipped.")
            continue
        item = FeedRow(row=row_number, sku=cells[sku_at].strip())
        item.name = cells[name_at].strip()
        item.set_name = cells[set_at].strip()
        item.number = cells[number_at].strip()
        if not item.name:
            yield RowError(row_number, "Product Name", "The product name is empty.")
            continue
        if not item.set_name:
            yield RowError(row_number, "Set Name", "The set name is empty.")
            continue
        if item.sku and not item.sku.isdigit():
            yield RowError(row_number, "TCGplayer Id", f"“{item.sku}” is not a TCGplayer SKU id (digits).")
            continue
        condition_text = cells[condition_at].strip()
        parsed = parse_condition(condition_text)
        if parsed is None:
            yield RowError(row_number, "Condition", f"Unknown condition “{condition_text}”.")
            continue
        item.condition, item.finish, item.language = parsed
        if item.finish == Finish.FOIL and "etched" in item.name.lower():
            item.finish = Finish.ETCHED
        quantity_text = cells[quantity_at].strip()
        quantity = parse_quantity(quantity_text)
        if quantity is None:
            yield RowError(
                row_number, "Total Quantity", f"“{quantity_text}” is not a quantity (a whole number 0–100,000)."
            )
            continue
        item.quantity = quantity
        store_price = cells[store_price_at].strip()
        price_field = "store_price" if store_price else "price"
        price = parse_price(store_price or cells[price_at].strip())
        if price == "bad":
            yield RowError(row_number, _column(positions, price_field), "Not a price (e.g. 4.99).")
            continue
        item.price = price
        yield item


_FOIL_IN_NAME = re.compile(r"\s*(?:-\s*foil|\((?:foil|foil etched|etched)\)|\[foil\])\s*$", re.IGNORECASE)


def _generic_rows(reader, positions, *, set_from_category: bool) -> Iterator[FeedRow | RowError]:
    for row_number, cells in iter_records(reader):
        item = FeedRow(row=row_number)
        item.name = _cell(cells, positions, "name")
        item.set_name = _cell(cells, positions, "set_name")
        item.set_code = _cell(cells, positions, "set_code")
        item.number = _cell(cells, positions, "number")
        item.scryfall_id = _cell(cells, positions, "scryfall_id")
        item.sku = _cell(cells, positions, "sku")[:64]
        finish_from_name = None
        foil_match = _FOIL_IN_NAME.search(item.name)
        if foil_match:
            finish_from_name = Finish.ETCHED if "etched" in foil_match.group(0).lower() else Finish.FOIL
            item.name = item.name[: foil_match.start()].strip()
        if set_from_category:
            # Crystal Commerce categories nest: "Magic Singles >> Modern Horizons 2".
            item.set_name = re.split(r"\s*(?:>>|>|\|)\s*", item.set_name)[-1].strip()
        if not item.scryfall_id and not item.name:
            yield RowError(row_number, _column(positions, "name"), "The card name is empty.")
            continue
        if not item.scryfall_id and not (item.set_name or item.set_code):
            yield RowError(row_number, _column(positions, "set_name"), "The set is empty.")
            continue
        condition_text = _cell(cells, positions, "condition")
        if condition_text:
            parsed = parse_condition(condition_text)
            if parsed is None:
                yield RowError(row_number, _column(positions, "condition"), f"Unknown condition “{condition_text}”.")
                continue
            item.condition, item.finish, item.language = parsed
        finish_text = _cell(cells, positions, "finish").lower()
        if finish_text:
            if finish_text not in FINISH_WORDS:
                yield RowError(row_number, _column(positions, "finish"), f"Unknown finish “{finish_text}”.")
                continue
            item.finish = FINISH_WORDS[finish_text]
        if finish_from_name:
            item.finish = finish_from_name
        language_text = _cell(cells, positions, "language").lower()
        if language_text:
            if language_text not in LANGUAGE_WORDS:
                yield RowError(row_number, _column(positions, "language"), f"Unknown language “{language_text}”.")
                continue
            item.language = LANGUAGE_WORDS[language_text]
        quantity_text = _cell(cells, positions, "quantity")
        quantity = parse_quantity(quantity_text)
        if quantity is None:
            yield RowError(
                row_number,
                _column(positions, "quantity"),
                f"“{quantity_text}” is not a quantity (a whole number 0–100,000).",
            )
            continue
        item.quantity = quantity
        price = parse_price(_cell(cells, positions, "price"))
        if price == "bad":
            yield RowError(row_number, _column(positions, "price"), "Not a price (e.g. 4.99).")
            continue
        item.price = price
        yield item


def strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
