"""Signals API (issue 14 §8b). Views parse, check access through the selectors, call one
service, and answer; what the caller may not see is 404, what they may see but not do is 403."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorSerializer
from core.pagination import DefaultCursorPagination
from signals import selectors, services
from signals.enums import LeaderboardPeriod, SignalAction
from signals.selectors import SORT_ORDERING, SORTS, STATUS_FILTERS, TIER_FILTERS

from .errors import SignalsErrorsMixin
from .serializers import (
    CreatorFollowSerializer,
    FollowRequestSerializer,
    FollowSerializer,
    LeaderboardSerializer,
    SignalCreateSerializer,
    SignalSerializer,
    SignalUpdateSerializer,
    signal_data,
    standing_data,
)

ERROR = OpenApiResponse(ErrorSerializer)
UNAUTHENTICATED = OpenApiResponse(ErrorSerializer, description="Not logged in (no session or API token).")
NOT_VISIBLE = OpenApiResponse(ErrorSerializer, description="No such signal, or not one you may see.")


class SignalCursorPagination(DefaultCursorPagination):
    page_size = 25

    def get_ordering(self, request, queryset, view):
        return SORT_ORDERING[view.sort]


class SignalPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SignalSerializer(many=True)


LIST_PARAMETERS = [
    OpenApiParameter("action", str, enum=SignalAction.values),
    OpenApiParameter("card", int, description="card id"),
    OpenApiParameter("set", str, description="set code, e.g. dmo"),
    OpenApiParameter("creator", str, description='username, or "system"'),
    OpenApiParameter("creator_tier", str, enum=list(TIER_FILTERS)),
    OpenApiParameter("featured", bool),
    OpenApiParameter("status", str, enum=list(STATUS_FILTERS), description="hidden: your own hidden signals"),
    OpenApiParameter("q", str, description="card name contains (at most 100 characters)"),
    OpenApiParameter("sort", str, enum=list(SORTS), default="newest"),
    OpenApiParameter("cursor", str),
    OpenApiParameter("page_size", int, description="1–200, default 25"),
]


def _object_body(request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object."]})
    return request.data


def _signal_data(*, user, pk: int) -> dict:
    return signal_data(selectors.signal_row(user=user, pk=pk))


class _SignalListBase(SignalsErrorsMixin, APIView):
    scope = "all"

    def _list(self, request):
        filters = selectors.parse_filters(request.query_params)
        filters.scope = self.scope
        self.sort = filters.sort
        paginator = SignalCursorPagination()
        page = paginator.paginate_queryset(
            selectors.signal_rows(selectors.signal_list(user=request.user, filters=filters)), request, view=self
        )
        return paginator.get_paginated_response([signal_data(row) for row in page])


class SignalListView(_SignalListBase):
    @extend_schema(
        operation_id="signals_list",
        parameters=LIST_PARAMETERS,
        responses={200: SignalPageSerializer, 400: ERROR, 401: UNAUTHENTICATED},
        description="Signals you may see: public ones, followers-only ones of creators you follow, and yours.",
    )
    def get(self, request):
        return self._list(request)

    @extend_schema(
        operation_id="signals_create",
        request=SignalCreateSerializer,
        responses={
            201: SignalSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Field errors, e.g. a visibility above yours."),
            401: UNAUTHENTICATED,
            403: OpenApiResponse(ErrorSerializer, description="You may not publish signals yet; `detail` says why."),
            409: OpenApiResponse(ErrorSerializer, description="`limit_reached`: 20 active signals already."),
        },
    )
    def post(self, request):
        data = _object_body(request)
        signal = services.signal_create(
            creator=request.user,
            card_id=data.get("card"),
            finish=data.get("finish") or "nonfoil",
            action=data.get("action"),
            target_price=data.get("target_price"),
            target_date=data.get("target_date"),
            rationale=data.get("rationale"),
            visibility=data.get("visibility"),
        )
        return Response(_signal_data(user=request.user, pk=signal.pk), status=status.HTTP_201_CREATED)


class MySignalListView(_SignalListBase):
    scope = "mine"

    @extend_schema(
        operation_id="signals_mine",
        parameters=LIST_PARAMETERS,
        responses={200: SignalPageSerializer, 400: ERROR, 401: UNAUTHENTICATED},
        description="Your own signals, hidden ones included.",
    )
    def get(self, request):
        return self._list(request)


class SignalDetailView(SignalsErrorsMixin, APIView):
    @extend_schema(responses={200: SignalSerializer, 401: UNAUTHENTICATED, 404: NOT_VISIBLE})
    def get(self, request, pk: int):
        return Response(_signal_data(user=request.user, pk=pk))

    @extend_schema(
        request=SignalUpdateSerializer,
        responses={
            200: SignalSerializer,
            400: ERROR,
            401: UNAUTHENTICATED,
            403: OpenApiResponse(ErrorSerializer, description="Not your signal."),
            404: NOT_VISIBLE,
            409: OpenApiResponse(
                ErrorSerializer,
                description="`frozen`: past the 15-minute window only a wider visibility is accepted; "
                "`not_active`: already evaluated; `hidden`: hidden by staff.",
            ),
        },
    )
    def patch(self, request, pk: int):
        changes = dict(_object_body(request).items())
        services.signal_update(signal_id=pk, actor=request.user, changes=changes)
        return Response(_signal_data(user=request.user, pk=pk))


class SignalCloseView(SignalsErrorsMixin, APIView):
    @extend_schema(
        request=None,
        responses={
            200: SignalSerializer,
            401: UNAUTHENTICATED,
            403: OpenApiResponse(ErrorSerializer, description="Not your signal."),
            404: NOT_VISIBLE,
            409: OpenApiResponse(ErrorSerializer, description="Already evaluated."),
        },
        description="Close early: the signal is evaluated at this moment (`outcome.closed_early` true).",
    )
    def post(self, request, pk: int):
        services.signal_close(signal_id=pk, actor=request.user)
        return Response(_signal_data(user=request.user, pk=pk))


class SignalFollowView(SignalsErrorsMixin, APIView):
    @extend_schema(
        request=FollowRequestSerializer,
        responses={
            200: FollowSerializer,
            201: FollowSerializer,
            400: ERROR,
            401: UNAUTHENTICATED,
            403: OpenApiResponse(ErrorSerializer, description="Your own signal."),
            404: NOT_VISIBLE,
            409: OpenApiResponse(ErrorSerializer, description="`acted_on` sent for a signal already evaluated."),
        },
    )
    def post(self, request, pk: int):
        payload = FollowRequestSerializer(data=_object_body(request))
        payload.is_valid(raise_exception=True)
        follow, created = services.signal_follow(
            signal_id=pk, user=request.user, acted_on=payload.validated_data.get("acted_on")
        )
        return Response(
            FollowSerializer(follow).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(request=None, responses={204: None, 401: UNAUTHENTICATED, 404: NOT_VISIBLE})
    def delete(self, request, pk: int):
        services.signal_unfollow(signal_id=pk, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LeaderboardView(SignalsErrorsMixin, APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("period", str, enum=LeaderboardPeriod.values, default="30d")],
        responses={200: LeaderboardSerializer, 400: ERROR},
        description="Top 100 creators by the Wilson lower bound of their hit rate (public signals, ≥5 evaluated "
        "in the period). Precomputed; `computed_at` says when. "
        "The system's record is `username: null, is_system: true`.",
    )
    def get(self, request):
        period = request.query_params.get("period", LeaderboardPeriod.DAYS_30)
        computed_at, rows = selectors.leaderboard(period=period)
        return Response(
            {
                "period": period,
                "computed_at": computed_at,
                "results": [standing_data(row) for row in rows],
            }
        )


class CreatorFollowView(SignalsErrorsMixin, APIView):
    @extend_schema(
        request=None,
        responses={
            200: CreatorFollowSerializer,
            201: CreatorFollowSerializer,
            401: UNAUTHENTICATED,
            403: OpenApiResponse(ErrorSerializer, description="Yourself."),
            404: OpenApiResponse(ErrorSerializer, description="No such trader."),
        },
    )
    def post(self, request, username: str):
        follow, created = services.creator_follow(follower=request.user, username=username)
        return Response(
            CreatorFollowSerializer(follow).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        request=None,
        responses={
            204: None,
            401: UNAUTHENTICATED,
            404: OpenApiResponse(ErrorSerializer, description="No such trader."),
        },
    )
    def delete(self, request, username: str):
        services.creator_unfollow(follower=request.user, username=username)
        return Response(status=status.HTTP_204_NO_CONTENT)
