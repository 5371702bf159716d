"""The reputation formula (SPEC §3), in one place.

Pure functions only: the services in accounts.services feed them numbers read from the
database and store what they return. Everything is Decimal so that the same inputs give
the same score on every machine, and rounding happens once, at the end (half-up, 2 dp).
"""

from decimal import ROUND_HALF_UP, Decimal

from .enums import TIER_THRESHOLDS, ReputationTier

TRADE_POINTS_FIRST = Decimal(10)  # each of trades 1-10
TRADE_POINTS_MIDDLE = Decimal(5)  # each of trades 11-50
TRADE_POINTS_BEYOND = Decimal(2)  # each trade after the 50th
REVIEW_NEUTRAL_AVERAGE = Decimal("2.5")
REVIEW_POINTS_PER_STAR = Decimal(20)
REVIEW_WEIGHT_CAP = Decimal(10)  # min(10, √reviews): 100 reviews reach full weight
FOLLOW_MIN_FOLLOWED = 5
FOLLOW_POINTS_MAX = Decimal(100)
CANCELLED_TRADE_PENALTY = Decimal(20)
DISPUTE_LOST_PENALTY = Decimal(50)
VERIFIED_EMAIL_POINTS = Decimal(10)
DECAY_PER_MONTH = Decimal("0.95")
DECAY_FLOOR = Decimal("0.5")
CENT = Decimal("0.01")


def trade_points(completed_trades: int) -> Decimal:
    first = min(completed_trades, 10)
    middle = max(0, min(completed_trades, 50) - 10)
    beyond = max(0, completed_trades - 50)
    return first * TRADE_POINTS_FIRST + middle * TRADE_POINTS_MIDDLE + beyond * TRADE_POINTS_BEYOND


def review_points(review_count: int, review_average: Decimal) -> Decimal:
    """Above-neutral reviews add, below-neutral subtract; weight grows with √count up to 10."""
    if review_count <= 0:
        return Decimal(0)
    weight = min(REVIEW_WEIGHT_CAP, Decimal(review_count).sqrt())
    return (Decimal(review_average) - REVIEW_NEUTRAL_AVERAGE) * REVIEW_POINTS_PER_STAR * weight


def follow_points(signals_followed: int, signals_profitable: int) -> Decimal:
    """Share of followed signals that paid off, once the sample is big enough to mean something."""
    if signals_followed < FOLLOW_MIN_FOLLOWED:
        return Decimal(0)
    return Decimal(signals_profitable) / Decimal(signals_followed) * FOLLOW_POINTS_MAX


def decay_factor(months_inactive: int) -> Decimal:
    return max(DECAY_FLOOR, DECAY_PER_MONTH ** max(0, months_inactive))


def reputation_score(
    *,
    completed_trades: int,
    cancelled_trades: int,
    review_count: int,
    review_average: Decimal,
    signals_followed: int,
    signals_profitable: int,
    disputes_lost: int,
    email_verified: bool,
    months_inactive: int,
) -> Decimal:
    """Score = (trade + review + follow - penalties + verification) x decay, floored at 0."""
    raw = (
        trade_points(completed_trades)
        + review_points(review_count, review_average)
        + follow_points(signals_followed, signals_profitable)
        - cancelled_trades * CANCELLED_TRADE_PENALTY
        - disputes_lost * DISPUTE_LOST_PENALTY
        + (VERIFIED_EMAIL_POINTS if email_verified else Decimal(0))
    )
    score = max(Decimal(0), raw * decay_factor(months_inactive))
    return score.quantize(CENT, rounding=ROUND_HALF_UP)


def tier_for_score(score: Decimal) -> str:
    for tier, threshold in TIER_THRESHOLDS:
        if score >= threshold:
            return tier
    return ReputationTier.NEW


def next_tier(tier: str) -> tuple[str, int] | None:
    """(next tier, its threshold) or None at the top."""
    ascending = list(reversed(TIER_THRESHOLDS))
    for index, (candidate, _) in enumerate(ascending):
        if candidate == tier and index + 1 < len(ascending):
            return ascending[index + 1]
    return None


def tier_threshold(tier: str) -> int:
    return dict(TIER_THRESHOLDS)[tier]
