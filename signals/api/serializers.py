"""API shapes for signals (issue 14, section 8b: these names are a contract)."""

from datetime import UTC
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cards.enums import Finish
from signals.enums import LeaderboardPeriod, SignalAction, SignalVisibility
from signals.models import EDIT_WINDOW
from signals.services import RATIONALE_MAX, RATIONALE_MIN, TARGET_DAYS_MAX, TARGET_DAYS_MIN


class OutcomeSerializer(serializers.Serializer):
    evaluated_at = serializers.DateTimeField()
    price_at_end = serializers.DecimalField(max_digits=12, decimal_places=2)
    peak_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    accuracy = serializers.DecimalField(max_digits=5, decimal_places=4, help_text="0–1")
    hit = serializers.BooleanField(help_text="accuracy ≥ 0.5")
    profit_pct = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, help_text="null for HOLD")
    peak_profit_pct = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    closed_early = serializers.BooleanField()


class SignalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    creator = serializers.SerializerMethodField(help_text="username; null for system signals")
    is_system = serializers.BooleanField()
    card = serializers.IntegerField(source="card_id")
    card_name = serializers.CharField(source="card.name")
    finish = serializers.CharField()
    action = serializers.ChoiceField(choices=SignalAction.values)
    entry_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    target_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField()
    target_date = serializers.SerializerMethodField()
    rationale = serializers.CharField(source="display_rationale")
    visibility = serializers.ChoiceField(choices=SignalVisibility.values)
    status = serializers.ChoiceField(choices=["active", "evaluated", "hidden"], source="api_status")
    follower_count = serializers.IntegerField()
    featured = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    editable_until = serializers.DateTimeField()
    outcome = serializers.SerializerMethodField()

    def get_creator(self, signal) -> str | None:
        return signal.created_by.username if signal.created_by_id else None

    @extend_schema_field(serializers.DateField())
    def get_target_date(self, signal):
        return signal.target_date.date().isoformat()

    @extend_schema_field(OutcomeSerializer(allow_null=True))
    def get_outcome(self, signal):
        if signal.evaluated_at is None:
            return None
        return OutcomeSerializer(signal).data


def _datetime(value) -> str | None:
    """As DRF's DateTimeField writes it (UTC with a Z)."""
    if value is None:
        return None
    value = value.astimezone(UTC).isoformat()
    return value[:-6] + "Z" if value.endswith("+00:00") else value


def _money(value) -> str | None:
    return _decimal(value, "0.01")


def signal_data(row: dict) -> dict:
    """A signal row (selectors.signal_rows) as the API shows it: the fields of SignalSerializer, built
    without a field object per value (the list writes 25 rows x 19 fields)."""
    outcome = None
    if row["evaluated_at"] is not None:
        outcome = {
            "evaluated_at": _datetime(row["evaluated_at"]),
            "price_at_end": _money(row["price_at_end"]),
            "peak_price": _money(row["peak_price"]),
            "accuracy": _decimal(row["accuracy"], "0.0001"),
            "hit": row["hit"],
            "profit_pct": _money(row["profit_pct"]),
            "peak_profit_pct": _money(row["peak_profit_pct"]),
            "closed_early": row["closed_early"],
        }
    return {
        "id": row["id"],
        "creator": row["creator"] if row["created_by_id"] else None,
        "is_system": row["created_by_id"] is None,
        "card": row["card_id"],
        "card_name": row["card_name"],
        "finish": row["finish"],
        "action": row["action"],
        "entry_price": _money(row["entry_price"]),
        "target_price": _money(row["target_price"]),
        "currency": row["currency"],
        "target_date": row["target_date"].date().isoformat(),
        "rationale": row["user_rationale"] if row["is_user_generated"] else row["rationale"],
        "visibility": row["visibility"],
        "status": "hidden" if row["is_hidden"] else row["status"],
        "follower_count": row["follower_count"],
        "featured": row["featured"],
        "created_at": _datetime(row["created_at"]),
        "editable_until": _datetime(row["created_at"] + EDIT_WINDOW),
        "outcome": outcome,
    }


class SignalCreateSerializer(serializers.Serializer):
    """Documents the body; the service validates it (so every rule has one home)."""

    card = serializers.IntegerField(help_text="card id")
    finish = serializers.ChoiceField(choices=Finish.choices, default=Finish.NONFOIL)
    action = serializers.ChoiceField(choices=SignalAction.values)
    target_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="BUY: above the entry price; SELL: below it; HOLD: optional",
    )
    target_date = serializers.DateField(help_text=f"{TARGET_DAYS_MIN}–{TARGET_DAYS_MAX} days ahead")
    rationale = serializers.CharField(min_length=RATIONALE_MIN, max_length=RATIONALE_MAX)
    visibility = serializers.ChoiceField(
        choices=SignalVisibility.values, help_text="followers needs 5 completed trades; public needs Silver tier"
    )


class SignalUpdateSerializer(serializers.Serializer):
    target_price = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    target_date = serializers.DateField(required=False)
    rationale = serializers.CharField(min_length=RATIONALE_MIN, max_length=RATIONALE_MAX, required=False)
    visibility = serializers.ChoiceField(choices=SignalVisibility.values, required=False)


class FollowRequestSerializer(serializers.Serializer):
    acted_on = serializers.BooleanField(required=False, help_text="true records the price now; only while active")


class FollowSerializer(serializers.Serializer):
    signal = serializers.IntegerField(source="recommendation_id")
    followed_at = serializers.DateTimeField()
    acted_on = serializers.BooleanField()
    acted_at = serializers.DateTimeField(allow_null=True)
    acted_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.SerializerMethodField()
    outcome_profit_pct = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)

    def get_currency(self, follow) -> str:
        return "USD"


class CreatorFollowSerializer(serializers.Serializer):
    creator = serializers.CharField(source="creator.username")
    followed_at = serializers.DateTimeField(source="created_at")


class StandingSerializer(serializers.Serializer):
    """Documents a leaderboard row; `standing_data` writes it (100 rows without a field object per value)."""

    username = serializers.CharField(allow_null=True)
    is_system = serializers.BooleanField()
    tier = serializers.CharField(allow_null=True)
    evaluated = serializers.IntegerField()
    hits = serializers.IntegerField()
    hit_rate = serializers.DecimalField(max_digits=5, decimal_places=4)
    wilson_lower_bound = serializers.DecimalField(max_digits=5, decimal_places=4)
    mean_profit_pct = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    followers = serializers.IntegerField()


def _decimal(value, places: str) -> str | None:
    return None if value is None else format(value.quantize(Decimal(places)), "f")


def standing_data(row: dict) -> dict:
    """A leaderboard row (selectors.leaderboard) as the API shows it: the fields of StandingSerializer,
    decimals as strings with their places, an empty tier as null."""
    return {
        "username": row["username"],
        "is_system": row["is_system"],
        "tier": row["tier"] or None,
        "evaluated": row["evaluated"],
        "hits": row["hits"],
        "hit_rate": _decimal(row["hit_rate"], "0.0001"),
        "wilson_lower_bound": _decimal(row["wilson_lower_bound"], "0.0001"),
        "mean_profit_pct": _decimal(row["mean_profit_pct"], "0.01"),
        "followers": row["followers"],
    }


class LeaderboardSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=LeaderboardPeriod.values)
    computed_at = serializers.DateTimeField(allow_null=True)
    results = StandingSerializer(many=True)
