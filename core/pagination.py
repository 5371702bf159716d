"""Pagination for the API (cursor) and the HTML pages (page numbers), hardened against crafted input."""

from base64 import b64decode
from urllib.parse import parse_qs

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404
from rest_framework import serializers
from rest_framework.pagination import Cursor, CursorPagination, _positive_int

# The deepest page an HTML list serves. Past it the page does not exist (404): an OFFSET in the
# millions is never a person paging, and a number past bigint would be a database error.
MAX_PAGE_NUMBER = 10_000


class DefaultCursorPagination(CursorPagination):
    """Keyset pagination: no COUNT(*) over big tables (SPEC §1).

    Unlike DRF's own, a cursor or page size that cannot be used is a 400 in the API's error shape
    (never a 500 from the database, never silently ignored).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-created_at"
    invalid_cursor_message = "Invalid cursor: use the next or previous link of an earlier page."

    def paginate_queryset(self, queryset, request, view=None):
        self._queryset_model = getattr(queryset, "model", None)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = _positive_int(raw, strict=True)
        except ValueError:
            raise serializers.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            ) from None
        if size > self.max_page_size:
            raise serializers.ValidationError(
                {self.page_size_query_param: [f"Ensure this value is less than or equal to {self.max_page_size}."]}
            )
        return size

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is not None:
            # DRF's own decoding skips characters outside base64, so "%%%" would be "the first page".
            try:
                tokens = parse_qs(
                    b64decode(encoded.encode("ascii"), validate=True).decode("ascii"), strict_parsing=True
                )
            except (ValueError, UnicodeError):
                raise self._invalid_cursor() from None
            if not tokens or set(tokens) - {"o", "r", "p"}:
                raise self._invalid_cursor()
        try:
            cursor = super().decode_cursor(request)
        except Exception:  # DRF raises NotFound; a bad cursor is bad input
            raise self._invalid_cursor() from None
        if cursor is None or cursor.position is None:
            return cursor
        return Cursor(offset=cursor.offset, reverse=cursor.reverse, position=self._checked_position(cursor.position))

    def _checked_position(self, position: str) -> str:
        """The position must be a value of the first ordering field, or the query would fail."""
        field = self._ordering_field()
        if field is None:
            return position
        try:
            field.get_prep_value(field.to_python(position))
        except (ValidationError, ValueError, TypeError, OverflowError):
            raise self._invalid_cursor() from None
        return position

    def _ordering_field(self):
        model = getattr(self, "_queryset_model", None)
        if model is None:
            return None
        ordering = self.ordering if isinstance(self.ordering, (list, tuple)) else (self.ordering,)
        path = ordering[0].lstrip("-").split("__")
        field = None
        try:
            for name in path:
                field = model._meta.get_field(name)
                model = field.related_model or model
        except FieldDoesNotExist:
            return None
        return field

    def _invalid_cursor(self):
        return serializers.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters


def page_number_from(value, *, max_page: int = MAX_PAGE_NUMBER) -> int:
    """An HTML list's `?page=`: missing or blank is 1; anything else must be 1…max_page or it is a 404."""
    if value in (None, ""):
        return 1
    text = str(value).strip()
    if not text.isdigit() or len(text) > len(str(max_page)):
        raise Http404("No such page.")
    number = int(text)
    if not 1 <= number <= max_page:
        raise Http404("No such page.")
    return number


def page_of(queryset: QuerySet, *, per_page: int, page_number) -> Page:
    """A Paginator page for HTML lists; a page past the end shows the last one, as Django's get_page does."""
    number = page_number_from(page_number)
    return Paginator(queryset, per_page).get_page(number)
