"""API for list imports: upload a collection export, read its rows, commit or discard it.

The same services as the import pages (lists.services.imports); only the owner sees an
import (404 otherwise, through lists.selectors.access_list_import).
"""

import json

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.pagination import DefaultCursorPagination
from core.schema import error_responses
from lists import selectors
from lists.enums import ImportFormat, ImportRowOutcome, ListKind
from lists.importers.csv_formats import MAPPABLE_FIELDS
from lists.models import ListImport
from lists.services import imports as services


class ListImportStartSerializer(serializers.Serializer):
    file = serializers.FileField()
    list = serializers.ChoiceField(choices=ListKind.values)
    whole_collection = serializers.BooleanField(default=False)
    replace_existing = serializers.BooleanField(default=False)
    format = serializers.ChoiceField(choices=ImportFormat.values, required=False, allow_blank=True)
    mapping = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=f"Generic CSV: a JSON object {{field: column header}}; fields: {', '.join(MAPPABLE_FIELDS)}.",
    )

    def validate_mapping(self, value: str) -> dict:
        if not value:
            return {}
        try:
            mapping = json.loads(value)
        except ValueError:
            raise serializers.ValidationError("Send a JSON object {field: column header}.") from None
        if not isinstance(mapping, dict) or not all(
            isinstance(key, str) and isinstance(column, str) for key, column in mapping.items()
        ):
            raise serializers.ValidationError("Send a JSON object {field: column header}.")
        unknown = set(mapping) - set(MAPPABLE_FIELDS)
        if unknown:
            raise serializers.ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
        return mapping


class ListImportCountsSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    matched = serializers.IntegerField()
    unmatched = serializers.IntegerField()
    errors = serializers.IntegerField()
    not_for_trade = serializers.IntegerField()


class ListImportSerializer(serializers.ModelSerializer):
    list = serializers.CharField(source="kind")
    counts = ListImportCountsSerializer()
    error = serializers.CharField(source="error_message")

    class Meta:
        model = ListImport
        fields = [
            "id",
            "status",
            "list",
            "format",
            "original_filename",
            "whole_collection",
            "replace_existing",
            "counts",
            "error",
            "created_at",
            "committed_at",
        ]


class ListImportRowSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=ImportRowOutcome.values)
    name = serializers.CharField(help_text="The card's name (matched) or the name in the file.")
    card_id = serializers.IntegerField(allow_null=True)
    set_code = serializers.CharField(help_text="The matched printing's set, or the set the file names.")
    collector_number = serializers.CharField()
    any_printing = serializers.BooleanField()
    finish = serializers.CharField(allow_null=True)
    condition = serializers.CharField(allow_null=True)
    language = serializers.CharField(allow_null=True)
    quantity = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(help_text="Why the row is not matched; on a matched row, a note or empty.")

    def to_representation(self, row):
        matched = row.outcome == ImportRowOutcome.MATCHED
        return {
            "row": row.row,
            "outcome": row.outcome,
            "name": row.card.name if matched else row.name,
            "card_id": row.card_id,
            "set_code": row.set_code,
            "collector_number": row.collector_number,
            "any_printing": row.any_printing,
            "finish": row.finish if matched else None,
            "condition": row.condition if matched else None,
            "language": row.language if matched else None,
            "quantity": row.quantity if matched or row.outcome == ImportRowOutcome.NOT_FOR_TRADE else None,
            "reason": row.reason,
        }


class ListImportPagination(DefaultCursorPagination):
    ordering = ("-created_at", "-pk")


class ListImportRowPagination(DefaultCursorPagination):
    ordering = "row"
    page_size = 100
    max_page_size = 1000


STARTED = inline_serializer("ListImportStarted", {"id": serializers.IntegerField(), "status": serializers.CharField()})


class ListImportViewSet(viewsets.GenericViewSet):
    serializer_class = ListImportSerializer
    pagination_class = ListImportPagination
    lookup_value_converter = "int"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ListImport.objects.none()
        return selectors.list_imports_of(owner=self.request.user)

    def get_parsers(self):
        # Called before the action is known: the collection route's body is the upload (a JSON
        # body is read too, so that it is refused as any other API refuses a bad body: 400, not 415).
        if "pk" not in getattr(self, "kwargs", {}):
            return [MultiPartParser(), *super().get_parsers()]
        return super().get_parsers()

    @extend_schema(summary="Your imports, newest first")
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ListImportSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": ListImportStartSerializer},
        responses={201: STARTED, **error_responses(400, 409, 413)},
        summary="Upload a collection export",
        description="Detects the format from the header (or `format`); `mapping` reads any other CSV. "
        "The file is checked now (400 `bad_file`, `unknown_header` with the header's columns in `errors`, "
        "413 over the size cap, 400 `too_many_rows`, 409 `too_many_imports`) and parsed in the background: "
        "poll the import until its status is `ready`.",
    )
    def create(self, request):
        payload = ListImportStartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            list_import = services.list_import_start(
                owner=request.user,
                kind=data["list"],
                uploaded_file=data["file"],
                replace_existing=data["replace_existing"],
                whole_collection=data["whole_collection"],
                file_format=data.get("format") or "",
                mapping=data.get("mapping") or None,
            )
        except services.UnknownHeaderError as error:
            body = {"detail": error.message, "code": error.code, "errors": {"columns": error.columns}}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response({"id": list_import.pk, "status": list_import.status}, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ListImportSerializer, **error_responses(404)})
    def retrieve(self, request, pk=None):
        return Response(ListImportSerializer(selectors.access_list_import(user=request.user, pk=int(pk))).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("outcome", str, enum=ImportRowOutcome.values, description="Only rows of this outcome"),
            OpenApiParameter("cursor", str, description="A next/previous link's cursor"),
            OpenApiParameter("page_size", int, description="1-1000, default 100"),
        ],
        responses={200: ListImportRowSerializer(many=True), **error_responses(400, 404)},
        summary="The import's rows in file order",
    )
    @action(detail=True, methods=["get"], pagination_class=ListImportRowPagination)
    def rows(self, request, pk=None):
        list_import = selectors.access_list_import(user=request.user, pk=int(pk))
        outcome = request.query_params.get("outcome")
        if outcome is not None and outcome not in ImportRowOutcome.values:
            raise serializers.ValidationError({"outcome": [f"One of {', '.join(ImportRowOutcome.values)}."]})
        paginator = ListImportRowPagination()
        page = paginator.paginate_queryset(
            selectors.list_import_rows(list_import=list_import, outcome=outcome), request, view=self
        )
        return paginator.get_paginated_response(ListImportRowSerializer(page, many=True).data)

    @extend_schema(
        request=inline_serializer("ListImportCommit", {"replace_existing": serializers.BooleanField(required=False)}),
        responses={202: STARTED, **error_responses(400, 404, 409)},
        summary="Write the matched rows to the list (all or nothing, in the background)",
        description="409 while the import is still parsing or once it is no longer ready; 409 `reserved` when "
        "the write would take a have below its copies promised in agreed trades; 400 when nothing matched.",
    )
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        list_import = selectors.access_list_import(user=request.user, pk=int(pk))
        body = request.data  # an empty body parses to an empty dict; JSON null, lists, numbers do not
        if not isinstance(body, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object (or no body)."]})
        replace = body.get("replace_existing", list_import.replace_existing)
        if not isinstance(replace, bool):
            raise serializers.ValidationError({"replace_existing": ["Must be true or false."]})
        list_import = services.list_import_request_commit(
            owner=request.user, list_import_id=list_import.pk, replace_existing=replace
        )
        return Response({"id": list_import.pk, "status": list_import.status}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={204: None, **error_responses(404, 409)}, summary="Discard the import")
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        list_import = selectors.access_list_import(user=request.user, pk=int(pk))
        services.list_import_discard(owner=request.user, list_import_id=list_import.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
