from django.db import models


class AccountType(models.TextChoices):
    PERSONAL = "personal", "Personal"
    BUSINESS = "business", "Business"


class TokenScope(models.TextChoices):
    """What an API token may do. `full` acts as the user; `store:inventory` only reaches the
    user's own store's inventory and syncs (for a point-of-sale system)."""

    FULL = "full", "Full access (acts as you)"
    STORE_INVENTORY = "store:inventory", "Store inventory and syncs only"


class ReputationTier(models.TextChoices):
    NEW = "new", "New"
    BRONZE = "bronze", "Bronze"
    SILVER = "silver", "Silver"
    GOLD = "gold", "Gold"
    PLATINUM = "platinum", "Platinum"
    DIAMOND = "diamond", "Diamond"


# Lowest score of each tier, highest first (SPEC §3).
TIER_THRESHOLDS = [
    (ReputationTier.DIAMOND, 1200),
    (ReputationTier.PLATINUM, 900),
    (ReputationTier.GOLD, 600),
    (ReputationTier.SILVER, 300),
    (ReputationTier.BRONZE, 100),
    (ReputationTier.NEW, 0),
]
TIER_ORDER = [tier for tier, _ in reversed(TIER_THRESHOLDS)]


def tier_at_least(tier: str, minimum: str) -> bool:
    return TIER_ORDER.index(tier) >= TIER_ORDER.index(minimum)
