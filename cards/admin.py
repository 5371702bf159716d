"""Card catalog and prices in the admin: read-only. Prices change only through imports and the feed."""

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection, models
from django.utils.functional import cached_property

from .models import Card, CardPrice, CatalogImport, PriceSnapshot


class ReadOnlyAdmin(admin.ModelAdmin):
    """Prices are a ledger of observations; editing one by hand would break movers and history."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CardPriceInline(admin.TabularInline):
    model = CardPrice
    fields = ("finish", "price", "currency", "source", "captured_at", "change_24h_pct", "change_7d_pct")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Card)
class CardAdmin(ReadOnlyAdmin):
    list_display = ("name", "set_code", "collector_number", "rarity", "lang", "layout", "tradable")
    list_filter = ("rarity", "tradable", "digital_only", "is_reserved", "lang")
    search_fields = ("name", "set_code", "=scryfall_id", "=tcgplayer_id")
    inlines = [CardPriceInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # image URLs are https
    show_full_result_count = False  # no COUNT(*) over the whole catalog per page


@admin.register(CardPrice)
class CardPriceAdmin(ReadOnlyAdmin):
    list_display = ("card", "finish", "price", "currency", "source", "captured_at", "change_24h_pct", "change_7d_pct")
    list_filter = ("finish", "source")
    list_select_related = ("card",)
    search_fields = ("card__name",)
    raw_id_fields = ("card",)
    show_full_result_count = False


class EstimatedCountPaginator(Paginator):
    """Pages over a table too big to COUNT(*) on every page view (price history: millions of rows).

    Unfiltered: PostgreSQL's planner estimate of the table's rows (pg_class.reltuples, kept by
    autovacuum). Filtered: the rows up to a cap, counted over a LIMIT subquery that stops
    early — so the admin never scans the whole table to print "N results".
    """

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        query = self.object_list.query
        if not query.where and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [self.object_list.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > 0:
                return int(row[0])
        return self.object_list[: self.CAP + 1].count()


@admin.register(PriceSnapshot)
class PriceSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("card", "finish", "source", "price", "currency", "captured_at")
    list_filter = ("source", "finish", "currency")
    list_select_related = ("card",)
    search_fields = ("=card__id",)
    raw_id_fields = ("card",)
    # Newest first along snapshot_captured_idx; no date_hierarchy (its year list scans every row).
    ordering = ("-captured_at", "-id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False


@admin.register(CatalogImport)
class CatalogImportAdmin(ReadOnlyAdmin):
    list_display = (
        "kind",
        "source_date",
        "dated_by",
        "fields_applied",
        "ok",
        "records_seen",
        "cards_created",
        "cards_updated",
        "cards_kept_newer",
        "snapshots_created",
        "finished_at",
    )
    list_filter = ("kind", "fields_applied", "ok")
    ordering = ("-source_date", "-id")
