"""Stores API (issue 15's exact shapes). Access: stores_access selectors; writes: services."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import DomainError
from core.pagination import DefaultCursorPagination
from stores.enums import SyncSource
from stores.geo import parse_near
from stores.selectors import (
    FinderFilters,
    access_owned_store,
    access_store,
    access_sync_run,
    inventory_public_list,
    parse_radius,
    stores_near,
    sync_runs_list,
)
from stores.services.inventory import inventory_patch, inventory_upsert
from stores.services.profiles import store_register, store_update
from stores.services.syncs import SyncAlreadyRunning, sync_run_start

from .serializers import (
    ErrorSerializer,
    FoundStoreSerializer,
    InventoryItemSerializer,
    InventoryWriteResultSerializer,
    PatchSerializer,
    StoreSerializer,
    StoreWriteSerializer,
    SyncConflictSerializer,
    SyncRunSerializer,
    SyncRunSummarySerializer,
    SyncStartedSerializer,
    SyncStartSerializer,
    UpsertSerializer,
)

STORE_INVENTORY_SCOPES = frozenset({"full", "store:inventory"})
BOOLEAN_VALUES = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

ERR = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input"),
    401: OpenApiResponse(ErrorSerializer, description="Not signed in"),
    403: OpenApiResponse(ErrorSerializer, description="Token scope does not allow this"),
    404: OpenApiResponse(ErrorSerializer, description="No such store, or not yours"),
}


def invalid(errors: dict) -> Response:
    return Response(
        {"detail": "Invalid input.", "code": "invalid", "errors": errors}, status=status.HTTP_400_BAD_REQUEST
    )


def _flag(request, name: str) -> bool:
    value = request.query_params.get(name)
    if value in (None, ""):
        return False
    if value.lower() not in BOOLEAN_VALUES:
        raise DomainError(f"{name} is true or false.", field=name)
    return BOOLEAN_VALUES[value.lower()]


def _card_id(request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    if not value.isdigit():
        raise DomainError(f"{name} is a card id (digits).", field=name)
    return int(value)


class CursorPage(DefaultCursorPagination):
    ordering = ("card__name", "pk")


class StoreListView(APIView):
    """Find verified stores near a place; register your store."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(
        parameters=[
            OpenApiParameter("near", str, required=True, description="US ZIP code (e.g. 98101) or lat,lng"),
            OpenApiParameter("radius_km", int, description="1–500, default 40"),
            OpenApiParameter("buylist", bool),
            OpenApiParameter("trades", bool),
            OpenApiParameter("events", bool),
            OpenApiParameter("open_now", bool, description="Open now in each store's own time zone"),
            OpenApiParameter("stocks", int, description="Card id the store has in stock"),
            OpenApiParameter("buys", int, description="Card id the store buys (runs a buylist, holds < 8 copies)"),
        ],
        responses={200: FoundStoreSerializer(many=True), 400: ERR[400]},
        description="Verified stores within radius_km, nearest first, at most 100 (one page).",
    )
    def get(self, request):
        lat, lng = parse_near(request.query_params.get("near", ""))
        filters = FinderFilters(
            buylist=_flag(request, "buylist"),
            trades=_flag(request, "trades"),
            events=_flag(request, "events"),
            open_now=_flag(request, "open_now"),
            stocks=_card_id(request, "stocks"),
            buys=_card_id(request, "buys"),
        )
        radius = parse_radius(request.query_params.get("radius_km"))
        found = stores_near(lat=lat, lng=lng, radius_km=radius, filters=filters)
        results = []
        for entry in found:
            entry.store.distance_km = entry.distance_km
            results.append(entry.store)
        data = FoundStoreSerializer(results, many=True, context={"request": request}).data
        return Response({"next": None, "previous": None, "results": data})

    @extend_schema(
        request=StoreWriteSerializer,
        responses={201: StoreSerializer, 400: ERR[400], 401: ERR[401], 409: OpenApiResponse(ErrorSerializer)},
        description="Convert your account to a business account with a store pending staff review.",
    )
    def post(self, request):
        payload = StoreWriteSerializer(data=request.data)
        if not payload.is_valid():
            return invalid(payload.errors)
        store = store_register(user=request.user, data=payload.validated_data)
        return Response(StoreSerializer(store, context={"request": request}).data, status=status.HTTP_201_CREATED)


class StoreDetailView(APIView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(responses={200: StoreSerializer, 404: ERR[404]})
    def get(self, request, pk: int):
        store = access_store(user=request.user, pk=pk, queryset=_stores())
        return Response(StoreSerializer(store, context={"request": request}).data)

    @extend_schema(
        request=StoreWriteSerializer(partial=True),
        responses={200: StoreSerializer, 400: ERR[400], 401: ERR[401], 404: ERR[404], 409: ERR[400]},
        description="Edit your store. Saving a rejected store resubmits it for review.",
    )
    def patch(self, request, pk: int):
        store = access_owned_store(user=request.user, pk=pk)
        payload = StoreWriteSerializer(data=request.data, partial=True)
        if not payload.is_valid():
            return invalid(payload.errors)
        store = store_update(store=store, acting_user=request.user, data=payload.validated_data)
        return Response(StoreSerializer(_stores().get(pk=store.pk), context={"request": request}).data)


def _stores():
    from stores.models import LGSProfile

    return LGSProfile.objects.select_related("user")


class InventoryView(APIView):
    """A store's inventory: public read (in stock only); owner writes (`store:inventory` tokens too)."""

    token_scopes = STORE_INVENTORY_SCOPES

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(
        parameters=[
            OpenApiParameter("card", int, description="Only this card id"),
            OpenApiParameter("q", str, description="Card name contains"),
            OpenApiParameter("cursor", str),
            OpenApiParameter("page_size", int, description="1–200, default 50"),
        ],
        responses={200: InventoryItemSerializer(many=True), 400: ERR[400], 404: ERR[404]},
    )
    def get(self, request, pk: int):
        store = access_store(user=request.user, pk=pk)
        items = inventory_public_list(
            store=store, card_id=_card_id(request, "card"), q=request.query_params.get("q", "")
        )
        paginator = CursorPage()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(InventoryItemSerializer(page, many=True).data)

    @extend_schema(
        request=UpsertSerializer,
        responses={200: InventoryWriteResultSerializer, 400: ERR[400], 401: ERR[401], 403: ERR[403], 404: ERR[404]},
        description="Upsert up to 10,000 items (quantity and price). Unmatched items come back in `errors`; "
        "the rest are applied. Items are never removed here: a full replace is a sync with mode=full.",
    )
    def put(self, request, pk: int):
        store = access_owned_store(user=request.user, pk=pk)
        payload = UpsertSerializer(data=request.data)
        if not payload.is_valid():
            return invalid(payload.errors)
        result = inventory_upsert(store=store, acting_user=request.user, items=_items(payload))
        return Response(result.as_dict())

    @extend_schema(
        request=PatchSerializer,
        responses={200: InventoryWriteResultSerializer, 400: ERR[400], 401: ERR[401], 403: ERR[403], 404: ERR[404]},
        description="Per item: quantity (absolute) or quantity_delta (e.g. -1 for a sale), and/or price.",
    )
    def patch(self, request, pk: int):
        store = access_owned_store(user=request.user, pk=pk)
        payload = PatchSerializer(data=request.data)
        if not payload.is_valid():
            return invalid(payload.errors)
        result = inventory_patch(store=store, acting_user=request.user, items=_items(payload))
        return Response(result.as_dict())


def _items(payload) -> list[dict]:
    items = []
    for item in payload.validated_data["items"]:
        item = dict(item)
        if "scryfall_id" in item:
            item["scryfall_id"] = str(item["scryfall_id"])
        items.append(item)
    return items


class SyncListView(APIView):
    token_scopes = STORE_INVENTORY_SCOPES
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("page_size", int, description="1–200")],
        responses={200: SyncRunSummarySerializer(many=True), 401: ERR[401], 403: ERR[403], 404: ERR[404]},
        description="Sync runs, newest first.",
    )
    def get(self, request, pk: int):
        store = access_owned_store(user=request.user, pk=pk)
        paginator = DefaultCursorPagination()
        page = paginator.paginate_queryset(sync_runs_list(store=store), request, view=self)
        return paginator.get_paginated_response(SyncRunSummarySerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": SyncStartSerializer},
        responses={
            202: SyncStartedSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Bad input; provider csv without a saved mapping"),
            401: ERR[401],
            403: ERR[403],
            404: ERR[404],
            409: OpenApiResponse(SyncConflictSerializer, description="A sync of this store is running"),
        },
        description="Upload a feed file (TCGplayer, Crystal Commerce or mapped CSV). Runs in the background.",
    )
    def post(self, request, pk: int):
        store = access_owned_store(user=request.user, pk=pk)
        payload = SyncStartSerializer(data=request.data)
        if not payload.is_valid():
            return invalid(payload.errors)
        try:
            run = sync_run_start(
                store=store,
                acting_user=request.user,
                provider=payload.validated_data["provider"],
                mode=payload.validated_data["mode"],
                source=SyncSource.API,
                uploaded_file=payload.validated_data["file"],
            )
        except SyncAlreadyRunning as conflict:
            return Response(
                {"detail": conflict.message, "code": conflict.code, "running_run_id": conflict.run_id},
                status=status.HTTP_409_CONFLICT,
            )
        return Response({"id": run.pk}, status=status.HTTP_202_ACCEPTED)


class SyncDetailView(APIView):
    token_scopes = STORE_INVENTORY_SCOPES

    @extend_schema(responses={200: SyncRunSerializer, 401: ERR[401], 403: ERR[403], 404: ERR[404]})
    def get(self, request, pk: int, run_id: int):
        run = access_sync_run(user=request.user, store_id=pk, run_id=run_id)
        return Response(SyncRunSerializer(run).data)
