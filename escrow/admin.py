"""Escrow admin: read-mostly. State changes only through actions that call services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.timesince import timesince

from core.errors import DomainError
from core.money import format_money

from . import services
from .enums import DisputeStatus
from .forms import DisputeResolveForm
from .models import Dispute, DisputeEvidence, DisputeMessage, EscrowEvent, EscrowTransaction, LedgerEntry, PayoutAccount
from .selectors import access_escrow, dispute_for_escrow, dispute_resolution_preview


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


# --- disputes ---------------------------------------------------------------------------------
class DisputeQueueFilter(admin.SimpleListFilter):
    """The queue shows open disputes unless staff ask for the others."""

    title = "status"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("resolved", "Resolved"), ("all", "All")]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "Open",
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        if self.value() == "resolved":
            return queryset.filter(status=DisputeStatus.RESOLVED)
        return queryset.filter(status=DisputeStatus.OPEN)


class DisputeMessageInline(ReadOnlyInline):
    model = DisputeMessage
    fields = ["created_at", "author", "body"]
    readonly_fields = fields


class DisputeEvidenceInline(ReadOnlyInline):
    model = DisputeEvidence
    fields = ["created_at", "uploaded_by", "image", "original_filename", "content_type", "size_bytes"]
    readonly_fields = fields

    @admin.display(description="Image")
    def image(self, obj):
        url = reverse("escrow:dispute_evidence", args=[obj.pk])
        return format_html('<a href="{}"><img src="{}" alt="Evidence {}" class="evidence-image"></a>', url, url, obj.pk)


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    """The staff queue: open disputes, oldest first; each resolved on its confirmation page."""

    list_display = ["id", "escrow_link", "opened_by", "age", "held", "status", "resolve_link"]
    list_filter = [DisputeQueueFilter]
    ordering = ["created_at", "pk"]
    search_fields = ["=escrow__id", "opened_by__username", "escrow__payer__username", "escrow__payee__username"]
    list_select_related = ["escrow", "opened_by"]
    inlines = [DisputeEvidenceInline, DisputeMessageInline]

    def get_readonly_fields(self, request, obj=None):
        return ["resolve_link", *super().get_readonly_fields(request, obj)]

    @admin.display(description="Escrow")
    def escrow_link(self, obj):
        url = reverse("admin:escrow_escrowtransaction_change", args=[obj.escrow_id])
        return format_html('<a href="{}">{}</a>', url, obj.escrow)

    @admin.display(description="Open for", ordering="created_at")
    def age(self, obj):
        return timesince(obj.created_at)

    @admin.display(description="Held")
    def held(self, obj):
        return format_money(obj.escrow.amount, obj.escrow.currency)

    @admin.display(description="Resolve")
    def resolve_link(self, obj):
        if not obj.is_open:
            return obj.get_outcome_display()
        return format_html('<a href="{}">Resolve…</a>', reverse("admin:escrow_dispute_resolve", args=[obj.pk]))

    def get_urls(self):
        resolve = path(
            "<int:pk>/resolve/", self.admin_site.admin_view(self.resolve_view), name="escrow_dispute_resolve"
        )
        return [resolve, *super().get_urls()]

    def resolve_view(self, request, pk: int):
        """Form → confirmation page with the amounts → the resolution (POST with `confirm`)."""
        if not self.has_view_permission(request) or not request.user.is_staff:
            raise PermissionDenied
        dispute = get_object_or_404(Dispute, pk=pk)
        escrow = access_escrow(user=request.user, pk=dispute.escrow_id)
        dispute = dispute_for_escrow(escrow=escrow)
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        form = DisputeResolveForm(request.POST or None)
        plan = None
        status = 200
        if request.method == "POST" and dispute.is_open:
            status = 422
            if form.is_valid():
                data = form.cleaned_data
                arguments = {
                    "outcome": data["outcome"],
                    "at_fault_user_id": form.at_fault_user_id(escrow),
                    "released_amount": data.get("released_amount"),
                    "refunded_amount": data.get("refunded_amount"),
                }
                try:
                    if "edit" in request.POST:
                        status = 200
                    elif "confirm" in request.POST:
                        services.dispute_resolve(
                            escrow_id=escrow.pk, actor=request.user, resolution=data["resolution"], **arguments
                        )
                        self.message_user(request, f"Dispute {dispute.pk} resolved.", messages.SUCCESS)
                        return redirect("admin:escrow_dispute_change", dispute.pk)
                    else:
                        plan = dispute_resolution_preview(escrow=escrow, **arguments)
                        status = 200
                except DomainError as error:
                    form.add_error(error.field if error.field in form.fields else None, error.message)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Resolve dispute {dispute.pk}",
            "opts": self.model._meta,
            "dispute": dispute,
            "escrow": escrow,
            "form": form,
            "plan": plan,
        }
        return TemplateResponse(request, "admin/escrow/dispute/resolve.html", context, status=status)
