"""Reading the three export formats into one row shape.

Columns are found by header name (exports add and reorder columns over time), and the format
is recognised by the columns only it has. Anything wrong with the file as a whole raises
`ImportFileError` (the import changes nothing); anything wrong with one row yields a `RowError`
with its row number (the spreadsheet row: the header is row 1).
"""

from __future__ import annotations

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


class ImportFileError(Exception):
    """The file as a whole cannot be read: not CSV, not UTF-8, or a header we do not know."""


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
    finish: str
    language: str


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str
    name: str = ""


# Column names are compared lower-cased and stripped.
FORMAT_COLUMNS: dict[str, dict[str, str]] = {
    ImportFormat.DECKBOX: {
        "quantity": "count",
        "name": "name",
        "set_name": "edition",
        "set_code": "edition code",
        "collector_number": "card number",
        "condition": "condition",
        "language": "language",
        "finish": "foil",
    },
    ImportFormat.MOXFIELD: {
        "quantity": "count",
        "name": "name",
        "set_code": "edition",
        "collector_number": "collector number",
        "condition": "condition",
        "language": "language",
        "finish": "foil",
    },
    ImportFormat.MANABOX: {
        "quantity": "quantity",
        "name": "name",
        "set_code": "set code",
        "set_name": "set name",
        "collector_number": "collector number",
        "scryfall_id": "scryfall id",
        "condition": "condition",
        "language": "language",
        "finish": "foil",
    },
}

# The columns that tell the formats apart (each export's own header, as the issue lists them).
SIGNATURES: list[tuple[str, set[str]]] = [
    (ImportFormat.MANABOX, {"name", "set code", "collector number", "foil", "quantity", "manabox id", "scryfall id"}),
    (ImportFormat.DECKBOX, {"count", "tradelist count", "name", "edition", "edition code", "card number"}),
    (
        ImportFormat.MOXFIELD,
        {"count", "tradelist count", "name", "edition", "condition", "language", "foil", "collector number"},
    ),
]

CONDITIONS = {
    # Deckbox
    "mint": Condition.NEAR_MINT,
    "near mint": Condition.NEAR_MINT,
    "good (lightly played)": Condition.LIGHTLY_PLAYED,
    "played": Condition.MODERATELY_PLAYED,
    "heavily played": Condition.HEAVILY_PLAYED,
    "poor": Condition.DAMAGED,
    # Moxfield (codes) and plain English
    "m": Condition.NEAR_MINT,
    "nm": Condition.NEAR_MINT,
    "lp": Condition.LIGHTLY_PLAYED,
    "mp": Condition.MODERATELY_PLAYED,
    "hp": Condition.HEAVILY_PLAYED,
    "d": Condition.DAMAGED,
    "dmg": Condition.DAMAGED,
    "lightly played": Condition.LIGHTLY_PLAYED,
    "moderately played": Condition.MODERATELY_PLAYED,
    "damaged": Condition.DAMAGED,
    # ManaBox (Cardmarket grades, mapped to the TCGplayer scale we use)
    "near_mint": Condition.NEAR_MINT,
    "excellent": Condition.LIGHTLY_PLAYED,
    "good": Condition.MODERATELY_PLAYED,
    "light_played": Condition.MODERATELY_PLAYED,
    "lightly_played": Condition.LIGHTLY_PLAYED,
    "moderately_played": Condition.MODERATELY_PLAYED,
    "heavily_played": Condition.HEAVILY_PLAYED,
}

FINISHES = {
    "": Finish.NONFOIL,
    "normal": Finish.NONFOIL,
    "nonfoil": Finish.NONFOIL,
    "non-foil": Finish.NONFOIL,
    "false": Finish.NONFOIL,
    "no": Finish.NONFOIL,
    "foil": Finish.FOIL,
    "true": Finish.FOIL,
    "yes": Finish.FOIL,
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
}


def open_csv(raw: IO[bytes]) -> tuple[str, IO[str]]:
    """Check the file is UTF-8 CSV with a known header; return (format, text stream at the start).

    Reads the whole stream once to validate the encoding, so that an encoding error can never
    surface half way through a commit.
    """
    data = raw.read()
    if not data.strip():
        raise ImportFileError("The file is empty.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError("The file is UTF-16 text. Export it again as CSV (UTF-8).")
    if b"\x00" in data[:4096]:
        raise ImportFileError("This is not a CSV file (it contains binary data).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte {error.start + 1} cannot be read). Export it again as CSV (UTF-8)."
        ) from None
    stream = io.StringIO(text, newline="")
    try:
        header = next(csv.reader(stream))
    except (csv.Error, StopIteration) as error:
        raise ImportFileError(f"This is not a readable CSV file ({error}).") from None
    file_format = detect_format(header)
    stream.seek(0)
    return file_format, stream


def detect_format(header: list[str]) -> str:
    columns = {column.strip().lower() for column in header}
    for file_format, signature in SIGNATURES:
        if signature <= columns:
            return file_format
    shown = ", ".join(column.strip() for column in header[:8]) or "(nothing)"
    raise ImportFileError(
        f"Unrecognised header: {shown}. Upload a Deckbox, Moxfield or ManaBox CSV export with its header row."
    )


def iter_rows(stream: IO[str], file_format: str) -> Iterator[ParsedRow | RowError]:
    """Yield one ParsedRow or RowError per data row; blank lines are skipped."""
    reader = csv.reader(stream)
    try:
        header = [column.strip().lower() for column in next(reader)]
    except StopIteration:
        return
    positions = {
        field: header.index(column) for field, column in FORMAT_COLUMNS[file_format].items() if column in header
    }
    row_number = 1
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
        yield _row(row_number, values)


def _row(row_number: int, values: dict[str, str]) -> ParsedRow | RowError:
    name = values.get("name", "")
    if not name:
        return RowError(row_number, "The card name is empty.")
    raw_quantity = values.get("quantity", "")
    try:
        quantity = int(raw_quantity)
    except ValueError:
        return RowError(row_number, f"Quantity {raw_quantity!r} is not a whole number.", name)
    if not 1 <= quantity <= MAX_QUANTITY:
        return RowError(row_number, f"Quantity must be between 1 and {MAX_QUANTITY} (got {quantity}).", name)
    raw_condition = values.get("condition", "").lower()
    condition = CONDITIONS.get(raw_condition, "") if raw_condition else ""
    if raw_condition and not condition:
        return RowError(row_number, f"Unknown condition {values['condition']!r}.", name)
    raw_finish = values.get("finish", "").lower()
    if raw_finish not in FINISHES:
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
    return ParsedRow(
        row=row_number,
        name=name,
        set_code=values.get("set_code", "").lower(),
        set_name=values.get("set_name", ""),
        collector_number=values.get("collector_number", ""),
        scryfall_id=scryfall_id,
        quantity=quantity,
        condition=condition,
        finish=FINISHES[raw_finish],
        language=language,
    )
