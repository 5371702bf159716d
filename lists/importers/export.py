"""CSV export of a list in Moxfield's collection format (which our importer reads back).

Every cell that a spreadsheet would treat as a formula gets a leading apostrophe (OWASP's
advice for CSV injection): card names like "+2 Mace" and user notes are data, never code.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from lists.enums import Condition, Language

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MOXFIELD_HEADER = [
    "Count",
    "Tradelist Count",
    "Name",
    "Edition",
    "Condition",
    "Language",
    "Foil",
    "Tags",
    "Last Modified",
    "Collector Number",
    "Alter",
    "Proxy",
    "Purchase Price",
]
MOXFIELD_CONDITION = {
    Condition.NEAR_MINT: "NM",
    Condition.LIGHTLY_PLAYED: "LP",
    Condition.MODERATELY_PLAYED: "MP",
    Condition.HEAVILY_PLAYED: "HP",
    Condition.DAMAGED: "D",
}
LANGUAGE_LABELS = dict(Language.choices)


def neutralise_cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def unneutralise_cell(text: str) -> str:
    """Undo neutralise_cell on import, so an exported list reads back unchanged."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


def moxfield_rows(items: Iterable, *, is_have_list: bool) -> Iterator[str]:
    """Yield the CSV text line by line (for a streaming response)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(MOXFIELD_HEADER)
    yield flush()
    for item in items:
        card = item.card
        price = getattr(item, "max_price", None)
        writer.writerow(
            [
                neutralise_cell(cell)
                for cell in (
                    item.quantity,
                    item.quantity if is_have_list else 0,
                    card.name,
                    card.set_code,
                    MOXFIELD_CONDITION.get(item.condition, item.condition),
                    LANGUAGE_LABELS.get(item.language, item.language),
                    "" if item.finish == "nonfoil" else item.finish,
                    item.note,
                    item.updated_at.strftime("%Y-%m-%d %H:%M:%S"),
                    card.collector_number,
                    "False",
                    "False",
                    "" if price is None else price,
                )
            ]
        )
        yield flush()
