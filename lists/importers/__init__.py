"""Collection exports in (csv_formats: bytes to rows, pure) and matched to the catalog (matching: reads).

Writing the list is the services' job (lists.services.imports).
"""

from .csv_formats import (
    ImportFileError,
    NotForTrade,
    ParsedRow,
    ReadOptions,
    RowError,
    UnknownHeader,
    detect_format,
    iter_rows,
    open_csv,
    read_header,
)

__all__ = [
    "ImportFileError",
    "NotForTrade",
    "ParsedRow",
    "ReadOptions",
    "RowError",
    "UnknownHeader",
    "detect_format",
    "iter_rows",
    "open_csv",
    "read_header",
]
