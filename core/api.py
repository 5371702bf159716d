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


def _json_type_problem(field, value) -> str | None:
    """Why `value` is not of the JSON type the schema documents for `field` (None when it is)."""
    if value is None or isinstance(field, (serializers.BaseSerializer, serializers.ListField, serializers.DictField)):
        return None  # null is the field's own business; nested serializers check themselves
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Must be true or false."
    if isinstance(value, bool):
        return "Must not be true or false."
    if isinstance(field, serializers.IntegerField):
        return None if isinstance(value, int) else "A whole number is required."
    if isinstance(field, serializers.FloatField):
        return None if isinstance(value, (int, float)) else "A number is required."
    if isinstance(field, serializers.ChoiceField) and not all(isinstance(key, str) for key in field.choices):
        return None  # non-string choices: the field's own validation decides
    if isinstance(field, (serializers.CharField, serializers.ChoiceField, serializers.DecimalField)):
        # Decimals are documented as strings ("12.50"): a float would already have lost cents.
        if not isinstance(value, str):
            return "A string is required."
        max_length = getattr(field, "max_length", None)
        if isinstance(field, serializers.CharField) and max_length is not None and len(value) > max_length:
            # The schema's maxLength counts what is sent; DRF would count it after trimming spaces.
            return f"Ensure this field has no more than {max_length} characters."
    return None


class StrictJSONTypes:
    """For serializers of JSON bodies: each value must have the JSON type the schema documents.

    DRF coerces (1 → "1", "yes" → True, 12.5 → Decimal) because it also reads HTML forms; the API
    reads JSON only, and the schema promises types, so a wrong type is a 400 (docs/api.md).
    """

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {}
            for name, field in self.fields.items():
                if not field.read_only and name in data:
                    problem = _json_type_problem(field, data[name])
                    if problem:
                        errors[name] = [problem]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def validated_query(serializer_class, request) -> dict:
    """The view's query parameters, validated by `serializer_class`, or a 400.

    Validated as plain values, not as an HTML form: DRF treats an empty `?window=` in a QueryDict
    as "not given" and silently applies the default; here it is a value that must pass (docs/api.md:
    invalid filter values are a 400).
    """
    raw = request.query_params.dict()
    params = serializer_class(data=raw)
    check_lengths_as_sent(params, raw)
    params.is_valid(raise_exception=True)
    return params.validated_data


def check_lengths_as_sent(params: serializers.Serializer, raw: dict) -> None:
    """A 400 for strings longer than their field's max_length as sent (the schema's maxLength);
    DRF would measure them after trimming spaces."""
    too_long = {
        name: [f"Ensure this value has no more than {field.max_length} characters."]
        for name, field in params.fields.items()
        if isinstance(field, serializers.CharField)
        and field.max_length is not None
        and isinstance(raw.get(name), str)
        and len(raw[name]) > field.max_length
    }
    if too_long:
        raise serializers.ValidationError(too_long)


def error_body(detail: str, code: str, errors: dict[str, list[str]] | None = None) -> dict:
    body = {"detail": str(detail), "code": str(code)}
    if errors:
        body["errors"] = errors
    return body


def error_json(status: int, detail: str, code: str) -> JsonResponse:
    """The error shape outside DRF views (URL resolver misses, handlers, middleware)."""
    return JsonResponse(error_body(detail, code), status=status)


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → {"field": [...], "items.0.quantity": [...]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return {prefix or NON_FIELD: [str(item) for item in detail]} if detail else {}
        flat = {}
        for index, item in enumerate(detail):
            if isinstance(item, (dict, list)):
                flat.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
            else:
                flat.setdefault(prefix or NON_FIELD, []).append(str(item))
        return flat
    return {prefix or NON_FIELD: [str(detail)]}


def _validation_body(exc: exceptions.ValidationError) -> dict:
    errors = flatten_errors(exc.detail)
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
        errors = {exc.field: [exc.message]} if exc.field else None
        return Response(error_body(exc.message, exc.code, errors), status=exc.status_code)
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
            response.data = error_body(exc.default_detail, _code_of(exc), flatten_errors(detail) or None)
        else:
            response.data = error_body(detail, _code_of(exc))
    return response
