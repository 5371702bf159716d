"""Unlock boundaries (SPEC §4): 5 completed trades, Silver at 300, featured at Gold + 65% over 10."""

import pytest
from django.contrib.auth.models import AnonymousUser

from signals.visibility import (
    can_create_public_signal,
    can_create_signal,
    get_max_visibility,
    is_featured_eligible,
    visibility_options,
)

from .factories import creator_factory

pytestmark = pytest.mark.django_db


def test_four_completed_trades_cannot_create_and_says_why_with_progress():
    user = creator_factory(trades=4, score=40)
    decision = can_create_signal(user)
    assert decision.allowed is False
    assert "4 of 5 completed trades" in decision.reason
    assert decision.progress == {"done": 4, "needed": 5, "label": "completed trades"}
    assert get_max_visibility(user) is None


def test_five_completed_trades_can_create_private_and_followers():
    user = creator_factory(trades=5, score=60)
    assert can_create_signal(user).allowed is True
    assert get_max_visibility(user) == "followers"
    options = {option["value"]: option for option in visibility_options(user)}
    assert (options["private"]["allowed"], options["followers"]["allowed"], options["public"]["allowed"]) == (
        True,
        True,
        False,
    )
    assert "Silver" in options["public"]["reason"]


def test_reputation_299_is_not_public_300_is():
    below, at = creator_factory(trades=30, score="299.99"), creator_factory(trades=30, score=300)
    decision = can_create_public_signal(below)
    assert decision.allowed is False
    assert "Silver tier (300 reputation)" in decision.reason
    assert can_create_public_signal(at).allowed is True
    assert get_max_visibility(below) == "followers"
    assert get_max_visibility(at) == "public"


def test_public_needs_the_trades_too():
    user = creator_factory(trades=4, score=320)
    assert can_create_public_signal(user).allowed is False
    assert get_max_visibility(user) is None


def test_featured_accuracy_64_9_is_not_65_is():
    below = creator_factory(trades=50, score=700, evaluated=1000, hits=649)  # 64.90%
    at = creator_factory(trades=50, score=700, evaluated=20, hits=13)  # 65.00%
    decision = is_featured_eligible(below)
    assert decision.allowed is False
    assert "65% author accuracy" in decision.reason
    assert is_featured_eligible(at).allowed is True


def test_featured_nine_evaluated_is_not_ten_is():
    nine = creator_factory(trades=50, score=700, evaluated=9, hits=9)
    ten = creator_factory(trades=50, score=700, evaluated=10, hits=10)
    assert is_featured_eligible(nine).allowed is False
    assert "(9 so far)" in is_featured_eligible(nine).reason
    assert is_featured_eligible(ten).allowed is True


def test_featured_needs_gold():
    silver = creator_factory(trades=50, score="599.99", evaluated=20, hits=20)
    assert is_featured_eligible(silver).allowed is False
    assert is_featured_eligible(creator_factory(trades=50, score=600, evaluated=20, hits=20)).allowed is True


def test_anonymous_may_not_create():
    assert can_create_signal(AnonymousUser()).allowed is False
    assert get_max_visibility(AnonymousUser()) is None
