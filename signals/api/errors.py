"""The API conventions' error shape for signals: {"detail", "code", "errors"?} on every 4xx."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError
from signals.selectors import FilterError
from signals.services import SignalInvalid


def _flatten(errors) -> dict[str, list[str]]:
    if isinstance(errors, dict):
        return {
            str(field): [str(message) for message in (messages if isinstance(messages, list) else [messages])]
            for field, messages in errors.items()
        }
    return {"non_field_errors": [str(message) for message in errors]}


def signals_exception_handler(exc, context):
    if isinstance(exc, SignalInvalid):
        return Response({"detail": exc.message, "code": exc.code, "errors": exc.errors}, status=400)
    if isinstance(exc, FilterError):
        return Response({"detail": exc.message, "code": "invalid", "errors": {exc.field: [exc.message]}}, status=400)
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body["errors"] = {exc.field: [exc.message]}
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = next(iter(errors.values()), ["Invalid input."])[0]
        response.data = {"detail": first, "code": "invalid", "errors": errors}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {"detail": str(exc.detail), "code": codes if isinstance(codes, str) else exc.default_code}
    return response


class SignalsErrorsMixin:
    def get_exception_handler(self):
        return signals_exception_handler
