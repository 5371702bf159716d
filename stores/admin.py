"""Staff verify and reject stores here; state changes only through actions calling services."""

from django.contrib import admin, messages
from django.db import models
from django.shortcuts import render
from django.utils.html import format_html

from core.errors import DomainError

from .forms import ReasonForm
from .models import (
    BuylistRules,
    InventorySyncRun,
    LGSProfile,
    SetNameAlias,
    StoreInventoryItem,
    StoreMessageReport,
    StoreStatusEvent,
)
from .services.verification import store_reject, store_verify


class StoreStatusEventInline(admin.TabularInline):
    model = StoreStatusEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LGSProfile)
class LGSProfileAdmin(admin.ModelAdmin):
    list_display = ["store_name", "user", "store_city", "store_state", "store_postal", "status", "created_at", "pages"]
    list_filter = ["status", "offers_buylist", "offers_trades", "offers_events", "store_state"]
    search_fields = ["store_name", "user__username", "user__email", "store_city", "store_postal"]
    list_select_related = ["user"]
    ordering = ["status", "-created_at"]
    actions = ["verify_stores", "reject_stores"]
    inlines = [StoreStatusEventInline]
    readonly_fields = [
        "pages",
        "user",
        "status",
        "rejection_reason",
        "status_changed_at",
        "last_sync_at",
        "sync_status",
        "next_sync_at",
        "prices_adjusted_at",
        "created_at",
        "updated_at",
    ]
    exclude = ["sync_auth_header"]  # write-only: staff do not read store secrets either
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False  # stores are registered by their owners

    @admin.display(description="Pages")
    def pages(self, store):
        return format_html(
            '<a href="/stores/{}/">Store page</a> · <a href="/dashboard/store/?store={}">Dashboard</a>',
            store.pk,
            store.pk,
        )

    @admin.action(description="Verify selected stores (emails the owners)")
    def verify_stores(self, request, queryset):
        done = 0
        for store in queryset:
            try:
                store_verify(store_id=store.pk, acting_user=request.user)
            except DomainError as error:
                self.message_user(request, f"{store}: {error.message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, f"Verified {done} store(s); the owners were emailed.", messages.SUCCESS)

    @admin.action(description="Reject selected stores (asks for the reason; emails the owners)")
    def reject_stores(self, request, queryset):
        form = ReasonForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            done = 0
            for store in queryset:
                try:
                    store_reject(store_id=store.pk, acting_user=request.user, reason=form.cleaned_data["reason"])
                except DomainError as error:
                    self.message_user(request, f"{store}: {error.message}", messages.WARNING)
                else:
                    done += 1
            if done:
                self.message_user(request, f"Rejected {done} store(s); the owners were emailed.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject stores",
            "stores": queryset,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return render(
            request, "admin/stores/reject_reason.html", context, status=422 if "reason" in request.POST else 200
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(StoreInventoryItem)
class StoreInventoryItemAdmin(admin.ModelAdmin):
    list_display = ["store", "card", "condition", "finish", "language", "quantity", "price", "feed_price"]
    list_filter = ["condition", "finish"]
    search_fields = ["store__store_name", "card__name", "provider_sku"]
    list_select_related = ["store", "card"]
    raw_id_fields = ["store", "card"]
    show_full_result_count = False


@admin.register(InventorySyncRun)
class InventorySyncRunAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "store",
        "provider",
        "mode",
        "source",
        "status",
        "created_count",
        "updated_count",
        "zeroed_count",
        "error_count",
        "created_at",
    ]
    list_filter = ["status", "provider", "source"]
    search_fields = ["store__store_name"]
    list_select_related = ["store"]
    readonly_fields = [field.name for field in InventorySyncRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SetNameAlias)
class SetNameAliasAdmin(admin.ModelAdmin):
    list_display = ["alias", "set_code"]
    search_fields = ["alias", "set_code"]


@admin.register(StoreMessageReport)
class StoreMessageReportAdmin(admin.ModelAdmin):
    """Traders' reports of store messages: read the message, act on the store, mark resolved."""

    list_display = ("created_at", "store_name", "reporter", "reason", "resolved")
    list_filter = ("resolved",)
    list_editable = ("resolved",)
    readonly_fields = ("message", "reporter", "reason", "created_at", "message_body")
    list_select_related = ("message__thread__store", "reporter")

    @admin.display(description="store")
    def store_name(self, report):
        return report.message.thread.store.store_name

    @admin.display(description="message")
    def message_body(self, report):
        return report.message.body

    def has_add_permission(self, request):
        return False


@admin.register(BuylistRules)
class BuylistRulesAdmin(admin.ModelAdmin):
    list_display = ("store", "buy_pct", "max_qty_per_card", "hotlist_bonus_pct", "computed_at")
    raw_id_fields = ("store",)
