"""Staff moderation: hide a signal with a reason (it vanishes everywhere but its creator's record)."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render

from .models import CreatorFollow, LeaderboardStanding, Recommendation, SignalEvent, SignalFollower
from .services import signal_hide, signal_unhide


class HideForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, label="Reason (shown to the creator)"
    )


class SignalEventInline(admin.TabularInline):
    model = SignalEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "actor", "data", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "card",
        "action",
        "created_by",
        "visibility",
        "status",
        "is_hidden",
        "follower_count",
        "created_at",
    )
    list_filter = ("status", "visibility", "is_hidden", "action", "is_user_generated")
    search_fields = ("card__name", "created_by__username", "user_rationale")
    raw_id_fields = ("card", "created_by")
    list_select_related = ("card", "created_by")
    inlines = [SignalEventInline]
    actions = ["hide_signals", "unhide_signals"]
    readonly_fields = [field.name for field in Recommendation._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Hide selected signals (moderation, with a reason)")
    def hide_signals(self, request, queryset):
        form = HideForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            for signal in queryset:
                signal_hide(signal_id=signal.pk, actor=request.user, reason=form.cleaned_data["reason"])
            self.message_user(request, f"Hid {queryset.count()} signal(s).", messages.SUCCESS)
            return None
        return render(
            request,
            "admin/signals/hide_signals.html",
            {**self.admin_site.each_context(request), "signals": queryset, "form": form, "title": "Hide signals"},
        )

    @admin.action(description="Show selected hidden signals again")
    def unhide_signals(self, request, queryset):
        for signal in queryset:
            signal_unhide(signal_id=signal.pk, actor=request.user)
        self.message_user(request, f"Shown {queryset.count()} signal(s) again.", messages.SUCCESS)


@admin.register(SignalFollower)
class SignalFollowerAdmin(admin.ModelAdmin):
    list_display = ("recommendation", "user", "followed_at", "unfollowed_at", "acted_on", "outcome_profit_pct")
    raw_id_fields = ("recommendation", "user")
    readonly_fields = [field.name for field in SignalFollower._meta.fields]


@admin.register(CreatorFollow)
class CreatorFollowAdmin(admin.ModelAdmin):
    list_display = ("follower", "creator", "created_at")
    raw_id_fields = ("follower", "creator")


@admin.register(LeaderboardStanding)
class LeaderboardStandingAdmin(admin.ModelAdmin):
    list_display = ("period", "rank", "creator", "is_system", "evaluated", "hits", "wilson_lower_bound")
    list_filter = ("period",)
