"""Smart buylist, quotes and local matches (issue 16's exact shapes)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import validated_query
from core.pagination import DefaultCursorPagination
from core.schema import error_responses
from stores.matches import buylist_for, my_store_matches, quote_for, store_matches
from stores.selectors import access_matching_store, access_store
from stores.services.threads import match_message, quote_send

from .buylist_serializers import (
    BuylistPageSerializer,
    BuylistParamsSerializer,
    BuylistRowSerializer,
    QuoteSendSerializer,
    QuoteSerializer,
    StoreForMePageSerializer,
    StoreForMeSerializer,
    StoreMatchPageSerializer,
    StoreMatchSerializer,
    StoreMessageSerializer,
    ThreadCreatedSerializer,
)


class BuylistPage(DefaultCursorPagination):
    ordering = ("card_name", "pk")


class BuylistView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="stores_buylist_list",
        parameters=[
            BuylistParamsSerializer,
            OpenApiParameter("cursor", str, description="A next/previous link's cursor"),
            OpenApiParameter("page_size", int, description="1-200, default 50"),
        ],
        responses={200: BuylistPageSerializer, **error_responses(400, 404)},
        description="What the store pays per card, condition and finish, with the factors behind each price.",
    )
    def get(self, request, pk: int):
        store = access_store(user=request.user, pk=pk)
        params = validated_query(BuylistParamsSerializer, request)
        paginator = BuylistPage()
        page = paginator.paginate_queryset(buylist_for(store=store, card_id=params.get("card")), request, view=self)
        return paginator.get_paginated_response(BuylistRowSerializer(page, many=True).data)


class QuoteView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="stores_quote_retrieve",
        responses={200: QuoteSerializer, **error_responses(401, 404)},
        description="Your haves (available quantities) priced by this store's buylist, cash and credit, line by line.",
    )
    def get(self, request, pk: int):
        store = access_store(user=request.user, pk=pk)
        return Response(quote_for(store=store, user=request.user).as_dict())


class QuoteSendView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="stores_quote_send",
        request=QuoteSendSerializer,
        responses={
            201: ThreadCreatedSerializer,
            **error_responses(
                400,
                401,
                404,
                403,
                409,
                _403="Your own store, or it runs no buylist.",
                _409="The store buys none of your haves.",
            ),
        },
        description="Send your quote to the store: it opens (or continues) your conversation with the store.",
    )
    def post(self, request, pk: int):
        store = access_store(user=request.user, pk=pk)
        payload = QuoteSendSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        thread = quote_send(store=store, trader=request.user, body=payload.validated_data.get("body", ""))
        return Response({"thread": thread.pk}, status=status.HTTP_201_CREATED)


class MatchListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="stores_matches_list",
        responses={200: StoreMatchPageSerializer, **error_responses(401, 404, _404="Not your store.")},
        description="Traders who opted in, within your radius, whose wants you stock or whose haves you buy; "
        "highest value first, at most 200.",
    )
    def get(self, request, pk: int):
        store = access_matching_store(user=request.user, pk=pk)
        rows = StoreMatchSerializer(store_matches(store=store), many=True).data
        return Response({"next": None, "previous": None, "results": rows})


class MatchMessageView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="stores_matches_message",
        request=StoreMessageSerializer,
        responses={
            201: ThreadCreatedSerializer,
            **error_responses(
                400,
                401,
                404,
                429,
                _404="Not your store, or not one of its matches.",
                _429="Too many messages to matches this hour.",
            ),
        },
        description="Message a match: opens (or continues) the conversation between your store and the trader.",
    )
    def post(self, request, pk: int, username: str):
        store = access_matching_store(user=request.user, pk=pk)
        payload = StoreMessageSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        thread = match_message(store=store, username=username, body=payload.validated_data["body"])
        return Response({"thread": thread.pk}, status=status.HTTP_201_CREATED)


class MyStoreMatchesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_store_matches_list",
        responses={200: StoreForMePageSerializer, **error_responses(401)},
        description="Verified stores whose radius covers you that stock your wants or buy your haves.",
    )
    def get(self, request):
        found = my_store_matches(user=request.user)
        for entry in found:
            entry.quote_dict = entry.quote.as_dict()
        rows = StoreForMeSerializer(found, many=True).data
        return Response({"next": None, "previous": None, "results": rows})
