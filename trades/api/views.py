"""API for proposals, trades and thread messages. Other people's objects are 404 (access_* selectors)."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import validated_query
from core.schema import error_responses
from trades import selectors, services
from trades.enums import TradeStatus
from trades.models import Message, Trade, TradeProposal
from trades.selectors.matches import matches_for

from .serializers import (
    DeclineSerializer,
    MatchSerializer,
    MessageSerializer,
    ProposalCreateSerializer,
    ProposalSerializer,
    ProposalTermsSerializer,
    ReviewCreateSerializer,
    TradeCancelSerializer,
    TradeReviewSerializer,
    TradeSerializer,
)


class ProposalListParams(serializers.Serializer):
    box = serializers.ChoiceField(choices=["all", "incoming", "outgoing", "action"], required=False, default="all")
    status = serializers.ChoiceField(choices=["all", "open", "closed"], required=False, default="all")


class TradeListParams(serializers.Serializer):
    status = serializers.ChoiceField(choices=["all", *TradeStatus.values], required=False, default="all")


class MatchesParams(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=50, required=False, default=20)


# Answers the services give besides the implied ones (core.schema): refused actions and state conflicts.
ACTION_ERRORS = error_responses(403, 409)


@extend_schema_view(list=extend_schema(parameters=[ProposalListParams]))
class ProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ProposalSerializer
    lookup_value_converter = "int"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return TradeProposal.objects.none()
        params = validated_query(ProposalListParams, self.request)
        return selectors.proposal_list(user=self.request.user, box=params["box"], status=params["status"])

    def get_object(self):
        return selectors.access_proposal(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        proposal = self.get_object()
        if proposal.recipient_id == request.user.pk:
            services.proposal_mark_viewed(proposal_id=proposal.pk, actor=request.user)
            proposal = self.get_object()
        return Response(ProposalSerializer(proposal).data)

    def _detail(self, pk) -> Response:
        return Response(ProposalSerializer(selectors.access_proposal(user=self.request.user, pk=pk)).data)

    @extend_schema(request=ProposalCreateSerializer, responses={201: ProposalSerializer})
    def create(self, request):
        payload = ProposalCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        recipient = get_user_model().objects.filter(username=payload.validated_data["recipient"]).first()
        if recipient is None:
            raise serializers.ValidationError({"recipient": ["No trader with that username."]})
        proposal = services.proposal_create(proposer=request.user, recipient=recipient, **payload.terms())
        return Response(self._detail(proposal.pk).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: TradeSerializer, **ACTION_ERRORS},
        description="Accepting promises every copy the proposal moves. 409 `not_available` when a card is no "
        "longer available in that quantity (promised in another agreed trade, or removed); 409 "
        "`invalid_transition` when the proposal is no longer open.",
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        self.get_object()
        trade = services.proposal_accept(proposal_id=int(pk), actor=request.user)
        return Response(TradeSerializer(selectors.access_trade(user=request.user, pk=trade.pk)).data)

    @extend_schema(request=DeclineSerializer, responses={200: ProposalSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        self.get_object()
        payload = DeclineSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.proposal_decline(proposal_id=int(pk), actor=request.user, reason=payload.validated_data["reason"])
        return self._detail(pk)

    @extend_schema(request=None, responses={200: ProposalSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        self.get_object()
        services.proposal_cancel(proposal_id=int(pk), actor=request.user)
        return self._detail(pk)

    @extend_schema(request=ProposalTermsSerializer, responses={201: ProposalSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def counter(self, request, pk=None):
        self.get_object()
        payload = ProposalTermsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        counter = services.proposal_counter(proposal_id=int(pk), actor=request.user, **payload.terms())
        return Response(self._detail(counter.pk).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(parameters=[TradeListParams]))
class TradeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TradeSerializer
    lookup_value_converter = "int"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Trade.objects.none()
        return selectors.trade_list(
            user=self.request.user, status=validated_query(TradeListParams, self.request)["status"]
        )

    def get_object(self):
        return selectors.access_trade(user=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, pk) -> Response:
        return Response(TradeSerializer(selectors.access_trade(user=self.request.user, pk=pk)).data)

    @extend_schema(request=None, responses={200: TradeSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        self.get_object()
        services.trade_confirm(trade_id=int(pk), actor=request.user)
        return self._detail(pk)

    @extend_schema(request=TradeCancelSerializer, responses={200: TradeSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        self.get_object()
        payload = TradeCancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.trade_request_cancel(trade_id=int(pk), actor=request.user, reason=payload.validated_data["reason"])
        return self._detail(pk)

    @extend_schema(request=ReviewCreateSerializer, responses={201: TradeReviewSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        self.get_object()
        payload = ReviewCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        review = services.review_create(trade_id=int(pk), reviewer=request.user, **payload.validated_data)
        return Response(TradeReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class ThreadMessagesView(generics.ListCreateAPIView):
    """GET the conversation's messages (newest first, cursor pages); POST {"body"} to write one."""

    serializer_class = MessageSerializer

    def get_thread(self):
        return selectors.access_thread(user=self.request.user, pk=self.kwargs["pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return self.get_thread().messages.select_related("sender")

    @extend_schema(responses={201: MessageSerializer, **error_responses(403)})
    def create(self, request, *args, **kwargs):
        thread = self.get_thread()
        payload = MessageSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        message = services.message_send(thread=thread, sender=request.user, body=payload.validated_data["body"])
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class MatchesView(APIView):
    @extend_schema(
        parameters=[MatchesParams],
        responses=inline_serializer(
            "MatchList", {"has_location": serializers.BooleanField(), "results": MatchSerializer(many=True)}
        ),
        summary="Traders near me: mutual matches, best first",
    )
    def get(self, request):
        matches = matches_for(user=request.user, limit=validated_query(MatchesParams, request)["limit"])
        return Response(
            {"has_location": request.user.has_location, "results": MatchSerializer(matches, many=True).data}
        )
