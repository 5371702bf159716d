"""Have and want lists, their visibility, and CSV imports.

These models lived in `trades` until the split; their tables were renamed in place, rows
kept (docs/decisions/, "Lists get their own app").
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from cards.enums import Finish
from core.models import TimeStampedModel
from core.money import MoneyField

from .enums import Condition, ImportFormat, ImportRowOutcome, ImportStatus, Language, ListKind

User = settings.AUTH_USER_MODEL


class ListItemBase(TimeStampedModel):
    owner = models.ForeignKey(User, on_delete=models.CASCADE)
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(9999)])
    condition = models.CharField(max_length=3, choices=Condition.choices, default=Condition.NEAR_MINT)
    finish = models.CharField(max_length=10, choices=Finish.choices, default=Finish.NONFOIL)
    language = models.CharField(max_length=3, choices=Language.choices, default=Language.ENGLISH)
    note = models.CharField(max_length=200, blank=True)
    # The card's name, kept by database triggers (migration 0005, docs/decisions/0036) so a page
    # of a long list is a range of the (owner, card_name) index instead of a sort of the list.
    card_name = models.CharField(max_length=300, db_default="", editable=False)

    class Meta:
        abstract = True


class HaveItem(ListItemBase):
    """A card the owner is willing to trade away."""

    min_trade_value = MoneyField(null=True, blank=True, help_text="Will not trade it for less than this.")
    trade_for_wants_only = models.BooleanField(default=False)
    reserved = models.PositiveIntegerField(
        default=0, help_text="Copies promised in agreed trades (written only by lists.services.reservations)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "card", "condition", "finish", "language"], name="have_item_unique_printing"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="have_item_quantity_positive"),
            models.CheckConstraint(condition=Q(reserved__lte=models.F("quantity")), name="have_item_reserved_held"),
        ]
        indexes = [
            models.Index(fields=["card", "owner"], name="have_item_card_owner_idx"),
            models.Index(fields=["owner", "card_name", "id"], name="have_item_owner_name_idx"),
        ]

    def __str__(self) -> str:
        return f"have {self.quantity}× {self.card_id} ({self.owner_id})"

    @property
    def available(self) -> int:
        """Copies not promised to anyone: what a new proposal or a match may use."""
        return self.quantity - self.reserved


class WantItem(ListItemBase):
    """A card the owner is looking for. `condition` is the worst condition accepted."""

    condition = models.CharField(max_length=3, choices=Condition.choices, default=Condition.LIGHTLY_PLAYED)
    max_price = MoneyField(null=True, blank=True, help_text="Will not value it above this.")
    any_printing = models.BooleanField(
        db_default=False,
        help_text="Any printing of this card (same oracle id) satisfies it; `card` is the printing shown.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "card", "condition", "finish", "language"], name="want_item_unique_printing"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="want_item_quantity_positive"),
        ]
        indexes = [
            models.Index(fields=["card", "owner"], name="want_item_card_owner_idx"),
            models.Index(fields=["owner", "card_name", "id"], name="want_item_owner_name_idx"),
        ]

    def __str__(self) -> str:
        return f"want {self.quantity}× {self.card_id} ({self.owner_id})"


class ListSettings(TimeStampedModel):
    """Per-user visibility of the have and want lists (public lists are shown on the profile)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="list_settings")
    haves_public = models.BooleanField(default=True)
    wants_public = models.BooleanField(default=True)

    class Meta:
        verbose_name = "list settings"
        verbose_name_plural = "list settings"  # not "List settingss" in the admin

    def __str__(self) -> str:
        return f"lists of {self.user_id}"


class ListImport(TimeStampedModel):
    """One uploaded CSV: parsed to a preview (its rows in ListImportRow), then committed all-or-nothing."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="list_imports")
    kind = models.CharField(max_length=4, choices=ListKind.choices)
    format = models.CharField(max_length=20, choices=ImportFormat.choices, blank=True)
    file = models.FileField(upload_to="list-imports/%Y/%m/")
    original_filename = models.CharField(max_length=255)
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.PARSING)
    replace_existing = models.BooleanField(default=False)
    whole_collection = models.BooleanField(
        default=False, help_text="Have import: every owned copy, not only the export's tradelist / trade binder."
    )
    mapping = models.JSONField(default=dict, blank=True, help_text="Generic CSV: {field: column header}.")
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    matched_rows = models.PositiveIntegerField(default=0)
    unmatched_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    not_for_trade_rows = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ImportStatus.values), name="list_import_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} ({self.status})"

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows": self.total_rows,
            "matched": self.matched_rows,
            "unmatched": self.unmatched_rows,
            "errors": self.error_rows,
            "not_for_trade": self.not_for_trade_rows,
        }


class ListImportRow(models.Model):
    """One data row of an import and what became of it.

    Matched rows carry the printing found (card, its set code and number) and what the commit
    writes; other rows carry the file's own set and number and the reason. Written in chunks
    while the file is read, so an import is never held whole in memory.
    """

    list_import = models.ForeignKey(ListImport, on_delete=models.CASCADE, related_name="rows")
    row = models.PositiveIntegerField(help_text="Spreadsheet row number (the header is row 1).")
    outcome = models.CharField(max_length=14, choices=ImportRowOutcome.choices)
    name = models.CharField(max_length=300, blank=True)
    set_code = models.CharField(max_length=40, blank=True)
    collector_number = models.CharField(max_length=40, blank=True)
    # No index of its own: rows are read through their import; a card is never deleted while
    # an import row points to it (catalog imports update cards in place).
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, null=True, blank=True, db_index=False)
    any_printing = models.BooleanField(default=False)
    quantity = models.PositiveIntegerField(default=0)
    condition = models.CharField(max_length=3, choices=Condition.choices, blank=True)
    finish = models.CharField(max_length=10, choices=Finish.choices, blank=True)
    language = models.CharField(max_length=3, choices=Language.choices, blank=True)
    reason = models.CharField(max_length=500, blank=True, help_text="Why not matched, or a note on a matched row.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["list_import", "row"], name="list_import_row_unique"),
            models.CheckConstraint(condition=Q(outcome__in=ImportRowOutcome.values), name="list_import_row_outcome"),
            models.CheckConstraint(
                condition=~Q(outcome=ImportRowOutcome.MATCHED) | Q(card__isnull=False, quantity__gte=1),
                name="list_import_row_matched_has_card",
            ),
        ]
        indexes = [models.Index(fields=["list_import", "outcome", "row"], name="list_import_row_outcome_idx")]

    def __str__(self) -> str:
        return f"import {self.list_import_id} row {self.row} ({self.outcome})"
