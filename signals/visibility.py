"""Who may publish what (plan task 3, corrected per SPEC §8).

Every check returns a `Decision`: the answer plus a sentence a person can read, and, when a
count gates the right, how far along they are ("3 of 5 completed trades"). Tiers are taken
from the score itself so the 300-point line is exact whatever the stored tier says.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from accounts.enums import ReputationTier, tier_at_least
from accounts.models import UserReputation
from accounts.reputation import tier_for_score, tier_threshold

from .enums import SignalVisibility


class VisibilityUnlocks:
    MIN_TRADES_TO_CREATE = 5
    PUBLIC_SIGNAL_TIER = ReputationTier.SILVER  # 300+ reputation
    FEATURED_TIER = ReputationTier.GOLD  # 600+ reputation
    FEATURED_ACCURACY_PCT = Decimal("65")
    FEATURED_MIN_EVALUATED = 10
    MAX_ACTIVE_SIGNALS = 20


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    progress: dict | None = None

    def __bool__(self) -> bool:
        return self.allowed


def _reputation(user) -> UserReputation | None:
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.reputation  # joined in by callers that select_related it
    except UserReputation.DoesNotExist:
        return None


def tier_of(reputation: UserReputation | None) -> str:
    if reputation is None:
        return ReputationTier.NEW
    return tier_for_score(reputation.reputation_score)


def can_create_signal(user, *, reputation: UserReputation | None = None) -> Decision:
    """Five completed trades unlock private and followers-only signals."""
    if user is None or not user.is_authenticated:
        return Decision(False, "Log in to publish signals.")
    reputation = reputation or _reputation(user)
    done = reputation.completed_trades if reputation else 0
    needed = VisibilityUnlocks.MIN_TRADES_TO_CREATE
    progress = {"done": min(done, needed), "needed": needed, "label": "completed trades"}
    if done < needed:
        return Decision(
            False,
            f"Complete at least {needed} trades to publish signals ({done} of {needed} completed trades).",
            progress,
        )
    return Decision(True, "You can publish private and followers-only signals.", progress)


def can_create_public_signal(user, *, reputation: UserReputation | None = None) -> Decision:
    """Silver tier (300 reputation) unlocks public signals, on top of the right to create at all."""
    reputation = reputation or _reputation(user)
    base = can_create_signal(user, reputation=reputation)
    if not base:
        return base
    required = VisibilityUnlocks.PUBLIC_SIGNAL_TIER
    threshold = tier_threshold(required)
    score = reputation.reputation_score if reputation else Decimal(0)
    progress = {"done": min(score, Decimal(threshold)), "needed": threshold, "label": "reputation"}
    if not tier_at_least(tier_of(reputation), required):
        return Decision(
            False,
            f"Reach {required.label} tier ({threshold} reputation) to publish public signals (you have {score:.0f}).",
            progress,
        )
    return Decision(True, "You can publish public signals.", progress)


def get_max_visibility(user, *, reputation: UserReputation | None = None) -> str | None:
    """The widest visibility the user may choose; None for users who may not create (SPEC §8.3)."""
    reputation = reputation or _reputation(user)
    if can_create_public_signal(user, reputation=reputation):
        return SignalVisibility.PUBLIC
    if can_create_signal(user, reputation=reputation):
        return SignalVisibility.FOLLOWERS
    return None


def visibility_options(user, *, reputation: UserReputation | None = None) -> list[dict]:
    """Each visibility with whether the user may use it and, if not, why (for the form)."""
    reputation = reputation or _reputation(user)
    create = can_create_signal(user, reputation=reputation)
    public = can_create_public_signal(user, reputation=reputation)
    options = []
    for value, label in SignalVisibility.choices:
        decision = public if value == SignalVisibility.PUBLIC else create
        options.append({"value": value, "label": label, "allowed": decision.allowed, "reason": decision.reason})
    return options


def is_featured_eligible(user, *, reputation: UserReputation | None = None) -> Decision:
    """Gold tier and author accuracy of at least 65% over at least 10 evaluated signals (SPEC §8.4)."""
    if user is None:
        return Decision(False, "System signals are not featured.")
    reputation = reputation or _reputation(user)
    if reputation is None or not tier_at_least(tier_of(reputation), VisibilityUnlocks.FEATURED_TIER):
        return Decision(False, f"Reach {VisibilityUnlocks.FEATURED_TIER.label} tier to be featured.")
    evaluated = reputation.signals_authored_evaluated
    if evaluated < VisibilityUnlocks.FEATURED_MIN_EVALUATED:
        return Decision(
            False,
            f"Have at least {VisibilityUnlocks.FEATURED_MIN_EVALUATED} evaluated signals to be featured "
            f"({evaluated} so far).",
        )
    if reputation.author_accuracy_pct < VisibilityUnlocks.FEATURED_ACCURACY_PCT:
        return Decision(
            False,
            f"Reach {VisibilityUnlocks.FEATURED_ACCURACY_PCT}% author accuracy to be featured "
            f"({reputation.author_accuracy_pct}% now).",
        )
    return Decision(True, "Your public signals are featured.")
