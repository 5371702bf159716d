"""The reputation formula, term by term, and the tier boundaries (SPEC §3)."""

from decimal import Decimal

import pytest

from accounts.enums import ReputationTier
from accounts.reputation import next_tier, reputation_score, tier_for_score

ZERO = {
    "completed_trades": 0,
    "cancelled_trades": 0,
    "review_count": 0,
    "review_average": Decimal("0"),
    "signals_followed": 0,
    "signals_profitable": 0,
    "disputes_lost": 0,
    "email_verified": False,
    "months_inactive": 0,
}


def score(**changes) -> Decimal:
    return reputation_score(**{**ZERO, **changes})


def test_nothing_scores_zero():
    assert score() == Decimal("0.00")


@pytest.mark.parametrize(
    ("trades", "expected"),
    [
        (1, "10.00"),
        (9, "90.00"),
        (10, "100.00"),  # last trade at 10 points
        (11, "105.00"),  # first trade at 5 points
        (50, "300.00"),  # last trade at 5 points: 100 + 40x5
        (51, "302.00"),  # first trade at 2 points
        (60, "320.00"),
    ],
)
def test_trade_point_bands(trades, expected):
    assert score(completed_trades=trades) == Decimal(expected)


@pytest.mark.parametrize(
    ("count", "average", "expected"),
    [
        (1, "5.00", "50.00"),  # (5 - 2.5) x 20 x √1
        (4, "4.50", "80.00"),  # 2 x 20 x 2
        (2, "5.00", "70.71"),  # 50 x √2, rounded half-up
        (99, "5.00", "497.49"),  # √99 ≈ 9.9499 still under the cap
        (100, "5.00", "500.00"),  # √100 = 10: the cap
        (400, "5.00", "500.00"),  # √400 = 20 capped at 10
        (1, "2.50", "0.00"),  # neutral average adds nothing
    ],
)
def test_review_points(count, average, expected):
    assert score(review_count=count, review_average=Decimal(average)) == Decimal(expected)


def test_bad_reviews_subtract():
    # 10 trades (100) + (1.5 - 2.5) x 20 x √4 = 100 - 40
    assert score(completed_trades=10, review_count=4, review_average=Decimal("1.50")) == Decimal("60.00")


def test_zero_reviews_ignore_the_average():
    assert score(review_count=0, review_average=Decimal("5.00")) == Decimal("0.00")


def test_follow_points_need_five_followed():
    assert score(signals_followed=4, signals_profitable=4) == Decimal("0.00")
    assert score(signals_followed=5, signals_profitable=3) == Decimal("60.00")
    assert score(signals_followed=5, signals_profitable=5) == Decimal("100.00")
    assert score(signals_followed=7, signals_profitable=3) == Decimal("42.86")


def test_cancelled_trade_penalty():
    assert score(completed_trades=10, cancelled_trades=1) == Decimal("80.00")
    assert score(completed_trades=10, cancelled_trades=2) == Decimal("60.00")


def test_dispute_lost_penalty():
    assert score(completed_trades=10, disputes_lost=1) == Decimal("50.00")


def test_score_is_floored_at_zero():
    assert score(cancelled_trades=3) == Decimal("0.00")
    assert score(completed_trades=1, disputes_lost=2, email_verified=True) == Decimal("0.00")


def test_verified_email_adds_ten():
    assert score(email_verified=True) == Decimal("10.00")
    assert score(completed_trades=10, email_verified=True) == Decimal("110.00")


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        (0, "100.00"),
        (1, "95.00"),
        (2, "90.25"),
        (13, "51.33"),  # 0.95^13 ≈ 0.5133, still above the floor
        (14, "50.00"),  # 0.95^14 ≈ 0.4877 → floor 0.5
        (120, "50.00"),
    ],
)
def test_inactivity_decay_and_its_floor(months, expected):
    assert score(completed_trades=10, months_inactive=months) == Decimal(expected)


def test_decay_applies_to_the_whole_sum_including_verification():
    assert score(completed_trades=10, email_verified=True, months_inactive=1) == Decimal("104.50")


def test_rounding_is_half_up_once_at_the_end():
    # follow 1/8 x 100 = 12.5, review (2.51 - 2.5) x 20 = 0.2 → 12.7 x 0.95 = 12.065 → 12.07
    # (half-even would give 12.06)
    value = score(
        signals_followed=8, signals_profitable=1, review_count=1, review_average=Decimal("2.51"), months_inactive=1
    )
    assert value == Decimal("12.07")


def test_all_terms_together():
    value = score(
        completed_trades=12,  # 100 + 10
        cancelled_trades=1,  # -20
        review_count=9,
        review_average=Decimal("4.00"),  # 1.5 x 20 x 3 = 90
        signals_followed=10,
        signals_profitable=6,  # 60
        disputes_lost=1,  # -50
        email_verified=True,  # +10
        months_inactive=0,
    )
    assert value == Decimal("200.00")


@pytest.mark.parametrize(
    ("value", "tier"),
    [
        ("0", ReputationTier.NEW),
        ("99.99", ReputationTier.NEW),
        ("99", ReputationTier.NEW),
        ("100", ReputationTier.BRONZE),
        ("299", ReputationTier.BRONZE),
        ("299.99", ReputationTier.BRONZE),
        ("300", ReputationTier.SILVER),
        ("599", ReputationTier.SILVER),
        ("600", ReputationTier.GOLD),
        ("899", ReputationTier.GOLD),
        ("900", ReputationTier.PLATINUM),
        ("1199", ReputationTier.PLATINUM),
        ("1199.99", ReputationTier.PLATINUM),
        ("1200", ReputationTier.DIAMOND),
        ("5000", ReputationTier.DIAMOND),
    ],
)
def test_tier_boundaries(value, tier):
    assert tier_for_score(Decimal(value)) == tier


@pytest.mark.parametrize(
    ("stats", "expected_score", "tier"),
    [
        ({"completed_trades": 9, "review_count": 1, "review_average": Decimal("2.95")}, "99.00", ReputationTier.NEW),
        ({"completed_trades": 10}, "100.00", ReputationTier.BRONZE),
        (
            {"completed_trades": 49, "review_count": 1, "review_average": Decimal("2.70")},
            "299.00",
            ReputationTier.BRONZE,
        ),
        ({"completed_trades": 50}, "300.00", ReputationTier.SILVER),
        (
            {"completed_trades": 199, "review_count": 1, "review_average": Decimal("2.60")},
            "600.00",
            ReputationTier.GOLD,
        ),
        (
            {"completed_trades": 199, "review_count": 1, "review_average": Decimal("2.55")},
            "599.00",
            ReputationTier.SILVER,
        ),
        (
            {"completed_trades": 349, "review_count": 1, "review_average": Decimal("2.55")},
            "899.00",
            ReputationTier.GOLD,
        ),
        ({"completed_trades": 350}, "900.00", ReputationTier.PLATINUM),
        (
            {"completed_trades": 499, "review_count": 1, "review_average": Decimal("2.55")},
            "1199.00",
            ReputationTier.PLATINUM,
        ),
        ({"completed_trades": 500}, "1200.00", ReputationTier.DIAMOND),
    ],
)
def test_formula_lands_on_each_side_of_every_boundary(stats, expected_score, tier):
    value = score(**stats)
    assert value == Decimal(expected_score)
    assert tier_for_score(value) == tier


def test_next_tier():
    assert next_tier(ReputationTier.NEW) == (ReputationTier.BRONZE, 100)
    assert next_tier(ReputationTier.PLATINUM) == (ReputationTier.DIAMOND, 1200)
    assert next_tier(ReputationTier.DIAMOND) is None
