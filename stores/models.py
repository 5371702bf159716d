from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from cards.enums import Finish
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField

from .enums import (
    ACTIVE_RUN_STATUSES,
    Condition,
    Language,
    StoreStatus,
    SyncMode,
    SyncProvider,
    SyncRunStatus,
    SyncSource,
)

MAX_SERVICE_RADIUS_KM = 500
DEFAULT_SERVICE_RADIUS_KM = 40
MAX_ITEM_QUANTITY = 100_000


class LGSProfile(TimeStampedModel):
    """A local game store: the plan's `lgs_profiles` row. Its primary key is the owner's user id.

    `status` is the truth about verification; `User.business_verified` mirrors it and is
    written only by stores.services.verification.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="store_profile"
    )

    # Store info
    store_name = models.CharField(max_length=255)
    store_address = models.TextField(blank=True)
    store_city = models.CharField(max_length=100, blank=True)
    store_state = models.CharField(max_length=50, blank=True)
    store_postal = models.CharField(max_length=20, blank=True)
    store_country = models.CharField(max_length=2, default="US")
    store_phone = models.CharField(max_length=20, blank=True)
    store_website = models.URLField(max_length=500, blank=True)

    # Location
    latitude = models.DecimalField(
        max_digits=10,
        decimal_places=8,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        max_digits=11,
        decimal_places=8,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    timezone = models.CharField(max_length=64, default="America/New_York")
    service_radius_km = models.PositiveIntegerField(
        default=DEFAULT_SERVICE_RADIUS_KM, validators=[MinValueValidator(1), MaxValueValidator(MAX_SERVICE_RADIUS_KM)]
    )

    # Features
    offers_buylist = models.BooleanField(default=False)
    offers_trades = models.BooleanField(default=True)
    offers_events = models.BooleanField(default=False)
    trade_in_bonus_pct = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    # Inventory sync (the plan's fields) and the schedule of a URL source.
    inventory_sync_provider = models.CharField(max_length=50, choices=SyncProvider.choices, blank=True)
    inventory_sync_config = models.JSONField(
        default=dict, blank=True, help_text='{"csv_mapping": {field: column}} for the generic CSV provider.'
    )
    last_sync_at = models.DateTimeField(null=True, blank=True)
    sync_status = models.CharField(max_length=20, choices=SyncRunStatus.choices, blank=True)
    sync_mode = models.CharField(max_length=5, choices=SyncMode.choices, default=SyncMode.FULL)
    sync_url = models.URLField(max_length=1000, blank=True)
    sync_auth_header = models.CharField(
        max_length=1000, blank=True, help_text="Sent with every fetch of sync_url; never shown again once saved."
    )
    sync_interval_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_sync_at = models.DateTimeField(null=True, blank=True)

    # Hours: {"monday": {"open": "10:00", "close": "21:00"}, ...}; a missing day is closed.
    hours = models.JSONField(default=dict, blank=True)

    # Settings
    auto_price_adjustment = models.BooleanField(default=False)
    price_adjustment_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("200"))],
    )
    prices_adjusted_at = models.DateTimeField(null=True, blank=True)

    # Verification
    status = models.CharField(max_length=10, choices=StoreStatus.choices, default=StoreStatus.PENDING)
    rejection_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "store"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=StoreStatus.values), name="store_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=StoreStatus.REJECTED) | ~Q(rejection_reason=""), name="store_rejection_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(service_radius_km__gte=1) & Q(service_radius_km__lte=MAX_SERVICE_RADIUS_KM),
                name="store_service_radius_range",
            ),
            models.CheckConstraint(
                condition=Q(sync_interval_minutes__isnull=True) | Q(sync_interval_minutes__gte=15),
                name="store_sync_interval_min",
            ),
        ]
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="store_location_idx"),
            models.Index(fields=["status"], name="store_status_idx"),
            models.Index(fields=["next_sync_at"], name="store_next_sync_idx", condition=Q(next_sync_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.store_name

    @property
    def id(self) -> int:
        return self.user_id

    @property
    def is_verified(self) -> bool:
        return self.status == StoreStatus.VERIFIED

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class StoreStatusEvent(models.Model):
    """Audit trail of the verification machine: who moved the store, from what, to what, why."""

    store = models.ForeignKey(LGSProfile, on_delete=models.CASCADE, related_name="status_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    from_status = models.CharField(max_length=10, choices=StoreStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=StoreStatus.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class StoreInventoryItem(TimeStampedModel):
    """What a store has on its shelf: one row per card printing, condition, finish and language.

    `feed_price` is what the last sync said; `price` is what the store asks (the feed price,
    an owner's edit, or market * (1 + adjustment) when auto adjustment is on). Syncs compare
    against `feed_price` only, so repricing never makes a re-run look like a change.
    """

    store = models.ForeignKey(LGSProfile, on_delete=models.CASCADE, related_name="inventory_items")
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(max_length=3, choices=Condition.choices, default=Condition.NEAR_MINT)
    finish = models.CharField(max_length=10, choices=Finish.choices, default=Finish.NONFOIL)
    language = models.CharField(max_length=3, choices=Language.choices, default=Language.ENGLISH)
    quantity = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(MAX_ITEM_QUANTITY)])
    price = MoneyField(null=True, blank=True)
    feed_price = MoneyField(null=True, blank=True)
    currency = CurrencyField()
    provider_sku = models.CharField(max_length=64, blank=True)
    # The card's name, copied at write time: the store page and the dashboard list a store's
    # items by card name, and an index on (store, card_name) makes that a range scan instead of
    # sorting every joined row of a 100,000-item store per page (docs/decisions/0038).
    card_name = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "card", "condition", "finish", "language"], name="store_item_unique_printing"
            ),
            models.CheckConstraint(condition=Q(condition__in=Condition.values), name="store_item_condition_valid"),
            models.CheckConstraint(condition=Q(finish__in=Finish.values), name="store_item_finish_valid"),
            models.CheckConstraint(condition=Q(price__isnull=True) | Q(price__gte=0), name="store_item_price_gte_0"),
            models.CheckConstraint(
                condition=Q(feed_price__isnull=True) | Q(feed_price__gte=0), name="store_item_feed_price_gte_0"
            ),
            models.CheckConstraint(condition=Q(quantity__lte=MAX_ITEM_QUANTITY), name="store_item_quantity_max"),
        ]
        indexes = [
            # "Which stores stock card X": only rows on the shelf.
            models.Index(fields=["card", "store"], name="store_item_in_stock_idx", condition=Q(quantity__gt=0)),
            # A store's items by card name (store page, dashboard): pages are index range scans.
            models.Index(fields=["store", "card_name", "card", "id"], name="store_item_by_name_idx"),
        ]

    def save(self, *args, **kwargs):
        if not self.card_name and self.card_id:
            from cards.models import Card

            self.card_name = Card.objects.filter(pk=self.card_id).values_list("name", flat=True).first() or ""
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.store_id}: {self.card_id} {self.condition} {self.finish} {self.language} ×{self.quantity}"


def sync_upload_path(instance, filename: str) -> str:
    return f"store-syncs/{instance.store_id}/{filename}"


class InventorySyncRun(TimeStampedModel):
    """One sync of a store's inventory from a file (upload, URL fetch or API upload)."""

    store = models.ForeignKey(LGSProfile, on_delete=models.CASCADE, related_name="sync_runs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    provider = models.CharField(max_length=20, choices=SyncProvider.choices)
    mode = models.CharField(max_length=5, choices=SyncMode.choices, default=SyncMode.FULL)
    source = models.CharField(max_length=10, choices=SyncSource.choices)
    source_file = models.FileField(upload_to=sync_upload_path, blank=True, max_length=300)
    original_filename = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=SyncRunStatus.choices, default=SyncRunStatus.QUEUED)

    bytes_total = models.PositiveBigIntegerField(default=0)
    bytes_processed = models.PositiveBigIntegerField(default=0, help_text="Progress of a running sync.")
    rows_processed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    zeroed_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, column, reason}] (first 1,000)")
    error_count = models.PositiveIntegerField(default=0)
    unmatched = models.JSONField(default=list, blank=True, help_text="[{row, name, set, number, reason}] (first 1,000)")
    unmatched_count = models.PositiveIntegerField(default=0)
    failure_message = models.TextField(blank=True, help_text="Why the run changed nothing (structural error).")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=SyncRunStatus.values), name="sync_run_status_valid"),
            # Two runs for one store never overlap: the database refuses a second active run.
            models.UniqueConstraint(
                fields=["store"], condition=Q(status__in=ACTIVE_RUN_STATUSES), name="sync_run_one_active_per_store"
            ),
        ]
        indexes = [models.Index(fields=["store", "-created_at"], name="sync_run_store_recent_idx")]

    def __str__(self) -> str:
        return f"sync {self.pk} of store {self.store_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return round((self.finished_at - self.started_at).total_seconds(), 2)
        return None

    @property
    def progress_pct(self) -> int:
        if not self.bytes_total:
            return 100 if self.status == SyncRunStatus.SUCCEEDED else 0
        return min(100, int(self.bytes_processed * 100 / self.bytes_total))

    @property
    def counts(self) -> dict[str, int]:
        return {
            "created": self.created_count,
            "updated": self.updated_count,
            "zeroed": self.zeroed_count,
            "unchanged": self.unchanged_count,
            "skipped": self.skipped_count,
        }


class SetNameAlias(models.Model):
    """A set name as a provider spells it (e.g. TCGplayer's "Magic 2010 (M10)") → our set code.

    Built-in aliases live in stores.sync.matching; staff add more here without a deploy.
    """

    alias = models.CharField(max_length=200, unique=True, help_text="Compared case- and punctuation-insensitively.")
    set_code = models.CharField(max_length=10)

    class Meta:
        verbose_name_plural = "set name aliases"

    def __str__(self) -> str:
        return f"{self.alias} → {self.set_code}"


DEFAULT_CONDITION_MULTIPLIERS = {"NM": "1.00", "LP": "0.85", "MP": "0.70", "HP": "0.50", "DMG": "0.30"}
DEFAULT_MAX_QTY_PER_CARD = 8


def default_condition_multipliers() -> dict:
    return dict(DEFAULT_CONDITION_MULTIPLIERS)


class BuylistRules(TimeStampedModel):
    """A store's smart buylist rules (docs/stores.md, "Smart buylist"). One row per store."""

    store = models.OneToOneField(LGSProfile, on_delete=models.CASCADE, primary_key=True, related_name="buylist_rules")
    buy_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("50"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("100"))],
        help_text="Percent of market paid in cash for a near-mint copy.",
    )
    condition_multipliers = models.JSONField(default=default_condition_multipliers)
    max_qty_per_card = models.PositiveIntegerField(
        default=DEFAULT_MAX_QTY_PER_CARD, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    hotlist_bonus_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    computed_at = models.DateTimeField(null=True, blank=True)
    # Rows the last recompute wrote: the dashboard shows it instead of counting 500,000 rows.
    entry_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "buylist rules"
        constraints = [
            models.CheckConstraint(condition=Q(buy_pct__gte=1) & Q(buy_pct__lte=100), name="buylist_buy_pct_range"),
            models.CheckConstraint(condition=Q(max_qty_per_card__gte=1), name="buylist_max_qty_min"),
        ]


class BuylistCardRuleKind(models.TextChoices):
    HOT = "hot", "Hotlist"
    DARK = "dark", "Darklist"
    FIXED = "fixed", "Fixed price"


class BuylistCardRule(models.Model):
    """One card on a store's hotlist, darklist or fixed-price list (one kind per card)."""

    store = models.ForeignKey(LGSProfile, on_delete=models.CASCADE, related_name="buylist_card_rules")
    card = models.ForeignKey("cards.Card", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=5, choices=BuylistCardRuleKind.choices)
    fixed_price = MoneyField(null=True, blank=True)
    currency = CurrencyField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "card"], name="buylist_card_rule_unique"),
            models.CheckConstraint(condition=Q(kind__in=BuylistCardRuleKind.values), name="buylist_card_rule_kind"),
            models.CheckConstraint(
                condition=~Q(kind="fixed") | (Q(fixed_price__isnull=False) & Q(fixed_price__gte=0)),
                name="buylist_fixed_has_price",
            ),
        ]


class BuylistEntry(models.Model):
    """The precomputed buylist: what the store pays for one card, condition and finish."""

    store = models.ForeignKey(LGSProfile, on_delete=models.CASCADE, related_name="buylist_entries")
    card = models.ForeignKey("cards.Card", on_delete=models.CASCADE, related_name="+")
    condition = models.CharField(max_length=3, choices=Condition.choices)
    finish = models.CharField(max_length=10, choices=Finish.choices)
    cash_price = MoneyField()
    credit_price = MoneyField()
    currency = CurrencyField()
    breakdown = models.JSONField(default=dict)
    card_name = models.CharField(max_length=300, blank=True, default="")  # the buylist lists by it (indexed)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "card", "condition", "finish"], name="buylist_entry_unique"),
            models.CheckConstraint(condition=Q(cash_price__gte=0), name="buylist_entry_cash_gte_0"),
        ]
        indexes = [models.Index(fields=["store", "card_name", "card", "id"], name="buylist_entry_by_name_idx")]


class StoreThread(TimeStampedModel):
    """A conversation between a store (its owner) and one trader (decision 0019)."""

    store = models.ForeignKey(LGSProfile, on_delete=models.CASCADE, related_name="threads")
    trader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="store_threads")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "trader"], name="store_thread_unique")]
        ordering = ["-updated_at", "-id"]


class StoreMessageKind(models.TextChoices):
    MESSAGE = "message", "Message"
    QUOTE = "quote", "Quote"


class StoreMessage(models.Model):
    thread = models.ForeignKey(StoreThread, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=7, choices=StoreMessageKind.choices, default=StoreMessageKind.MESSAGE)
    body = models.TextField(max_length=2000, blank=True)
    quote = models.JSONField(null=True, blank=True, help_text="The quote as sent: lines and totals.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["sender", "created_at"], name="store_message_sender_idx")]


class StoreBlock(models.Model):
    """A trader blocked a store: it no longer sees them as a match nor messages them."""

    trader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocked_stores")
    store = models.ForeignKey(LGSProfile, on_delete=models.CASCADE, related_name="blocked_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trader", "store"], name="store_block_unique")]


class StoreMessageReport(models.Model):
    """A trader reported a store's message to staff (reviewed in admin)."""

    message = models.ForeignKey(StoreMessage, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=500)
    resolved = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "reporter"], name="store_report_once")]
