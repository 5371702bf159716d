from rest_framework import serializers

from escrow.enums import PayoutAccountStatus
from escrow.models import EscrowEvent, EscrowTransaction


class PayoutAccountSerializer(serializers.Serializer):
    account_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=PayoutAccountStatus.values)
    onboarding_url = serializers.URLField(allow_null=True)


class EscrowEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = EscrowEvent
        fields = ["kind", "from_status", "to_status", "note", "actor", "created_at"]


class EscrowSerializer(serializers.ModelSerializer):
    trade = serializers.IntegerField(source="trade_id", read_only=True)
    payer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    payee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    fee = serializers.DecimalField(source="fee_amount", max_digits=12, decimal_places=2, read_only=True)
    total = serializers.DecimalField(source="total_charged", max_digits=12, decimal_places=2, read_only=True)
    checkout_url = serializers.SerializerMethodField(help_text="The payer's Stripe Checkout page; null for others.")
    payment_failure_reason = serializers.CharField(read_only=True)
    events = EscrowEventSerializer(many=True, read_only=True)

    class Meta:
        model = EscrowTransaction
        fields = [
            "id",
            "trade",
            "status",
            "amount",
            "fee",
            "total",
            "currency",
            "payer",
            "payee",
            "expires_at",
            "checkout_url",
            "payment_failure_reason",
            "paid_at",
            "created_at",
            "events",
        ]

    def get_checkout_url(self, escrow) -> str | None:
        viewer = self.context.get("viewer")
        if viewer is None or viewer.pk != escrow.payer_id or escrow.status != "pending_payment":
            return None
        return escrow.checkout_url or None
