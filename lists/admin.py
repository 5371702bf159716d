"""Admin for lists and imports: read-mostly (support looks; traders change their own lists)."""

from django import forms
from django.contrib import admin

from .enums import ListKind
from .models import HaveItem, ListImport, ListSettings, WantItem
from .services.changes import list_changed_on_commit


class ListItemAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "card", "quantity", "condition", "finish", "language", "updated_at"]
    list_filter = ["condition", "finish", "language"]
    search_fields = ["owner__username", "owner__email", "card__name", "card__set_code"]
    list_select_related = ["owner", "card"]
    raw_id_fields = ["owner", "card"]
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["-updated_at"]
    kind = ""

    # Support's edits change the list too: its cached totals follow (lists.services.changes).
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        list_changed_on_commit(owner_id=obj.owner_id, kind=self.kind)
        if change and "owner" in form.changed_data:
            list_changed_on_commit(owner_id=form.initial["owner"], kind=self.kind)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        list_changed_on_commit(owner_id=obj.owner_id, kind=self.kind)

    def delete_queryset(self, request, queryset):
        owner_ids = set(queryset.values_list("owner_id", flat=True))
        super().delete_queryset(request, queryset)
        for owner_id in owner_ids:
            list_changed_on_commit(owner_id=owner_id, kind=self.kind)


class HaveItemAdminForm(forms.ModelForm):
    """Copies promised in agreed trades stay: the same rule lists.services enforces for traders."""

    class Meta:
        model = HaveItem
        fields = [
            "owner",
            "card",
            "quantity",
            "condition",
            "finish",
            "language",
            "note",
            "min_trade_value",
            "trade_for_wants_only",
        ]

    def clean(self):
        cleaned = super().clean()
        reserved = self.instance.reserved if self.instance.pk else 0
        if reserved:
            printing = ("card", "condition", "finish", "language")
            if any(field in self.changed_data for field in printing):
                raise forms.ValidationError(f"{reserved} copies are promised in agreed trades; the printing is fixed.")
            if (cleaned.get("quantity") or 0) < reserved:
                raise forms.ValidationError(
                    f"{reserved} copies are promised in agreed trades; keep at least that many."
                )
        return cleaned


@admin.register(HaveItem)
class HaveItemAdmin(ListItemAdmin):
    form = HaveItemAdminForm
    kind = ListKind.HAVE
    list_display = [*ListItemAdmin.list_display, "reserved", "min_trade_value", "trade_for_wants_only"]
    readonly_fields = [*ListItemAdmin.readonly_fields, "reserved"]

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.reserved)


@admin.register(WantItem)
class WantItemAdmin(ListItemAdmin):
    kind = ListKind.WANT
    list_display = [*ListItemAdmin.list_display, "max_price"]


@admin.register(ListSettings)
class ListSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "haves_public", "wants_public", "updated_at"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(ListImport)
class ListImportAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "owner",
        "kind",
        "format",
        "status",
        "total_rows",
        "matched_rows",
        "created_at",
        "committed_at",
    ]
    list_filter = ["status", "kind", "format"]
    search_fields = ["owner__username", "owner__email", "original_filename"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "owner",
        "kind",
        "format",
        "file",
        "original_filename",
        "status",
        "replace_existing",
        "whole_collection",
        "mapping",
        "total_rows",
        "processed_rows",
        "matched_rows",
        "unmatched_rows",
        "error_rows",
        "not_for_trade_rows",
        "error_message",
        "committed_at",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
