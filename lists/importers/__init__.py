"""CSV parsers for the collection exports traders bring (Deckbox, Moxfield, ManaBox).

Parsing is pure: bytes in, `ParsedRow`s and `RowError`s out. Matching the rows to cards
and writing the list are the services' job (lists.services.imports).
"""

from .csv_formats import (
    ImportFileError,
    ParsedRow,
    RowError,
    detect_format,
    iter_rows,
    open_csv,
)

__all__ = ["ImportFileError", "ParsedRow", "RowError", "detect_format", "iter_rows", "open_csv"]
