"""Admin for proposals, trades, threads and reviews: read-mostly; state changes only via services."""

from django.contrib import admin, messages

from core.errors import DomainError

from .models import (
    Message,
    ProposalEvent,
    ProposalItem,
    Thread,
    Trade,
    TradeEvent,
    TradeItem,
    TradeProposal,
    TradeReview,
)
from .services.proposals import proposal_expire


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProposalItemInline(ReadOnlyInline):
    model = ProposalItem
    raw_id_fields = ["card"]


class ProposalEventInline(ReadOnlyInline):
    model = ProposalEvent


@admin.register(TradeProposal)
class TradeProposalAdmin(admin.ModelAdmin):
    list_display = ["pk", "proposer", "recipient", "status", "proposer_value", "recipient_value", "created_at"]
    list_filter = ["status"]
    search_fields = ["proposer__username", "recipient__username"]
    raw_id_fields = ["proposer", "recipient", "thread", "countered_from"]
    readonly_fields = [f.name for f in TradeProposal._meta.fields]
    inlines = [ProposalItemInline, ProposalEventInline]
    actions = ["expire_now"]

    @admin.action(description="Expire selected proposals that are past their expiry date")
    def expire_now(self, request, queryset):
        expired = 0
        for proposal_id in queryset.values_list("pk", flat=True):
            try:
                proposal_expire(proposal_id=proposal_id)
                expired += 1
            except DomainError as error:
                self.message_user(request, f"#{proposal_id}: {error.message}", messages.WARNING)
        self.message_user(request, f"Expired {expired} proposal(s).")


class TradeItemInline(ReadOnlyInline):
    model = TradeItem
    raw_id_fields = ["card", "giver"]


class TradeEventInline(ReadOnlyInline):
    model = TradeEvent


@admin.register(Trade)
class TradeAdmin(admin.ModelAdmin):
    list_display = ["pk", "party_a", "party_b", "status", "total_value", "created_at", "completed_at"]
    list_filter = ["status"]
    search_fields = ["party_a__username", "party_b__username"]
    readonly_fields = [f.name for f in Trade._meta.fields]
    inlines = [TradeItemInline, TradeEventInline]


@admin.register(TradeReview)
class TradeReviewAdmin(admin.ModelAdmin):
    list_display = ["trade", "reviewer", "reviewee", "overall", "created_at"]
    search_fields = ["reviewer__username", "reviewee__username"]
    readonly_fields = [f.name for f in TradeReview._meta.fields]


class MessageInline(ReadOnlyInline):
    model = Message
    raw_id_fields = ["sender"]


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["pk", "created_at", "last_message_at"]
    inlines = [MessageInline]
