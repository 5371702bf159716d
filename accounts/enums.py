from django.db import models


class AccountType(models.TextChoices):
    PERSONAL = "personal", "Personal"
    BUSINESS = "business", "Business"


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
