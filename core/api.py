"""The API's one error shape: every 4xx is {"detail": str, "code": str, "errors"?: {field: [str]}}.

See docs/api.md. DRF exceptions, Django's Http404/PermissionDenied/ValidationError and the domain
errors raised by services all pass through `exception_handler`; errors outside DRF views under
/api/ (unmatched paths, oversized bodies) are answered in the same shape by core.views.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, serializers
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError

NON_FIELD = "non_field_errors"


class ErrorSerializer(serializers.Serializer):
    """Every 4xx answer of the API (the `Error` component of the schema)."""

    detail = serializers.CharField(help_text="What went wrong, for a person to read.")
    code = serializers.CharField(help_text="Stable machine-readable reason, e.g. not_found, invalid, throttled.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors only: field name (dotted for nested fields) to its messages.",
    )


def validated_query(serializer_class, request) -> dict:
    """The view's query parameters, validated by `serializer_class`, or a 400.

    Validated as plain values, not as an HTML form: DRF treats an empty `?window=` in a QueryDict
    as "not given" and silently applies the default; here it is a value that must pass (docs/api.md:
    invalid filter values are a 400).
    """
    params = serializer_class(data=request.query_params.dict())
    params.is_valid(raise_exception=True)
    return params.validated_data


def error_body(detail: str, code: str, errors: dict[str, list[str]] | None = None) -> dict:
    body = {"detail": str(detail), "code": str(code)}
    if errors:
        body["errors"] = errors
    return body


def error_json(status: int, detail: str, code: str) -> JsonResponse:
    """The error shape outside DRF views (URL resolver misses, handlers, middleware)."""
    return JsonResponse(error_body(detail, code), status=status)


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → {"field": [...], "items.0.quantity": [...]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return {prefix or NON_FIELD: [str(item) for item in detail]} if detail else {}
        flat = {}
        for index, item in enumerate(detail):
            if isinstance(item, (dict, list)):
                flat.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
            else:
                flat.setdefault(prefix or NON_FIELD, []).append(str(item))
        return flat
    return {prefix or NON_FIELD: [str(detail)]}


def _validation_body(exc: exceptions.ValidationError) -> dict:
    errors = _flatten(exc.detail)
    if not errors:
        return error_body("Invalid input.", "invalid")
    field, messages = next(iter(errors.items()))
    detail = messages[0] if field == NON_FIELD else f"{field}: {messages[0]}"
    return error_body(detail, "invalid", errors)


def _code_of(exc: exceptions.APIException) -> str:
    detail = exc.detail
    code = getattr(detail, "code", None)
    if isinstance(code, str) and code:
        return code
    return exc.default_code


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = error_body(exc.message, exc.code)
        if exc.field:
            body["field"] = exc.field  # transitional until the trades API moves to `errors` (docs/api.md)
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(get_error_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()  # the message never says which object or model was looked up
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        if isinstance(detail, (dict, list)):
            response.data = error_body(exc.default_detail, _code_of(exc), _flatten(detail) or None)
        else:
            response.data = error_body(detail, _code_of(exc))
    return response
