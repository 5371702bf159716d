"""Escrow API. Other people's escrows and trades are 404 (access_* selectors)."""

import contextlib

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import validated_query
from core.pagination import DefaultCursorPagination
from core.schema import error_responses
from escrow import selectors, services
from escrow.enums import EscrowStatus
from escrow.models import EscrowTransaction
from escrow.stripe_api import PaymentProviderUnavailable
from trades.selectors.trades import access_trade

from .serializers import (
    CancelRequestedSerializer,
    DisputeMessageInSerializer,
    DisputeMessagePageSerializer,
    DisputeMessageSerializer,
    DisputeOpenSerializer,
    DisputeSerializer,
    EscrowCancelSerializer,
    EscrowSerializer,
    PayoutAccountSerializer,
    ShipmentSerializer,
)


class EscrowListParams(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=EscrowStatus.values, required=False, help_text="Only escrows in this status."
    )


def _payout_body(*, user, onboarding_url=None) -> dict:
    account = selectors.payout_account_for(user=user)
    return {
        "account_id": account.stripe_account_id if account else None,
        "status": account.account_status if account else "none",
        "onboarding_url": onboarding_url,
    }


class PayoutAccountView(APIView):
    @extend_schema(responses={200: PayoutAccountSerializer})
    def get(self, request):
        """Your payout account's status (`none` until you start onboarding)."""
        return Response(_payout_body(user=request.user))

    @extend_schema(
        request=None,
        responses={
            200: PayoutAccountSerializer,
            **error_responses(409, 503, _409="Already enabled.", _503="Stripe is not answering; try again."),
        },
    )
    def post(self, request):
        """Create your Stripe Express account if needed and get a fresh onboarding link (single use)."""
        url = services.payout_account_connect(user=request.user)
        return Response(_payout_body(user=request.user, onboarding_url=url))


class TradeEscrowView(APIView):
    @extend_schema(
        request=None,
        responses={
            201: EscrowSerializer,
            **error_responses(
                400,
                409,
                _400="No cash part, or the payee has no enabled payout account.",
                _409="A live escrow exists, or the trade is not active.",
            ),
        },
    )
    def post(self, request, pk: int):
        """Open escrow on an agreed trade with cash (either party). The payer's answer carries checkout_url."""
        trade = access_trade(user=request.user, pk=pk)
        escrow = services.escrow_create(trade_id=trade.pk, actor=request.user)
        if escrow.payer_id == request.user.pk:
            # If Stripe is down the escrow still exists: checkout_url is null and the page's Pay retries.
            with contextlib.suppress(PaymentProviderUnavailable):
                services.escrow_checkout_start(escrow_id=escrow.pk, actor=request.user)
        escrow = selectors.access_escrow(user=request.user, pk=escrow.pk)
        return Response(EscrowSerializer(escrow, context={"viewer": request.user}).data, status=status.HTTP_201_CREATED)


class EscrowViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EscrowSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EscrowTransaction.objects.none()
        params = validated_query(EscrowListParams, self.request)
        return selectors.escrow_list(user=self.request.user, status=params.get("status"))

    def get_object(self):
        return selectors.access_escrow(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "viewer": self.request.user}

    @extend_schema(parameters=[EscrowListParams], responses={200: EscrowSerializer(many=True)})
    def list(self, request, *args, **kwargs):
        """Escrows you pay or receive, newest first (cursor-paged)."""
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: EscrowSerializer})
    def retrieve(self, request, *args, **kwargs):
        """One escrow, with its audit events (parties and staff; 404 for anyone else)."""
        return super().retrieve(request, *args, **kwargs)

    def _answer(self, request, escrow_id: int, code: int = status.HTTP_200_OK) -> Response:
        escrow = selectors.access_escrow(user=request.user, pk=escrow_id)
        return Response(EscrowSerializer(escrow, context={"viewer": request.user}).data, status=code)

    @extend_schema(
        request=ShipmentSerializer,
        responses={
            200: EscrowSerializer,
            **error_responses(
                400,
                409,
                _400="Carrier or tracking number missing or malformed.",
                _409="You ship nothing in this trade, already shipped, or shipping is not open.",
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="ship")
    def ship(self, request, pk=None):
        """Enter your shipment (carrier and tracking). Only a party who ships cards can; when every
        shipping party has, the escrow is items_shipped."""
        escrow = self.get_object()
        body = ShipmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.escrow_ship(escrow_id=escrow.pk, actor=request.user, **body.validated_data)
        return self._answer(request, escrow.pk)

    @extend_schema(
        request=None,
        responses={
            200: EscrowSerializer,
            **error_responses(
                409, 503, _409="Nothing shipped to you yet, or the escrow moved on.", _503="Stripe is not answering."
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="confirm-receipt")
    def confirm_receipt(self, request, pk=None):
        """Confirm the cards you were sent arrived (the trade's confirmation while escrow is live).
        When every recipient has, the cash is released to the payee and the trade completes."""
        escrow = self.get_object()
        services.escrow_confirm_receipt(escrow_id=escrow.pk, actor=request.user)
        return self._answer(request, escrow.pk)

    @extend_schema(
        request=EscrowCancelSerializer,
        responses={
            200: EscrowSerializer,
            202: CancelRequestedSerializer,
            **error_responses(
                409, 503, _409="Cards are already shipped, or the escrow moved on.", _503="Stripe is not answering."
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="cancel")
    def cancel(self, request, pk=None):
        """Unpaid: cancelled at once (200). Paid and nothing shipped: the first party's cancel is a
        request (202 `{cancel_requested_by}`); the other party's refunds the payer in full, fee
        included, and cancels the trade (200)."""
        escrow = self.get_object()
        body = EscrowCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        escrow = services.escrow_request_cancel(
            escrow_id=escrow.pk, actor=request.user, reason=body.validated_data.get("reason", "")
        )
        if escrow.status == EscrowStatus.PAYMENT_RECEIVED and escrow.cancel_requested_by_id:
            return Response(
                {"cancel_requested_by": escrow.cancel_requested_by.username}, status=status.HTTP_202_ACCEPTED
            )
        return self._answer(request, escrow.pk)


# --- disputes ---------------------------------------------------------------------------------
class DisputeMessagePagination(DefaultCursorPagination):
    ordering = "created_at"  # a conversation reads oldest first


class EscrowDisputeView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": DisputeOpenSerializer},
        responses={
            201: DisputeSerializer,
            **error_responses(
                400,
                403,
                409,
                413,
                _400="No reason, too many files, or a file that is not a JPEG, PNG or WebP image.",
                _403="Staff cannot open a dispute; only the two traders can.",
                _409="Not paid yet, already released or refunded, or already disputed.",
                _413="An image is larger than DISPUTE_EVIDENCE_MAX_BYTES.",
            ),
        },
    )
    def post(self, request, pk: int):
        """Dispute a paid escrow before it is released (either trader): the cash stays held until staff decide."""
        escrow = selectors.access_escrow(user=request.user, pk=pk)
        payload = DisputeOpenSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.dispute_open(
            escrow_id=escrow.pk,
            actor=request.user,
            reason=payload.validated_data["reason"],
            evidence=payload.validated_data.get("evidence", []),
        )
        dispute = selectors.access_dispute(user=request.user, escrow_pk=escrow.pk)
        return Response(DisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)


class DisputeMessagesView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", str, description="A next/previous link's cursor"),
            OpenApiParameter("page_size", int, description="1-200, default 50"),
        ],
        responses={200: DisputeMessagePageSerializer},
    )
    def get(self, request, pk: int):
        """The dispute's messages, oldest first (cursor-paged); 404 when the escrow has no dispute."""
        dispute = selectors.access_dispute(user=request.user, escrow_pk=pk)
        paginator = DisputeMessagePagination()
        page = paginator.paginate_queryset(selectors.dispute_messages(dispute=dispute), request, view=self)
        return paginator.get_paginated_response(DisputeMessageSerializer(page, many=True).data)

    @extend_schema(
        request=DisputeMessageInSerializer,
        responses={201: DisputeMessageSerializer, **error_responses(409, _409="The dispute is resolved.")},
    )
    def post(self, request, pk: int):
        """Write to the dispute (the two traders and staff); the others are notified."""
        dispute = selectors.access_dispute(user=request.user, escrow_pk=pk)
        payload = DisputeMessageInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        message = services.dispute_message_add(
            escrow_id=dispute.escrow_id, actor=request.user, body=payload.validated_data["body"]
        )
        message = selectors.dispute_messages(dispute=dispute).get(pk=message.pk)
        return Response(DisputeMessageSerializer(message).data, status=status.HTTP_201_CREATED)
