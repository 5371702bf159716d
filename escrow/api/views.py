"""Escrow API. Other people's escrows and trades are 404 (access_* selectors)."""

import contextlib

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from escrow import selectors, services
from escrow.enums import EscrowStatus
from escrow.models import EscrowTransaction
from escrow.stripe_api import PaymentProviderUnavailable
from trades.selectors.trades import access_trade

from .serializers import EscrowSerializer, PayoutAccountSerializer

ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description='{"detail", "code"}')


def _payout_body(*, user, onboarding_url=None) -> dict:
    account = selectors.payout_account_for(user=user)
    return {
        "account_id": account.stripe_account_id if account else None,
        "status": account.account_status if account else "none",
        "onboarding_url": onboarding_url,
    }


class PayoutAccountView(APIView):
    @extend_schema(responses={200: PayoutAccountSerializer, 401: ERROR, 403: ERROR})
    def get(self, request):
        """Your payout account's status (`none` until you start onboarding)."""
        return Response(_payout_body(user=request.user))

    @extend_schema(
        request=None,
        responses={
            200: PayoutAccountSerializer,
            401: ERROR,
            403: ERROR,
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="Already enabled."),
            503: OpenApiResponse(OpenApiTypes.OBJECT, description="Stripe is not answering; try again."),
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
            400: OpenApiResponse(
                OpenApiTypes.OBJECT, description="No cash part, or the payee has no enabled payout account."
            ),
            401: ERROR,
            403: ERROR,
            404: ERROR,
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="A live escrow exists, or the trade is not active."),
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


@extend_schema(
    parameters=[OpenApiParameter("status", str, enum=EscrowStatus.values, description="Only escrows in this status.")]
)
class EscrowViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EscrowSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EscrowTransaction.objects.none()
        value = self.request.query_params.get("status")
        if value is not None and value not in EscrowStatus.values:
            raise ValidationError({"status": [f"Must be one of: {', '.join(EscrowStatus.values)}."]})
        return selectors.escrow_list(user=self.request.user, status=value)

    def get_object(self):
        return selectors.access_escrow(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "viewer": self.request.user}

    @extend_schema(responses={200: EscrowSerializer(many=True), 400: ERROR, 401: ERROR, 403: ERROR})
    def list(self, request, *args, **kwargs):
        """Escrows you pay or receive, newest first (cursor-paged)."""
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[], responses={200: EscrowSerializer, 401: ERROR, 403: ERROR, 404: ERROR})
    def retrieve(self, request, *args, **kwargs):
        """One escrow, with its audit events (parties and staff; 404 for anyone else)."""
        return super().retrieve(request, *args, **kwargs)
