from django.db import models


class SignalAction(models.TextChoices):
    BUY = "BUY", "Buy"
    SELL = "SELL", "Sell"
    HOLD = "HOLD", "Hold"


class SignalVisibility(models.TextChoices):
    """Who sees a signal, narrowest first (the order is the "widen" order)."""

    PRIVATE = "private", "Private (only me)"
    FOLLOWERS = "followers", "My followers"
    PUBLIC = "public", "Public"


VISIBILITY_ORDER = [SignalVisibility.PRIVATE, SignalVisibility.FOLLOWERS, SignalVisibility.PUBLIC]


def visibility_rank(visibility: str) -> int:
    return VISIBILITY_ORDER.index(visibility)


class SignalStatus(models.TextChoices):
    """The signal's life: active until evaluated (at its target date, or when its creator closes it).

    Moderation is separate (`is_hidden`): a hidden signal keeps its life cycle so that it
    still counts in its creator's record.
    """

    ACTIVE = "active", "Active"
    EVALUATED = "evaluated", "Evaluated"


ALLOWED_TRANSITIONS = {
    SignalStatus.ACTIVE: {SignalStatus.EVALUATED},
    SignalStatus.EVALUATED: set(),
}


class SignalEventKind(models.TextChoices):
    CREATED = "created", "Created"
    EDITED = "edited", "Edited"
    CLOSED = "closed", "Closed early"
    EVALUATED = "evaluated", "Evaluated"
    HIDDEN = "hidden", "Hidden by staff"
    UNHIDDEN = "unhidden", "Shown again by staff"


class LeaderboardPeriod(models.TextChoices):
    DAYS_30 = "30d", "Last 30 days"
    DAYS_90 = "90d", "Last 90 days"
    ALL = "all", "All time"


PERIOD_DAYS = {LeaderboardPeriod.DAYS_30: 30, LeaderboardPeriod.DAYS_90: 90, LeaderboardPeriod.ALL: None}
