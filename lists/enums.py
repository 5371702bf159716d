"""Choices of list items (shared with proposals and trades, which carry the same printing fields)."""

from django.db import models


class Condition(models.TextChoices):
    NEAR_MINT = "NM", "Near Mint"
    LIGHTLY_PLAYED = "LP", "Lightly Played"
    MODERATELY_PLAYED = "MP", "Moderately Played"
    HEAVILY_PLAYED = "HP", "Heavily Played"
    DAMAGED = "DMG", "Damaged"


# Best first: a want for "LP or better" accepts NM and LP.
CONDITION_ORDER = [c.value for c in Condition]


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Spanish"
    FRENCH = "fr", "French"
    GERMAN = "de", "German"
    ITALIAN = "it", "Italian"
    PORTUGUESE = "pt", "Portuguese"
    JAPANESE = "ja", "Japanese"
    KOREAN = "ko", "Korean"
    RUSSIAN = "ru", "Russian"
    CHINESE_SIMPLIFIED = "zhs", "Chinese (Simplified)"
    CHINESE_TRADITIONAL = "zht", "Chinese (Traditional)"
    PHYREXIAN = "ph", "Phyrexian"


class ListKind(models.TextChoices):
    HAVE = "have", "Have list"
    WANT = "want", "Want list"


class ImportFormat(models.TextChoices):
    DECKBOX = "deckbox", "Deckbox"
    MOXFIELD = "moxfield", "Moxfield"
    MANABOX = "manabox", "ManaBox"
    TCGPLAYER = "tcgplayer", "TCGplayer app"
    DRAGON_SHIELD = "dragonshield", "Dragon Shield"
    ARCHIDEKT = "archidekt", "Archidekt"
    DECKSTATS = "deckstats", "deckstats"
    GENERIC = "generic", "CSV with chosen columns"


class ImportStatus(models.TextChoices):
    PARSING = "parsing", "Reading file"
    READY = "ready", "Ready to review"
    COMMITTING = "committing", "Importing"
    COMMITTED = "committed", "Imported"
    FAILED = "failed", "Failed"
    DISCARDED = "discarded", "Discarded"


class ImportRowOutcome(models.TextChoices):
    MATCHED = "matched", "Matched"
    UNMATCHED = "unmatched", "Unmatched"
    ERROR = "error", "Error"
    NOT_FOR_TRADE = "not_for_trade", "Not for trade"
