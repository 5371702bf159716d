"""API for have and want lists (own items only; anyone else's are 404)."""

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cards.models import Card
from core.api import error_body, flatten_errors
from core.errors import DomainError
from core.pagination import DefaultCursorPagination
from core.schema import error_responses
from lists.enums import ListKind
from lists.forms import NOT_TRADABLE
from lists.selectors import access_list_item
from lists.services import items as services

from .serializers import HaveItemSerializer, WantItemSerializer

MAX_BULK_ITEMS = 5000


class ListItemPagination(DefaultCursorPagination):
    ordering = "-id"


RESERVED_NOTE = (
    "409 `reserved` when the change would take the item below the copies promised in agreed trades "
    "(`reserved`), or change the printing of reserved copies; nothing is written."
)


class ListItemViewSet(viewsets.GenericViewSet):
    kind: str = ""
    pagination_class = ListItemPagination
    lookup_value_converter = "int"

    def get_queryset(self):
        model = services.list_model(self.kind)
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return model.objects.none()
        return model.objects.filter(owner=self.request.user).select_related("card")

    def _object(self, pk):
        return access_list_item(user=self.request.user, kind=self.kind, pk=int(pk))

    def _card(self, card_id: int) -> Card:
        card = Card.objects.filter(pk=card_id).first()
        if card is None:
            raise DomainError("No such card.", field="card")
        if not card.tradable:
            raise DomainError(NOT_TRADABLE, field="card", code="not_tradable")
        return card

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self._object(pk)).data)

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        card = self._card(data.pop("card_id"))
        item = services.list_item_add(owner=request.user, kind=self.kind, card=card, **data)
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        item = self._object(pk)
        serializer = self.get_serializer(item, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = {key: value for key, value in serializer.validated_data.items() if key != "card_id"}
        if "card_id" in serializer.validated_data and serializer.validated_data["card_id"] != item.card_id:
            raise DomainError("The card of an item cannot change; remove it and add the other card.", field="card")
        item = services.list_item_update(owner=request.user, kind=self.kind, item_id=item.pk, changes=changes)
        return Response(self.get_serializer(item).data)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request, pk=None):
        item = self._object(pk)
        services.list_item_remove(owner=request.user, kind=self.kind, item_id=item.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses={
            200: inline_serializer(
                "BulkResult", {"written": serializers.IntegerField(), "replaced": serializers.BooleanField()}
            ),
            **error_responses(409),
        },
        summary="Add or update many items at once, all or nothing",
        description=f"Body: a JSON list of 1–{MAX_BULK_ITEMS} items, or {{'items': [...], 'replace': bool}}. "
        "Each printing is upserted (quantity and terms set, not added); `replace` removes the rest of "
        "the list. Any invalid item rejects the whole request, its errors keyed `items.<index>.<field>`; "
        "nothing is written. Haves: 409 `reserved` when an item (or, with `replace`, a missing item) "
        "would fall below its copies promised in agreed trades.",
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        payload, replace = request.data, False
        if isinstance(payload, dict):
            replace = payload.get("replace", False)
            if not isinstance(replace, bool):
                raise serializers.ValidationError({"replace": ["Must be true or false."]})
            payload = payload.get("items")
        if not isinstance(payload, list) or not payload:
            raise serializers.ValidationError({"items": ["Send a non-empty list of items."]})
        if len(payload) > MAX_BULK_ITEMS:
            raise serializers.ValidationError({"items": [f"At most {MAX_BULK_ITEMS} items per request."]})
        serializer = self.get_serializer(data=payload, many=True)
        serializer.is_valid()
        raw_errors = serializer.errors or []
        # DRF gives a list (one dict per item) or, in newer versions, a dict of the failing indexes.
        pairs = raw_errors.items() if isinstance(raw_errors, dict) else enumerate(raw_errors)
        errors = {int(index): error for index, error in pairs if error}
        rows = serializer.validated_data if not errors else []
        if not errors:
            cards = {card.pk: card for card in Card.objects.filter(pk__in={row["card_id"] for row in rows})}
            for index, row in enumerate(rows):
                card = cards.get(row["card_id"])
                if card is None:
                    errors[index] = {"card": ["No such card."]}
                elif not card.tradable:
                    errors[index] = {"card": [NOT_TRADABLE]}
                elif card.finishes and row["finish"] not in card.finishes:
                    errors[index] = {"finish": [f"{card.name} is not printed in {row['finish']}."]}
        if errors:
            body = error_body(
                "No items were saved: fix the items listed in errors.",
                "invalid",
                flatten_errors({"items": dict(sorted(errors.items()))}),
            )
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        fields = ["quantity", "note", *services.KIND_FIELDS[self.kind][1:]]
        with transaction.atomic():
            written = services.list_items_upsert(
                owner=request.user, kind=self.kind, items=rows, replace=replace, update_fields=fields
            )
        return Response({"written": written, "replaced": replace}, status=status.HTTP_200_OK)


def _bulk_request(item_component: str) -> dict:
    """Both accepted bodies, with the limits the view enforces (the item schema is the create one's)."""
    items = {"type": "array", "items": {"$ref": f"#/components/schemas/{item_component}"}}
    items |= {"minItems": 1, "maxItems": MAX_BULK_ITEMS}
    envelope = {
        "type": "object",
        "properties": {"items": items, "replace": {"type": "boolean", "default": False}},
        "required": ["items"],
    }
    return {"application/json": {"oneOf": [items, envelope]}}


@extend_schema_view(
    bulk=extend_schema(request=_bulk_request("HaveItemRequest")),
    update=extend_schema(responses={200: HaveItemSerializer, **error_responses(409)}, description=RESERVED_NOTE),
    partial_update=extend_schema(
        responses={200: HaveItemSerializer, **error_responses(409)}, description=RESERVED_NOTE
    ),
    destroy=extend_schema(responses={204: None, **error_responses(409)}, description=RESERVED_NOTE),
)
class HaveItemViewSet(ListItemViewSet):
    kind = ListKind.HAVE
    serializer_class = HaveItemSerializer


@extend_schema_view(bulk=extend_schema(request=_bulk_request("WantItemRequest")))
class WantItemViewSet(ListItemViewSet):
    kind = ListKind.WANT
    serializer_class = WantItemSerializer
