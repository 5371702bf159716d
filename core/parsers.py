"""Request body parsers for the API: bounded size and nesting, so crafted bodies are a 4xx, never a 500."""

from io import BytesIO

from django.conf import settings
from rest_framework import exceptions, parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings
from rest_framework.utils import json

# No Bazaar payload nests deeper than a few levels; 32 leaves room and stays far from the
# interpreter's recursion limit (json.loads of ~1,000 nested arrays raises RecursionError).
MAX_JSON_DEPTH = 32


class RequestTooLarge(exceptions.APIException):
    # Not in core.api: DRF imports parsers while core.api is importing rest_framework.views.
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def read_bounded(stream) -> bytes:
    """Read the body, refusing more than DATA_UPLOAD_MAX_MEMORY_SIZE bytes (DRF reads the raw stream)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return stream.read()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
    return data


def json_depth_exceeds(value, limit: int) -> bool:
    """Iterative walk (a recursive one would hit the recursion limit it is guarding against)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    max_depth = MAX_JSON_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = read_bounded(stream)
        try:
            text = raw.decode(encoding)
            parse_constant = json.strict_constant if api_settings.STRICT_JSON else None
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {self.max_depth} levels.") from None
        except ValueError as exc:  # includes UnicodeDecodeError and json.JSONDecodeError
            raise ParseError(f"JSON parse error - {exc}") from None
        if json_depth_exceeds(data, self.max_depth):
            raise ParseError(f"JSON parse error - nested deeper than {self.max_depth} levels.")
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return super().parse(BytesIO(read_bounded(stream)), media_type, parser_context)
