"""Reads for signals. `visible_signals` is the one visibility rule; everything else builds on it.

Pages, the API, the list's `q`/card filters, the leaderboard (what an anonymous visitor
sees) and notification recipients (`access_signal` per recipient) all go through it, so a
signal someone may not see is missing everywhere, by the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.enums import ReputationTier
from accounts.reputation import tier_threshold
from cards.selectors import Page, paginate_without_count

from .enums import LeaderboardPeriod, SignalAction, SignalStatus, SignalVisibility
from .models import (
    OUTCOME_COLUMNS,
    CreatorFollow,
    LeaderboardComputation,
    LeaderboardStanding,
    Recommendation,
    SignalFollower,
)
from .visibility import VisibilityUnlocks

SORTS = ("newest", "most_followed", "best_creator")
STATUS_FILTERS = ("active", "evaluated", "hidden")
TIER_FILTERS = tuple(ReputationTier.values)
SORT_ORDERING = {
    "newest": ("-created_at", "-id"),
    "most_followed": ("-follower_count", "-id"),
    # Creators by author accuracy, each creator's signals newest first: PostgreSQL walks
    # reputation_author_accuracy_idx and each creator's signals by index, so no sort of the table.
    "best_creator": ("-creator_accuracy", "created_by_id", "-created_at", "-id"),
}


def _featured_condition() -> Q:
    """Public, active, shown, and the creator is featured-eligible now (visibility.is_featured_eligible)."""
    return Q(
        visibility=SignalVisibility.PUBLIC,
        status=SignalStatus.ACTIVE,
        is_hidden=False,
        created_by__isnull=False,
        created_by__reputation__reputation_score__gte=tier_threshold(VisibilityUnlocks.FEATURED_TIER),
        created_by__reputation__signals_authored_evaluated__gte=VisibilityUnlocks.FEATURED_MIN_EVALUATED,
        created_by__reputation__author_accuracy_pct__gte=VisibilityUnlocks.FEATURED_ACCURACY_PCT,
    )


def _featured_creators():
    """Ids of featured-eligible creators (few): lets a featured-only list start from them through
    the reputation score index instead of scanning every signal for the rare featured ones."""
    from accounts.models import UserReputation

    return UserReputation.objects.filter(
        reputation_score__gte=tier_threshold(VisibilityUnlocks.FEATURED_TIER),
        signals_authored_evaluated__gte=VisibilityUnlocks.FEATURED_MIN_EVALUATED,
        author_accuracy_pct__gte=VisibilityUnlocks.FEATURED_ACCURACY_PCT,
    ).values("user_id")


def _visible_condition(user) -> Q:
    if user is None or not user.is_authenticated:
        return Q(is_hidden=False, visibility=SignalVisibility.PUBLIC)
    follows_creator = Exists(CreatorFollow.objects.filter(follower_id=user.pk, creator_id=OuterRef("created_by_id")))
    shown = Q(is_hidden=False) & (
        Q(visibility=SignalVisibility.PUBLIC) | (Q(visibility=SignalVisibility.FOLLOWERS) & follows_creator)
    )
    condition = Q(created_by_id=user.pk) | shown
    if user.is_staff:
        condition |= Q(is_hidden=True)
    return condition


def visible_signals(*, user) -> QuerySet[Recommendation]:
    """Every signal `user` may see (None / anonymous: public and shown only), ready to render."""
    return (
        Recommendation.objects.filter(_visible_condition(user))
        .select_related("card", "created_by__reputation")
        .annotate(
            featured=Case(
                When(_featured_condition(), then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
            creator_accuracy=F("created_by__reputation__author_accuracy_pct"),
        )
    )


def access_signal(*, user, pk: int, queryset: QuerySet[Recommendation] | None = None) -> Recommendation:
    """The signal if `user` may see it; otherwise 404 (never 403: its existence is not revealed)."""
    signals = visible_signals(user=user) if queryset is None else queryset.filter(_visible_condition(user))
    signal = signals.filter(pk=pk).first()
    if signal is None:
        raise Http404("No such signal.")
    return signal


def can_see_signal(*, user, signal_id: int) -> bool:
    try:
        access_signal(user=user, pk=signal_id)
    except Http404:
        return False
    return True


class FilterError(ValueError):
    """A filter value outside its allowed set (the API answers 400, the page shows the message)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class SignalFilters:
    action: str | None = None
    card: int | None = None
    set_code: str | None = None
    creator: str | None = None
    creator_tier: str | None = None
    featured: bool | None = None
    status: str | None = None
    q: str = ""
    scope: str = "all"
    sort: str = "newest"


def _truthy(value: str, field: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise FilterError(field, f"Use true or false, not “{value}”.")


def parse_filters(params) -> SignalFilters:
    """Read list filters from a QueryDict; invalid values raise FilterError (API: 400)."""
    filters = SignalFilters()

    def get(name):
        value = params.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    if (action := get("action")) is not None:
        if action.upper() not in SignalAction.values:
            raise FilterError("action", f"Choose one of {', '.join(SignalAction.values)}.")
        filters.action = action.upper()
    if (card := get("card")) is not None:
        if not card.isdigit():
            raise FilterError("card", "A card id is a number.")
        filters.card = int(card)
    if (set_code := get("set")) is not None:
        if len(set_code) > 10:
            raise FilterError("set", "A set code is at most 10 characters.")
        filters.set_code = set_code.lower()
    filters.creator = get("creator")
    if (tier := get("creator_tier")) is not None:
        if tier.lower() not in TIER_FILTERS:
            raise FilterError("creator_tier", f"Choose one of {', '.join(TIER_FILTERS)}.")
        filters.creator_tier = tier.lower()
    if (featured := get("featured")) is not None:
        filters.featured = _truthy(featured, "featured")
    if (status := get("status")) is not None:
        if status.lower() not in STATUS_FILTERS:
            raise FilterError("status", f"Choose one of {', '.join(STATUS_FILTERS)}.")
        filters.status = status.lower()
    filters.q = (get("q") or "")[:100]
    if (scope := get("scope")) is not None:
        if scope not in ("all", "following", "mine"):
            raise FilterError("scope", "Choose one of all, following, mine.")
        filters.scope = scope
    if (sort := get("sort")) is not None:
        if sort not in SORTS:
            raise FilterError("sort", f"Choose one of {', '.join(SORTS)}.")
        filters.sort = sort
    return filters


def _tier_score_range(tier: str) -> Q:
    from accounts.enums import TIER_ORDER

    floor = tier_threshold(tier)
    index = TIER_ORDER.index(tier)
    condition = Q(created_by__reputation__reputation_score__gte=floor)
    if index + 1 < len(TIER_ORDER):
        condition &= Q(created_by__reputation__reputation_score__lt=tier_threshold(TIER_ORDER[index + 1]))
    return condition


def signal_list(*, user, filters: SignalFilters) -> QuerySet[Recommendation]:
    """Visible signals narrowed by the filters, in the chosen order (no COUNT anywhere)."""
    signals = visible_signals(user=user)
    if filters.scope == "mine":
        signals = signals.filter(created_by_id=user.pk if user.is_authenticated else None)
    elif filters.scope == "following":
        followed = CreatorFollow.objects.filter(follower_id=user.pk if user.is_authenticated else None)
        signals = signals.filter(created_by_id__in=followed.values("creator_id"))
    if filters.action:
        signals = signals.filter(action=filters.action)
    if filters.card:
        signals = signals.filter(card_id=filters.card)
    if filters.set_code:
        signals = signals.filter(card__set_code=filters.set_code)
    if filters.creator:
        if filters.creator.lower() == "system":
            signals = signals.filter(created_by__isnull=True)
        else:
            signals = signals.filter(created_by__username=filters.creator)
    if filters.creator_tier:
        signals = signals.filter(_tier_score_range(filters.creator_tier))
    if filters.featured:
        signals = signals.filter(_featured_condition(), created_by_id__in=_featured_creators())
    elif filters.featured is False:
        signals = signals.filter(featured=False)
    if filters.status == "hidden":
        signals = signals.filter(is_hidden=True)
    elif filters.status:
        signals = signals.filter(status=filters.status, is_hidden=False)
    if filters.q:
        signals = signals.filter(card__name__icontains=filters.q)
    if filters.sort == "best_creator":
        signals = signals.filter(created_by__reputation__isnull=False)  # creators only: the system has no record
    return signals.order_by(*SORT_ORDERING[filters.sort])


# What a list row and the API show of a signal, read as plain values (no model instances).
SIGNAL_ROW_FIELDS = (
    "id",
    "created_by_id",
    "card_id",
    "finish",
    "action",
    "entry_price",
    "target_price",
    "currency",
    "target_date",
    "rationale",
    "user_rationale",
    "is_user_generated",
    "visibility",
    "status",
    "is_hidden",
    "follower_count",
    "featured",
    "creator_accuracy",
    "created_at",
    *OUTCOME_COLUMNS,
)


def signal_rows(signals: QuerySet[Recommendation]) -> QuerySet:
    """These signals as dict rows: SIGNAL_ROW_FIELDS plus card_name, set_code, creator (username)
    and tier (the creator's stored tier); None for the system's signals."""
    return signals.values(
        *SIGNAL_ROW_FIELDS,
        card_name=F("card__name"),
        set_code=F("card__set_code"),
        creator=F("created_by__username"),
        tier=F("created_by__reputation__reputation_tier"),
    )


def signal_list_page(*, user, filters: SignalFilters, page: int, per_page: int = 25) -> Page:
    """One page of list rows (dicts of `signal_rows`)."""
    rows = signal_rows(signal_list(user=user, filters=filters))
    return paginate_without_count(rows, page=page, per_page=per_page)


def signal_row(*, user, pk: int) -> dict:
    """One signal as a row of `signal_rows`, if `user` may see it; otherwise 404."""
    row = signal_rows(visible_signals(user=user).filter(pk=pk)).first()
    if row is None:
        raise Http404("No such signal.")
    return row


def signals_mine(*, user) -> QuerySet[Recommendation]:
    return visible_signals(user=user).filter(created_by_id=user.pk).order_by("-created_at", "-id")


def is_following_creator(*, user, creator_id: int | None) -> bool:
    if creator_id is None or not user.is_authenticated:
        return False
    return CreatorFollow.objects.filter(follower_id=user.pk, creator_id=creator_id).exists()


def creator_follower_count(*, creator_id: int) -> int:
    return CreatorFollow.objects.filter(creator_id=creator_id).count()


def progress_percent(*, entry: Decimal, current: Decimal | None, target: Decimal | None) -> int | None:
    """Where the current price sits on the way from entry to target, 0-100 (None without a target)."""
    if current is None or target is None or target == entry:
        return None
    share = (current - entry) / (target - entry) * 100
    return int(max(Decimal(0), min(Decimal(100), share)))


FOLLOW_FIELDS = ("id", "followed_at", "unfollowed_at", "acted_on", "acted_at", "acted_price", "outcome_evaluated")


def access_signal_detail(*, user, pk: int) -> Recommendation:
    """`access_signal` with what the detail page shows beyond the row, in the same query: the current
    price, the viewer's follow (a LEFT JOIN on the unique signal+user row), whether the viewer
    follows the creator and the creator's follower count."""
    from cards.models import CardPrice

    signed_in = user is not None and user.is_authenticated
    current = CardPrice.objects.filter(card_id=OuterRef("card_id"), finish=OuterRef("finish")).values("price")[:1]
    followers = (
        CreatorFollow.objects.filter(creator_id=OuterRef("created_by_id"))
        .order_by()
        .values("creator_id")
        .annotate(count=Count("id"))
        .values("count")
    )
    signals = visible_signals(user=user).filter(pk=pk)
    signals = signals.annotate(
        current_price=Subquery(current),
        creator_followers=Coalesce(Subquery(followers), 0),
        follows_creator=(
            Exists(CreatorFollow.objects.filter(follower_id=user.pk, creator_id=OuterRef("created_by_id")))
            if signed_in
            else Value(False)
        ),
    )
    if signed_in:
        signals = signals.annotate(
            mine=FilteredRelation("followers", condition=Q(followers__user_id=user.pk)),
            **{f"my_{field}": F(f"mine__{field}") for field in (*FOLLOW_FIELDS, "outcome_profit_pct")},
        )
    signal = signals.first()
    if signal is None:
        raise Http404("No such signal.")
    return signal


def _my_follow(signal: Recommendation, user) -> SignalFollower | None:
    if getattr(signal, "my_id", None) is None:
        return None
    values = {field: getattr(signal, f"my_{field}") for field in (*FOLLOW_FIELDS, "outcome_profit_pct")}
    return SignalFollower(recommendation_id=signal.pk, user_id=user.pk, **values)


def signal_detail_context(*, user, signal: Recommendation, now: datetime) -> dict:
    """Everything the detail page shows beyond the signal row itself, from a signal read through
    `access_signal_detail` (no further queries)."""
    current = signal.current_price
    follow = _my_follow(signal, user)
    return {
        "signal": signal,
        "current_price": current,
        "progress": progress_percent(entry=signal.entry_price, current=current, target=signal.target_price),
        "time_left": signal.target_date - now if signal.status == SignalStatus.ACTIVE else None,
        "follow": follow if follow and follow.is_following else None,
        "past_follow": follow,
        "is_creator": user.is_authenticated and signal.created_by_id == user.pk,
        "follows_creator": signal.follows_creator,
        "creator_followers": signal.creator_followers,
        "live_card_ids": [signal.card_id],
    }


LEADERBOARD_FIELDS = (
    "rank",
    "is_system",
    "tier",
    "evaluated",
    "hits",
    "hit_rate",
    "wilson_lower_bound",
    "mean_profit_pct",
    "followers",
)


def leaderboard(*, period: str) -> tuple[datetime | None, list[dict]]:
    """The precomputed standings of one period (plain rows with the creator's `username`, None for
    the system) and when they were computed: two queries, no model instances."""
    if period not in LeaderboardPeriod.values:
        raise FilterError("period", f"Choose one of {', '.join(LeaderboardPeriod.values)}.")
    computed = LeaderboardComputation.objects.filter(period=period).values_list("computed_at", flat=True).first()
    rows = list(
        LeaderboardStanding.objects.filter(period=period)
        .order_by("rank")
        .values(*LEADERBOARD_FIELDS, username=F("creator__username"))[:100]
    )
    return computed, rows


def featured_signals(*, limit: int = 6) -> list[Recommendation]:
    return list(
        visible_signals(user=AnonymousUser())
        .filter(_featured_condition(), created_by_id__in=_featured_creators())
        .order_by("-creator_accuracy", "-follower_count", "-id")[:limit]
    )


def home_panel(*, user) -> dict | None:
    """The featured strip on the home page and the dashboard (settings.HOME_PANELS)."""
    signals = featured_signals()
    if not signals:
        return None
    return {"template": "signals/partials/_featured_strip.html", "signals": signals}


def profile_panel(*, profile_user, viewer) -> dict | None:
    """The creator's record on their public profile (settings.PROFILE_PANELS)."""
    from accounts.models import UserReputation

    reputation = UserReputation.objects.filter(user=profile_user).first()
    recent = list(signal_list(user=viewer, filters=SignalFilters(creator=profile_user.username))[:5])
    if not recent and (reputation is None or reputation.signals_authored_evaluated == 0):
        return None
    return {
        "template": "signals/partials/_profile_panel.html",
        "reputation": reputation,
        "recent": recent,
        "followers": creator_follower_count(creator_id=profile_user.pk),
        "is_following": is_following_creator(user=viewer, creator_id=profile_user.pk),
        "can_follow": viewer.is_authenticated and viewer.pk != profile_user.pk,
    }
