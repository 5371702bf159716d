from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import StrictJSONTypes
from escrow.enums import PayoutAccountStatus
from escrow.models import Dispute, DisputeEvidence, DisputeMessage, EscrowEvent, EscrowTransaction
from escrow.services import DISPUTE_TEXT_MAX


class PayoutAccountSerializer(serializers.Serializer):
    account_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=PayoutAccountStatus.values)
    onboarding_url = serializers.URLField(allow_null=True)


class EscrowEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = EscrowEvent
        fields = ["kind", "from_status", "to_status", "note", "actor", "created_at"]


class ShipmentStateSerializer(serializers.Serializer):
    """One direction of cards: who ships, their tracking, and whether the recipient confirmed."""

    sender = serializers.CharField(help_text="Username of the party shipping.")
    recipient = serializers.CharField(help_text="Username of the party receiving.")
    carrier = serializers.CharField(allow_blank=True)
    tracking_number = serializers.CharField(allow_blank=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    inspection_ends_at = serializers.DateTimeField(
        allow_null=True, help_text="Unconfirmed by then, the recipient is deemed to have received."
    )


class ShipmentSerializer(StrictJSONTypes, serializers.Serializer):
    carrier = serializers.CharField(max_length=50, help_text="e.g. USPS, UPS, DHL, Royal Mail.")
    tracking_number = serializers.CharField(max_length=255)


class EscrowCancelSerializer(StrictJSONTypes, serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CancelRequestedSerializer(serializers.Serializer):
    cancel_requested_by = serializers.CharField(help_text="Username of the party who asked to cancel.")


class EscrowSerializer(serializers.ModelSerializer):
    trade = serializers.IntegerField(source="trade_id", read_only=True)
    payer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    payee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    fee = serializers.DecimalField(source="fee_amount", max_digits=12, decimal_places=2, read_only=True)
    total = serializers.DecimalField(source="total_charged", max_digits=12, decimal_places=2, read_only=True)
    checkout_url = serializers.SerializerMethodField(help_text="The payer's Stripe Checkout page; null for others.")
    payment_failure_reason = serializers.CharField(read_only=True)
    events = EscrowEventSerializer(many=True, read_only=True)
    released_amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)
    refunded_amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)
    cancel_requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    shipments = serializers.SerializerMethodField(help_text="Each direction of cards the trade ships.")

    @extend_schema_field(ShipmentStateSerializer(many=True))
    def get_shipments(self, escrow) -> list[dict]:
        from escrow.selectors import shipment_states

        return ShipmentStateSerializer(shipment_states(escrow=escrow), many=True).data

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
            "released_amount",
            "refunded_amount",
            "released_at",
            "cancel_requested_by",
            "shipments",
            "created_at",
            "events",
        ]
        read_only_fields = fields

    def get_checkout_url(self, escrow) -> str | None:
        viewer = self.context.get("viewer")
        if viewer is None or viewer.pk != escrow.payer_id or escrow.status != "pending_payment":
            return None
        return escrow.checkout_url or None


# --- disputes ---------------------------------------------------------------------------------
class DisputeOpenSerializer(serializers.Serializer):
    """multipart/form-data: the reason and up to DISPUTE_EVIDENCE_MAX_FILES images (checked by content)."""

    reason = serializers.CharField(max_length=DISPUTE_TEXT_MAX, help_text="What went wrong.")
    evidence = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=settings.DISPUTE_EVIDENCE_MAX_FILES,
        help_text="JPEG, PNG or WebP images (checked by their content), each at most DISPUTE_EVIDENCE_MAX_BYTES.",
    )


class DisputeEvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The image, for the two traders and staff (signed-in session).")

    class Meta:
        model = DisputeEvidence
        fields = ["id", "content_type", "width", "height", "size_bytes", "url", "created_at"]

    def get_url(self, evidence) -> str:
        return reverse("escrow:dispute_evidence", args=[evidence.pk])


class DisputeSerializer(serializers.ModelSerializer):
    escrow = serializers.IntegerField(source="escrow_id", read_only=True)
    escrow_status = serializers.CharField(source="escrow.status", read_only=True)
    opened_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    at_fault = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    evidence = DisputeEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "escrow",
            "escrow_status",
            "status",
            "reason",
            "opened_by",
            "evidence",
            "outcome",
            "resolution",
            "at_fault",
            "resolved_at",
            "created_at",
        ]


class DisputeMessageInSerializer(StrictJSONTypes, serializers.Serializer):
    body = serializers.CharField(max_length=DISPUTE_TEXT_MAX)


class DisputeMessageSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    from_staff = serializers.SerializerMethodField(help_text="Written by staff (not one of the two traders).")

    class Meta:
        model = DisputeMessage
        fields = ["id", "author", "from_staff", "body", "created_at"]

    def get_from_staff(self, message) -> bool:
        escrow = message.dispute.escrow
        return message.author.is_staff and message.author_id not in (escrow.payer_id, escrow.payee_id)


class DisputeMessagePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = DisputeMessageSerializer(many=True)
