from rest_framework import serializers

from accounts.enums import TokenScope
from accounts.models import ApiToken, User
from accounts.services import MAX_API_TOKEN_DAYS
from core.api import StrictJSONTypes


class MeSerializer(serializers.ModelSerializer):
    reputation_score = serializers.DecimalField(source="reputation.reputation_score", max_digits=8, decimal_places=2)
    reputation_tier = serializers.CharField(source="reputation.reputation_tier")
    completed_trades = serializers.IntegerField(source="reputation.completed_trades")
    review_count = serializers.IntegerField(source="reputation.review_count")
    review_average = serializers.DecimalField(source="reputation.review_average", max_digits=3, decimal_places=2)
    store = serializers.SerializerMethodField(help_text="Your store's id (your user id), or null")

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "account_type",
            "business_name",
            "business_verified",
            "country",
            "postal_code",
            "latitude",
            "longitude",
            "trade_radius_km",
            "match_with_stores",
            "reputation_score",
            "reputation_tier",
            "completed_trades",
            "review_count",
            "review_average",
            "date_joined",
            "store",
        ]
        read_only_fields = fields

    def get_store(self, user) -> int | None:
        # The store is another app's row keyed by the user id; asked through the reverse accessor.
        return user.pk if hasattr(user, "store_profile") else None


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "scope", "created_at", "last_used_at", "expires_at"]
        read_only_fields = fields


class ApiTokenCreateSerializer(StrictJSONTypes, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    expires_in_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_API_TOKEN_DAYS, default=None
    )
    scope = serializers.ChoiceField(choices=TokenScope.choices, default=TokenScope.FULL)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(help_text="The token itself. Shown only in this response; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields
