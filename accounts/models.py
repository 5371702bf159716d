from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel

from .enums import AccountType, ReputationTier, TokenScope

MAX_TRADE_RADIUS_KM = 500


class User(AbstractUser):
    """A Bazaar user. Logs in by email; `username` is the public handle."""

    email = models.EmailField("email address", unique=True)
    account_type = models.CharField(max_length=10, choices=AccountType.choices, default=AccountType.PERSONAL)
    business_name = models.CharField(max_length=200, blank=True)
    business_verified = models.BooleanField(default=False)

    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 country code, e.g. US")
    postal_code = models.CharField(max_length=12, blank=True)
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    trade_radius_km = models.PositiveIntegerField(
        default=50, validators=[MinValueValidator(1), MaxValueValidator(MAX_TRADE_RADIUS_KM)]
    )
    match_with_stores = models.BooleanField(
        default=False, help_text="Let verified local stores see that you are a nearby match."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(trade_radius_km__gte=1) & Q(trade_radius_km__lte=MAX_TRADE_RADIUS_KM),
                name="user_trade_radius_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | (Q(latitude__gte=-90) & Q(latitude__lte=90)),
                name="user_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | (Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="user_longitude_range",
            ),
        ]
        indexes = [models.Index(fields=["latitude", "longitude"], name="user_location_idx")]

    def __str__(self) -> str:
        return self.username

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def is_business(self) -> bool:
        return self.account_type == AccountType.BUSINESS


class UserReputation(TimeStampedModel):
    """Derived reputation, recomputed by accounts.services.reputation_recompute on every event."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="reputation")

    completed_trades = models.PositiveIntegerField(default=0)
    cancelled_trades = models.PositiveIntegerField(default=0)
    total_trade_value = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    review_count = models.PositiveIntegerField(default=0)
    review_average = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0"))

    signals_followed = models.PositiveIntegerField(default=0)
    signals_profitable = models.PositiveIntegerField(default=0)
    signal_accuracy_pct = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    signals_authored_evaluated = models.PositiveIntegerField(default=0)
    author_hits = models.PositiveIntegerField(default=0)
    author_accuracy_pct = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))

    disputes_involved = models.PositiveIntegerField(default=0)
    disputes_lost = models.PositiveIntegerField(default=0)

    last_activity_at = models.DateTimeField(null=True, blank=True)
    reputation_score = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    reputation_tier = models.CharField(max_length=10, choices=ReputationTier.choices, default=ReputationTier.NEW)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(reputation_tier__in=ReputationTier.values), name="reputation_tier_valid"
            ),
            models.CheckConstraint(condition=Q(reputation_score__gte=0), name="reputation_score_non_negative"),
        ]
        indexes = [
            models.Index(fields=["-reputation_score"], name="reputation_score_idx"),
            # Signals sorted by best creator walk creators in this order (bench/signals.py).
            models.Index(fields=["-author_accuracy_pct", "user"], name="reputation_author_accuracy_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.reputation_tier} ({self.reputation_score})"


class ApiToken(TimeStampedModel):
    """A named API token. Only a SHA-256 of the secret is kept; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=20, choices=TokenScope.choices, default=TokenScope.FULL)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], condition=Q(revoked_at__isnull=True), name="api_token_active_name_unique"
            ),
            models.CheckConstraint(condition=Q(scope__in=TokenScope.values), name="api_token_scope_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
