from django.db import models


class Finish(models.TextChoices):
    NONFOIL = "nonfoil", "Non-foil"
    FOIL = "foil", "Foil"
    ETCHED = "etched", "Etched"


class Rarity(models.TextChoices):
    COMMON = "common", "Common"
    UNCOMMON = "uncommon", "Uncommon"
    RARE = "rare", "Rare"
    MYTHIC = "mythic", "Mythic"
    SPECIAL = "special", "Special"
    BONUS = "bonus", "Bonus"


class PriceSource(models.TextChoices):
    """Where a snapshot came from. Market sources move the current price; others are history only."""

    SCRYFALL = "scryfall", "Scryfall (TCGplayer market)"
    TCGPLAYER = "tcgplayer", "TCGplayer retail (MTGJSON)"
    CARDKINGDOM = "cardkingdom", "Card Kingdom retail (MTGJSON)"
    CARDKINGDOM_BUYLIST = "cardkingdom_buylist", "Card Kingdom buylist (MTGJSON)"
    TCGPLAYER_BUYLIST = "tcgplayer_buylist", "TCGplayer buylist (MTGJSON)"
    CARDMARKET = "cardmarket", "Cardmarket (MTGJSON)"
    DEMO = "demo", "Demo feed (random walk)"


class CatalogImportKind(models.TextChoices):
    SCRYFALL = "scryfall", "Scryfall bulk data"
    MTGJSON = "mtgjson", "MTGJSON prices"


class ImportDatedBy(models.TextChoices):
    """Where a catalog import's source date came from (docs/decisions/0031)."""

    METADATA = "metadata", "bulk metadata updated_at"
    OPTION = "option", "--as-of"
    FILE_NAME = "file_name", "date in the file name"
    PRICE_DATES = "price_dates", "newest price date in the file"
    IMPORT_TIME = "import_time", "import time (no date known)"


MARKET_SOURCES = {PriceSource.SCRYFALL, PriceSource.TCGPLAYER, PriceSource.DEMO}


# Scryfall layouts of things that are not cards one trades as singles (docs/decisions/0030): tokens
# and emblems (game markers), art series cards, and the oversized Vanguard, Planechase and
# Archenemy cards. Their printings stay in the catalog (history, card page) but are not tradable.
# augment/host (Unstable) are real booster cards: tradable.
NON_TRADABLE_LAYOUTS = frozenset(
    ["token", "double_faced_token", "emblem", "art_series", "vanguard", "planar", "scheme"]
)
