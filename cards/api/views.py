"""Public market-data API: anyone may read card data and prices, as on the price sites traders use."""

from datetime import UTC, datetime, time

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import check_lengths_as_sent, validated_query
from core.money import DEFAULT_CURRENCY
from core.pagination import DefaultCursorPagination

from .. import selectors
from ..enums import Finish
from .serializers import (
    CardSearchParams,
    CardSerializer,
    MoversParams,
    MoversSerializer,
    PriceHistoryParams,
    PriceSnapshotSerializer,
)

SEARCH_PAGE_SIZE = 50
MOMENT = {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}


class PublicAPIView(APIView):
    permission_classes = [AllowAny]


def _parse_moment(value: str | None, *, end_of_day: bool = False):
    """`from`/`to` accept a date (whole day) or an ISO datetime; an empty value is invalid, not absent."""
    if value is None:
        return None
    if len(value) == 10:
        day = datetime.fromisoformat(value).date()
        return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
    return value


class CardListView(PublicAPIView):
    @extend_schema(
        summary="Search cards",
        operation_id="cards_search",
        description="Ranked by relevance, so paged by number (see docs/api.md): `page` 1–10,000.",
        parameters=[CardSearchParams],
        responses=inline_serializer(
            "CardSearchPage",
            {
                "page": serializers.IntegerField(),
                "has_next": serializers.BooleanField(),
                "results": CardSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        data = validated_query(CardSearchParams, request)
        cards = selectors.card_search_queryset(
            query=data["q"], set_code=data["set"] or None, rarity=data["rarity"] or None
        )
        page = selectors.paginate_without_count(cards, page=data["page"], per_page=SEARCH_PAGE_SIZE)
        return Response(
            {"page": page.number, "has_next": page.has_next, "results": CardSerializer(page.items, many=True).data}
        )


class CardDetailView(PublicAPIView):
    @extend_schema(summary="One card with its current prices", operation_id="cards_retrieve", responses=CardSerializer)
    def get(self, request, pk: int):
        return Response(CardSerializer(selectors.card_get(pk=pk)).data)


class PriceHistoryPagination(DefaultCursorPagination):
    page_size = 500
    max_page_size = 5000
    page_size_query_param = "page_size"
    ordering = ("captured_at", "id")


class CardPriceHistoryView(PublicAPIView):
    pagination_class = PriceHistoryPagination

    @extend_schema(
        summary="Price history of one card, oldest first",
        operation_id="cards_prices_list",
        parameters=[
            OpenApiParameter("finish", str, enum=Finish.values),
            OpenApiParameter("source", {"type": "string", "maxLength": 30}),
            OpenApiParameter("currency", {"type": "string", "minLength": 1, "maxLength": 3}, description="default USD"),
            OpenApiParameter("from", MOMENT, description="ISO date (whole day) or datetime, inclusive"),
            OpenApiParameter("to", MOMENT, description="ISO date (whole day) or datetime, inclusive"),
        ],
        responses=PriceSnapshotSerializer(many=True),
    )
    def get(self, request, pk: int):
        card = selectors.card_get(pk=pk)
        raw = request.query_params.dict()
        moments, errors = {}, {}
        for name, key, end_of_day in (("from", "date_from", False), ("to", "date_to", True)):
            try:
                moments[key] = _parse_moment(raw.get(name), end_of_day=end_of_day)
            except ValueError:
                errors[name] = ["Use YYYY-MM-DD or an ISO datetime."]
        if errors:
            raise serializers.ValidationError(errors)
        given = {key: raw[key] for key in ("finish", "source", "currency") if key in raw}
        if "currency" in given:
            given["currency"] = given["currency"].upper()
        params = PriceHistoryParams(data={**given, **moments})
        check_lengths_as_sent(params, given)
        if not params.is_valid():
            renamed = {"date_from": "from", "date_to": "to"}
            raise serializers.ValidationError({renamed.get(key, key): value for key, value in params.errors.items()})
        data = params.validated_data
        snapshots = selectors.card_price_history(
            card_id=card.pk,
            finish=data["finish"] or None,
            date_from=data["date_from"],
            date_to=data["date_to"],
            currency=data["currency"],
        )
        if data["source"]:
            snapshots = snapshots.filter(source=data["source"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(snapshots, request, view=self)
        return paginator.get_paginated_response(PriceSnapshotSerializer(page, many=True).data)


class MoversView(PublicAPIView):
    @extend_schema(
        summary="Top gainers and losers over 24 h or 7 d",
        operation_id="movers_retrieve",
        parameters=[MoversParams],
        responses=MoversSerializer,
    )
    def get(self, request):
        data = validated_query(MoversParams, request)
        min_price = data["min_price"] if "min_price" in request.query_params else selectors.MOVERS_DEFAULT_MIN_PRICE
        body = {
            "window": data["window"],
            "min_price": min_price,
            "currency": DEFAULT_CURRENCY,
            "gainers": selectors.movers_list(
                window=data["window"], direction="gainers", min_price=min_price, limit=data["limit"]
            ),
            "losers": selectors.movers_list(
                window=data["window"], direction="losers", min_price=min_price, limit=data["limit"]
            ),
        }
        return Response(MoversSerializer(body).data)
