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


class ImportStatus(models.TextChoices):
    PARSING = "parsing", "Reading file"
    PREVIEW = "preview", "Ready to review"
    COMMITTING = "committing", "Importing"
    COMMITTED = "committed", "Imported"
    FAILED = "failed", "Failed"
    DISCARDED = "discarded", "Discarded"


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Pending"
    VIEWED = "viewed", "Viewed"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    COUNTERED = "countered", "Countered"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"


PROPOSAL_OPEN_STATUSES = {ProposalStatus.PENDING, ProposalStatus.VIEWED}

PROPOSAL_TRANSITIONS: dict[str, set[str]] = {
    ProposalStatus.DRAFT: {ProposalStatus.PENDING, ProposalStatus.CANCELLED},
    ProposalStatus.PENDING: {
        ProposalStatus.VIEWED,
        ProposalStatus.ACCEPTED,
        ProposalStatus.DECLINED,
        ProposalStatus.COUNTERED,
        ProposalStatus.EXPIRED,
        ProposalStatus.CANCELLED,
    },
    ProposalStatus.VIEWED: {
        ProposalStatus.ACCEPTED,
        ProposalStatus.DECLINED,
        ProposalStatus.COUNTERED,
        ProposalStatus.EXPIRED,
        ProposalStatus.CANCELLED,
    },
    ProposalStatus.ACCEPTED: {ProposalStatus.COMPLETED},
    ProposalStatus.DECLINED: set(),
    ProposalStatus.COUNTERED: set(),
    ProposalStatus.EXPIRED: set(),
    ProposalStatus.CANCELLED: set(),
    ProposalStatus.COMPLETED: set(),
}


class ProposalSide(models.TextChoices):
    """Who gives the item: the proposer or the recipient of the proposal."""

    PROPOSER = "proposer", "Proposer gives"
    RECIPIENT = "recipient", "Recipient gives"


class TradeStatus(models.TextChoices):
    ACTIVE = "active", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


TRADE_TRANSITIONS: dict[str, set[str]] = {
    TradeStatus.ACTIVE: {TradeStatus.COMPLETED, TradeStatus.CANCELLED},
    TradeStatus.COMPLETED: set(),
    TradeStatus.CANCELLED: set(),
}
