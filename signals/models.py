from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from cards.enums import Finish
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField

from .enums import LeaderboardPeriod, SignalAction, SignalEventKind, SignalStatus, SignalVisibility

EDIT_WINDOW = timedelta(minutes=15)
# What an evaluation writes of its result (beside status and updated_at).
OUTCOME_COLUMNS = (
    "evaluated_at",
    "price_at_end",
    "peak_price",
    "accuracy",
    "hit",
    "profit_pct",
    "peak_profit_pct",
    "closed_early",
)
PERCENT = {"max_digits": 12, "decimal_places": 2}


class Recommendation(TimeStampedModel):
    """A signal: a BUY/SELL/HOLD call on one finish of one card, by a trader or by the system.

    System signals (the momentum recommender) have no `created_by` and are always public.
    `is_public` mirrors `visibility == public` (the plan's column; a CheckConstraint keeps it so).
    `target_price` / `target_date` are what evaluation uses; for user signals they equal the
    plan's `user_target_price` / `user_target_date`, written together by the services.
    """

    card = models.ForeignKey("cards.Card", on_delete=models.CASCADE, related_name="signals")
    finish = models.CharField(max_length=10, choices=Finish.choices, default=Finish.NONFOIL)
    action = models.CharField(max_length=4, choices=SignalAction.choices)
    entry_price = MoneyField()
    currency = CurrencyField()
    target_price = MoneyField(null=True, blank=True)
    target_date = models.DateTimeField()
    rationale = models.TextField(blank=True)
    confidence = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="signals_created",
        db_index=False,  # ix_recommendations_user below
    )
    is_user_generated = models.BooleanField(default=False)
    visibility = models.CharField(max_length=10, choices=SignalVisibility.choices, default=SignalVisibility.PUBLIC)
    is_public = models.BooleanField(default=True)
    follower_count = models.PositiveIntegerField(default=0)
    user_rationale = models.TextField(null=True, blank=True)
    user_target_price = MoneyField(null=True, blank=True)
    user_target_date = models.DateTimeField(null=True, blank=True)

    status = models.CharField(max_length=10, choices=SignalStatus.choices, default=SignalStatus.ACTIVE)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    price_at_end = MoneyField(null=True, blank=True)
    peak_price = MoneyField(null=True, blank=True)
    accuracy = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    hit = models.BooleanField(null=True, blank=True)
    profit_pct = models.DecimalField(null=True, blank=True, **PERCENT)
    peak_profit_pct = models.DecimalField(null=True, blank=True, **PERCENT)
    closed_early = models.BooleanField(default=False)

    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(action__in=SignalAction.values), name="signal_action_valid"),
            models.CheckConstraint(condition=Q(status__in=SignalStatus.values), name="signal_status_valid"),
            models.CheckConstraint(condition=Q(visibility__in=SignalVisibility.values), name="signal_visibility_valid"),
            models.CheckConstraint(
                condition=Q(is_public=True, visibility=SignalVisibility.PUBLIC)
                | (Q(is_public=False) & ~Q(visibility=SignalVisibility.PUBLIC)),
                name="signal_is_public_matches",
            ),
            models.CheckConstraint(
                condition=Q(created_by__isnull=False, is_user_generated=True)
                | Q(created_by__isnull=True, is_user_generated=False, visibility=SignalVisibility.PUBLIC),
                name="signal_system_or_user",
            ),
            models.CheckConstraint(condition=Q(entry_price__gt=0), name="signal_entry_price_positive"),
            models.CheckConstraint(
                condition=Q(status=SignalStatus.ACTIVE) | Q(evaluated_at__isnull=False),
                name="signal_evaluated_has_time",
            ),
            models.UniqueConstraint(
                fields=["card"],
                condition=Q(created_by__isnull=True, status=SignalStatus.ACTIVE),
                name="signal_one_active_system_per_card",
            ),
        ]
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="ix_recommendations_user"),
            models.Index(fields=["status", "target_date"], name="signal_due_idx"),
            models.Index(fields=["-created_at", "-id"], name="signal_newest_idx"),
            models.Index(fields=["card", "status"], name="signal_card_status_idx"),
            models.Index(fields=["-follower_count", "-id"], name="signal_most_followed_idx"),
            models.Index(
                fields=["-evaluated_at"],
                condition=Q(status=SignalStatus.EVALUATED, is_public=True, is_hidden=False),
                name="signal_public_evaluated_idx",
            ),
            # Author stats (evaluated, hits) per creator without visiting the table.
            models.Index(
                fields=["created_by"],
                include=["hit"],
                condition=Q(status=SignalStatus.EVALUATED),
                name="signal_author_record_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.card_id} ({self.status})"

    @property
    def is_system(self) -> bool:
        return self.created_by_id is None

    @property
    def display_rationale(self) -> str:
        return self.user_rationale if self.is_user_generated else self.rationale

    @property
    def editable_until(self):
        return self.created_at + EDIT_WINDOW if self.created_at else None

    @property
    def api_status(self) -> str:
        return "hidden" if self.is_hidden else self.status


class SignalEvent(models.Model):
    """Audit trail of a signal: who did what, when (append-only)."""

    signal = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=SignalEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]


class SignalFollower(models.Model):
    """A user following a signal (the plan's signal_followers), with what they did about it.

    Unfollowing sets `unfollowed_at` instead of deleting: an acted-on follow's outcome stays
    counted in the user's record after they stop following.
    """

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signals_followed", db_index=False
    )
    followed_at = models.DateTimeField(auto_now_add=True)
    unfollowed_at = models.DateTimeField(null=True, blank=True)
    acted_on = models.BooleanField(default=False)
    acted_at = models.DateTimeField(null=True, blank=True)
    acted_price = MoneyField(null=True, blank=True)
    outcome_evaluated = models.BooleanField(default=False)
    outcome_profit_pct = models.DecimalField(null=True, blank=True, **PERCENT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recommendation", "user"], name="signal_follower_unique"),
            models.CheckConstraint(
                condition=Q(acted_on=False) | Q(acted_at__isnull=False, acted_price__isnull=False),
                name="signal_follower_acted_has_price",
            ),
        ]
        indexes = [
            models.Index(fields=["user"], name="ix_signal_followers_user"),
            models.Index(
                fields=["recommendation"],
                condition=Q(acted_on=True, outcome_evaluated=False),
                name="signal_follower_pending_idx",
            ),
            # Follower stats (followed, profitable) per user without visiting the table.
            models.Index(
                fields=["user"],
                include=["outcome_profit_pct"],
                condition=Q(acted_on=True, outcome_evaluated=True),
                name="signal_follower_record_idx",
            ),
        ]

    @property
    def is_following(self) -> bool:
        return self.unfollowed_at is None


class CreatorFollow(models.Model):
    """A user follows a creator: sees their followers-only signals and hears when they publish."""

    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="creators_followed")
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="creator_followers", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "creator"], name="creator_follow_unique"),
            models.CheckConstraint(condition=~Q(follower=F("creator")), name="creator_follow_not_self"),
        ]
        indexes = [models.Index(fields=["creator", "follower"], name="creator_follow_creator_idx")]


class LeaderboardStanding(models.Model):
    """One precomputed row of the leaderboard (SPEC §1: never aggregated per request)."""

    period = models.CharField(max_length=3, choices=LeaderboardPeriod.choices)
    rank = models.PositiveIntegerField()
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True)
    is_system = models.BooleanField(default=False)
    tier = models.CharField(max_length=10, blank=True)
    evaluated = models.PositiveIntegerField()
    hits = models.PositiveIntegerField()
    hit_rate = models.DecimalField(max_digits=5, decimal_places=4)
    wilson_lower_bound = models.DecimalField(max_digits=5, decimal_places=4)
    mean_profit_pct = models.DecimalField(null=True, blank=True, **PERCENT)
    followers = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "rank"], name="leaderboard_period_rank_unique"),
            models.CheckConstraint(
                condition=Q(is_system=True, creator__isnull=True) | Q(is_system=False, creator__isnull=False),
                name="leaderboard_system_or_creator",
            ),
        ]
        ordering = ["period", "rank"]


class LeaderboardComputation(models.Model):
    """When each period's standings were last computed (an empty board still has a time)."""

    period = models.CharField(max_length=3, choices=LeaderboardPeriod.choices, unique=True)
    computed_at = models.DateTimeField()
