"""Public market-data API: anyone may read card data and prices, as on the price sites traders use."""

from datetime import UTC, datetime, time

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..enums import Rarity
from .serializers import (
    CardSearchParams,
    CardSerializer,
    MoversParams,
    MoversSerializer,
    PriceHistoryParams,
    PriceSnapshotSerializer,
)

SEARCH_PAGE_SIZE = 50


class PublicAPIView(APIView):
    permission_classes = [AllowAny]


def _parse_moment(value: str | None, *, end_of_day: bool = False):
    """`from`/`to` accept a date (whole day) or an ISO datetime."""
    if not value:
        return None
    if len(value) == 10:
        day = datetime.fromisoformat(value).date()
        return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
    return value


class CardListView(PublicAPIView):
    @extend_schema(
        summary="Search cards",
        operation_id="cards_search",
        parameters=[
            OpenApiParameter("q", str, description="name; typo tolerant on PostgreSQL"),
            OpenApiParameter("set", str, description="set code, e.g. 2xm"),
            OpenApiParameter("rarity", str, enum=Rarity.values),
            OpenApiParameter("page", int),
        ],
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
        params = CardSearchParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
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


class PriceHistoryPagination(CursorPagination):
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
            OpenApiParameter("finish", str, enum=["nonfoil", "foil", "etched"]),
            OpenApiParameter("source", str),
            OpenApiParameter("currency", str, description="default USD"),
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="ISO date or datetime, inclusive"),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description="ISO date or datetime, inclusive"),
        ],
        responses=PriceSnapshotSerializer(many=True),
    )
    def get(self, request, pk: int):
        card = selectors.card_get(pk=pk)
        raw = request.query_params
        try:
            date_from = _parse_moment(raw.get("from"))
            date_to = _parse_moment(raw.get("to"), end_of_day=True)
        except ValueError:
            raise serializers.ValidationError({"from": "use YYYY-MM-DD or an ISO datetime"}) from None
        params = PriceHistoryParams(
            data={
                "finish": raw.get("finish", ""),
                "source": raw.get("source", ""),
                "currency": raw.get("currency", "USD").upper(),
                "date_from": date_from,
                "date_to": date_to,
            }
        )
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
        parameters=[
            OpenApiParameter("window", str, enum=["24h", "7d"]),
            OpenApiParameter("min_price", OpenApiTypes.DECIMAL, description="USD; default 1.00"),
            OpenApiParameter("limit", int, description="per list, 1–100 (default 25)"),
        ],
        responses=MoversSerializer,
    )
    def get(self, request):
        params = MoversParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        min_price = data["min_price"] if "min_price" in request.query_params else selectors.MOVERS_DEFAULT_MIN_PRICE
        body = {
            "window": data["window"],
            "min_price": min_price,
            "gainers": selectors.movers_list(
                window=data["window"], direction="gainers", min_price=min_price, limit=data["limit"]
            ),
            "losers": selectors.movers_list(
                window=data["window"], direction="losers", min_price=min_price, limit=data["limit"]
            ),
        }
        return Response(MoversSerializer(body).data)
