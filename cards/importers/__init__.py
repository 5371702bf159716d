"""Importers for real price data formats: Scryfall bulk `default_cards` and MTGJSON `AllPricesToday`.

Both stream their input (never load a whole file), validate record by record, write in
batches through cards.services, and return an ImportReport that lists every problem with
the record it came from instead of stopping at the first one.
"""

from .mtgjson import mtgjson_prices_import
from .report import ImportReport
from .scryfall import scryfall_import

__all__ = ["ImportReport", "mtgjson_prices_import", "scryfall_import"]
