"""Card catalog and prices in the admin: read-only. Prices change only through imports and the feed."""

from django.contrib import admin
from django.db import models

from .models import Card, CardPrice, PriceSnapshot


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
    list_display = ("name", "set_code", "collector_number", "rarity", "lang", "is_reserved")
    list_filter = ("rarity", "is_reserved", "lang")
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


@admin.register(PriceSnapshot)
class PriceSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("card", "finish", "source", "price", "currency", "captured_at")
    list_filter = ("source", "finish", "currency")
    list_select_related = ("card",)
    search_fields = ("=card__id",)
    raw_id_fields = ("card",)
    date_hierarchy = "captured_at"
    show_full_result_count = False
