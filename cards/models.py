from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField

from .enums import CatalogImportKind, Finish, ImportDatedBy, PriceSource, Rarity


class Card(TimeStampedModel):
    """One printing of a card (Scryfall's unit): a set, a collector number, a language."""

    scryfall_id = models.UUIDField(unique=True)
    # Not indexed: nothing looks cards up by these yet, and imports pay for every index.
    created_at = models.DateTimeField(auto_now_add=True)
    oracle_id = models.UUIDField(null=True, blank=True)  # indexed: any-printing wants match through it
    mtgjson_uuid = models.UUIDField(null=True, blank=True, unique=True)
    name = models.CharField(max_length=300, db_index=True)
    lang = models.CharField(max_length=5, default="en")
    set_code = models.CharField(max_length=10)  # indexed as the prefix of card_set_number_idx
    set_name = models.CharField(max_length=200)
    collector_number = models.CharField(max_length=20)
    rarity = models.CharField(max_length=10, choices=Rarity.choices, default=Rarity.COMMON)
    finishes = models.JSONField(default=list, help_text='Subset of ["nonfoil", "foil", "etched"]')
    tcgplayer_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    image_url = models.URLField(max_length=500, blank=True)
    is_reserved = models.BooleanField(default=False)
    released_at = models.DateField(null=True, blank=True)
    layout = models.CharField(max_length=30, db_default="normal", help_text="Scryfall layout (normal, token, emblem…)")
    digital_only = models.BooleanField(db_default=False, help_text="Exists only on Arena/MTGO.")
    tradable = models.BooleanField(
        db_default=True,
        help_text="A paper card one can trade: not digital-only and not a token, emblem, art card or similar. "
        "Only tradable cards are offered by pickers, imports and matching.",
    )

    class Meta:
        indexes = [
            models.Index(fields=["set_code", "collector_number"], name="card_set_number_idx"),
            models.Index(fields=["oracle_id"], name="card_oracle_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.set_code.upper()} {self.collector_number})"


class PriceSnapshot(models.Model):
    """One observed price of one finish of a card at one moment, from one source. Append-only."""

    # No separate index on card: the unique constraint and the history index both start with it.
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="price_snapshots", db_index=False)
    finish = models.CharField(max_length=10, choices=Finish.choices)
    source = models.CharField(max_length=30, choices=PriceSource.choices)
    price = MoneyField()
    currency = CurrencyField()
    captured_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["card", "finish", "source", "currency", "captured_at"], name="snapshot_unique_observation"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="snapshot_price_non_negative"),
        ]
        indexes = [
            # History of one card/finish over a range; the latest price per card: index range scans.
            models.Index(fields=["card", "finish", "-captured_at"], name="snapshot_card_finish_time_idx"),
            models.Index(fields=["captured_at"], name="snapshot_captured_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.card_id} {self.finish} {self.price} {self.currency} @ {self.captured_at:%Y-%m-%d %H:%M}"


class CardPrice(models.Model):
    """The current market price of one finish of a card, kept in step with market snapshots.

    Written only by cards.services when a newer market-source USD snapshot arrives, so that
    "latest price of these 50 cards" is one indexed lookup and movers never scan history.
    """

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="current_prices", db_index=False)
    finish = models.CharField(max_length=10, choices=Finish.choices)
    price = MoneyField()
    currency = CurrencyField()
    source = models.CharField(max_length=30, choices=PriceSource.choices)
    captured_at = models.DateTimeField()
    price_24h_ago = MoneyField(null=True, blank=True)
    price_7d_ago = MoneyField(null=True, blank=True)
    change_24h_pct = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    change_7d_pct = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["card", "finish"], name="card_price_unique_finish"),
            models.CheckConstraint(condition=Q(price__gte=0), name="card_price_non_negative"),
        ]
        indexes = [
            models.Index(fields=["-change_24h_pct"], name="card_price_change_24h_idx"),
            models.Index(fields=["-change_7d_pct"], name="card_price_change_7d_idx"),
            models.Index(fields=["price"], name="card_price_price_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.card_id} {self.finish} {self.price} {self.currency}"


class CatalogImport(models.Model):
    """One catalog import (a Scryfall bulk file or an MTGJSON prices file): the date of its data and its counts.

    `source_date` is when the file's data was current (Scryfall's bulk metadata `updated_at`,
    `--as-of`, or the import time); it dates the file's prices. A Scryfall file dated before
    the newest one whose card fields were applied only adds prices (`fields_applied` false):
    see cards.importers.freshness.
    """

    kind = models.CharField(max_length=10, choices=CatalogImportKind.choices)
    source = models.CharField(max_length=500, help_text="File name or URL imported.")
    source_date = models.DateTimeField()
    dated_by = models.CharField(max_length=12, choices=ImportDatedBy.choices)
    fields_applied = models.BooleanField(
        default=True, help_text="False: the file was older than the catalog; only its prices were added."
    )
    ok = models.BooleanField(default=True, help_text="False: the file had errors (records before them were kept).")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    records_seen = models.PositiveIntegerField(default=0)
    records_skipped = models.PositiveIntegerField(default=0)
    cards_created = models.PositiveIntegerField(default=0)
    cards_updated = models.PositiveIntegerField(default=0)
    cards_unchanged = models.PositiveIntegerField(default=0)
    cards_kept_newer = models.PositiveIntegerField(default=0)
    cards_matched = models.PositiveIntegerField(default=0)
    snapshots_created = models.PositiveIntegerField(default=0)
    prices_changed = models.PositiveIntegerField(default=0)
    issue_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["kind", "-source_date"], name="catalog_import_kind_date_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CatalogImportKind.values), name="catalog_import_kind_valid"),
            models.CheckConstraint(
                condition=Q(dated_by__in=ImportDatedBy.values), name="catalog_import_dated_by_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_date:%Y-%m-%d %H:%M} ({self.dated_by})"
