"""Stores API (issue 15's exact shapes). Access: stores_access selectors; writes: services."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import validated_query
from core.pagination import DefaultCursorPagination
from core.schema import error_responses
from stores.enums import SyncSource
from stores.geo import parse_near
from stores.selectors import (
    FinderFilters,
    access_owned_store,
    access_store,
    access_sync_run,
    inventory_public_list,
    stores_near,
    sync_runs_list,
)
from stores.services.inventory import inventory_patch, inventory_upsert
from stores.services.profiles import store_register, store_update
from stores.services.syncs import SyncAlreadyRunning, sync_run_start

from .serializers import (
    FinderPageSerializer,
    FinderParamsSerializer,
    FoundStoreSerializer,
    InventoryItemSerializer,
    InventoryPageSerializer,
    InventoryParamsSerializer,
    InventoryWriteResultSerializer,
    PatchSerializer,
    StoreSerializer,
    StoreWriteSerializer,
    SyncRunPageSerializer,
    SyncRunSerializer,
    SyncRunSummarySerializer,
    SyncStartedSerializer,
    SyncStartSerializer,
    UpsertSerializer,
)

STORE_INVENTORY_SCOPES = frozenset({"full", "store:inventory"})
SCOPE_403 = "Not allowed: not signed in, or a store:inventory token outside its store's inventory and syncs."


class CursorPage(DefaultCursorPagination):
    ordering = ("card_name", "pk")


class StoreListView(APIView):
    """Find verified stores near a place; register your store."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(
        operation_id="stores_find",
        parameters=[FinderParamsSerializer],
        responses={200: FinderPageSerializer, **error_responses(403, _403=SCOPE_403)},
        description="Verified stores within radius_km of `near`, nearest first, at most 100 (one page).",
    )
    def get(self, request):
        params = validated_query(FinderParamsSerializer, request)
        lat, lng = parse_near(params["near"])
        filters = FinderFilters(
            buylist=params["buylist"],
            trades=params["trades"],
            events=params["events"],
            open_now=params["open_now"],
            stocks=params.get("stocks"),
            buys=params.get("buys"),
        )
        found = stores_near(lat=lat, lng=lng, radius_km=params["radius_km"], filters=filters)
        results = []
        for entry in found:
            entry.store.distance_km = entry.distance_km
            results.append(entry.store)
        data = FoundStoreSerializer(results, many=True, context={"request": request}).data
        return Response({"next": None, "previous": None, "results": data})

    @extend_schema(
        request=StoreWriteSerializer,
        responses={201: StoreSerializer, **error_responses(409, _409="You already have a store.")},
        description="Convert your account to a business account with a store pending staff review.",
    )
    def post(self, request):
        payload = StoreWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        store = store_register(user=request.user, data=payload.validated_data)
        return Response(StoreSerializer(store, context={"request": request}).data, status=status.HTTP_201_CREATED)


class StoreDetailView(APIView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(
        operation_id="stores_retrieve", responses={200: StoreSerializer, **error_responses(403, _403=SCOPE_403)}
    )
    def get(self, request, pk: int):
        store = access_store(user=request.user, pk=pk, queryset=_stores())
        return Response(StoreSerializer(store, context={"request": request}).data)

    @extend_schema(
        request=StoreWriteSerializer(partial=True),
        responses={200: StoreSerializer, **error_responses(403, _403=SCOPE_403)},
        description="Edit your store (others' stores are 404). Saving a rejected store resubmits it for review.",
    )
    def patch(self, request, pk: int):
        store = access_owned_store(user=request.user, pk=pk)
        payload = StoreWriteSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
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
            InventoryParamsSerializer,
            OpenApiParameter("cursor", str, description="A next/previous link's cursor"),
            OpenApiParameter("page_size", int, description="1-200, default 50"),
        ],
        responses={200: InventoryPageSerializer, **error_responses(403, _403=SCOPE_403)},
        description="What the store has in stock (quantity > 0), by card name. Public for verified stores.",
    )
    def get(self, request, pk: int):
        store = access_store(user=request.user, pk=pk)
        params = validated_query(InventoryParamsSerializer, request)
        items = inventory_public_list(store=store, card_id=params.get("card"), q=params.get("q", ""))
        paginator = CursorPage()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(InventoryItemSerializer(page, many=True).data)

    @extend_schema(
        request=UpsertSerializer,
        responses={200: InventoryWriteResultSerializer, **error_responses(403, _403=SCOPE_403)},
        description="Upsert up to 10,000 items (quantity and price). Unmatched items come back in `errors`; "
        "the rest are applied. Items are never removed here: a full replace is a sync with mode=full.",
    )
    def put(self, request, pk: int):
        store = access_owned_store(user=request.user, pk=pk)
        payload = UpsertSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = inventory_upsert(store=store, acting_user=request.user, items=_items(payload))
        return Response(result.as_dict())

    @extend_schema(
        request=PatchSerializer,
        responses={200: InventoryWriteResultSerializer, **error_responses(403, _403=SCOPE_403)},
        description="Per item: quantity (absolute) or quantity_delta (e.g. -1 for a sale), and/or price.",
    )
    def patch(self, request, pk: int):
        store = access_owned_store(user=request.user, pk=pk)
        payload = PatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
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
        parameters=[
            OpenApiParameter("cursor", str, description="A next/previous link's cursor"),
            OpenApiParameter("page_size", int, description="1-200, default 50"),
        ],
        operation_id="stores_inventory_syncs_list",
        responses={200: SyncRunPageSerializer, **error_responses(403, _403=SCOPE_403)},
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
            **error_responses(
                400,
                403,
                409,
                _400="Invalid input, or provider csv without a saved column mapping (code no_mapping).",
                _403=SCOPE_403,
                _409="A sync of this store is queued or running: `running_run_id` names it.",
            ),
        },
        description="Upload a feed file (TCGplayer, Crystal Commerce or mapped CSV). Runs in the background.",
    )
    def post(self, request, pk: int):
        store = access_owned_store(user=request.user, pk=pk)
        payload = SyncStartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
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

    @extend_schema(
        operation_id="stores_inventory_sync_retrieve",
        responses={200: SyncRunSerializer, **error_responses(403, _403=SCOPE_403)},
    )
    def get(self, request, pk: int, run_id: int):
        run = access_sync_run(user=request.user, store_id=pk, run_id=run_id)
        return Response(SyncRunSerializer(run).data)
