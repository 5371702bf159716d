from django.db import models

from lists import enums as lists_enums


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


# Conditions and languages are the lists' vocabulary, so stock and wants compare directly.
Condition = lists_enums.Condition
Language = lists_enums.Language


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
