from django.db import models


class StoreStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"


# The verification machine: staff verify or reject a pending store; a rejected owner fixes the
# profile and resubmits (pending again); staff may revoke a verification (rejected).
ALLOWED_STATUS_TRANSITIONS: dict[str, set[str]] = {
    StoreStatus.PENDING: {StoreStatus.VERIFIED, StoreStatus.REJECTED},
    StoreStatus.REJECTED: {StoreStatus.PENDING},
    StoreStatus.VERIFIED: {StoreStatus.REJECTED},
}


class Condition(models.TextChoices):
    """The same codes as the have/want lists use, so stock and wants compare directly."""

    NEAR_MINT = "NM", "Near Mint"
    LIGHTLY_PLAYED = "LP", "Lightly Played"
    MODERATELY_PLAYED = "MP", "Moderately Played"
    HEAVILY_PLAYED = "HP", "Heavily Played"
    DAMAGED = "DMG", "Damaged"


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


class SyncProvider(models.TextChoices):
    TCGPLAYER = "tcgplayer", "TCGplayer seller inventory export"
    CRYSTAL_COMMERCE = "crystal_commerce", "Crystal Commerce inventory export"
    CSV = "csv", "Other CSV (with a saved column mapping)"


class SyncMode(models.TextChoices):
    FULL = "full", "Full (items missing from the file go to 0)"
    DELTA = "delta", "Delta (only the items in the file change)"


class SyncSource(models.TextChoices):
    UPLOAD = "upload", "Uploaded file"
    URL = "url", "Scheduled URL"
    API = "api", "API upload"


class SyncRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


ACTIVE_RUN_STATUSES = (SyncRunStatus.QUEUED, SyncRunStatus.RUNNING)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
