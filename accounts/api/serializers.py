from rest_framework import serializers

from accounts.models import User


class MeSerializer(serializers.ModelSerializer):
    reputation_score = serializers.DecimalField(source="reputation.reputation_score", max_digits=8, decimal_places=2)
    reputation_tier = serializers.CharField(source="reputation.reputation_tier")

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
        ]
        read_only_fields = fields
