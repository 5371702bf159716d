"""Escrow admin: read-mostly. State changes only through actions that call services."""

from django.contrib import admin, messages

from core.errors import DomainError

from . import services
from .models import EscrowEvent, EscrowTransaction, LedgerEntry, PayoutAccount


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EscrowEventInline(ReadOnlyInline):
    model = EscrowEvent
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "note", "stripe_event_id"]
    readonly_fields = fields


class LedgerEntryInline(ReadOnlyInline):
    model = LedgerEntry
    fields = ["created_at", "movement", "account", "amount", "currency"]
    readonly_fields = fields


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(EscrowTransaction)
class EscrowTransactionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "trade",
        "status",
        "flagged_for_staff",
        "payer",
        "payee",
        "amount",
        "fee_amount",
        "currency",
        "expires_at",
    ]
    list_filter = ["flagged_for_staff", "status", "currency"]
    search_fields = [
        "=id",
        "payer__username",
        "payee__username",
        "stripe_checkout_session_id",
        "stripe_payment_intent_id",
    ]
    list_select_related = ["trade", "payer", "payee"]
    inlines = [EscrowEventInline, LedgerEntryInline]
    actions = ["sync_payment", "sync_charge"]

    @admin.action(description="Re-check payment with Stripe")
    def sync_payment(self, request, queryset):
        for escrow_id in queryset.values_list("pk", flat=True):
            try:
                services.escrow_sync_payment(escrow_id=escrow_id)
            except DomainError as error:
                self.message_user(request, f"Escrow {escrow_id}: {error.message}", messages.ERROR)
        self.message_user(request, "Checked with Stripe.")

    @admin.action(description="Re-check refunds and chargebacks with Stripe")
    def sync_charge(self, request, queryset):
        for escrow_id in queryset.values_list("pk", flat=True):
            try:
                services.escrow_sync_charge(escrow_id=escrow_id)
            except DomainError as error:
                self.message_user(request, f"Escrow {escrow_id}: {error.message}", messages.ERROR)
        self.message_user(request, "Checked with Stripe.")


@admin.register(PayoutAccount)
class PayoutAccountAdmin(ReadOnlyAdmin):
    list_display = ["user", "stripe_account_id", "account_status", "charges_enabled", "payouts_enabled", "synced_at"]
    list_filter = ["account_status"]
    search_fields = ["user__username", "stripe_account_id"]
    list_select_related = ["user"]
    actions = ["sync_account"]

    @admin.action(description="Re-check account with Stripe")
    def sync_account(self, request, queryset):
        for account_id in queryset.values_list("stripe_account_id", flat=True):
            try:
                services.payout_account_sync(stripe_account_id=account_id)
            except DomainError as error:
                self.message_user(request, f"{account_id}: {error.message}", messages.ERROR)
        self.message_user(request, "Checked with Stripe.")
