"""Refuse oversized API bodies before anything reads them, in the API's error shape."""

from django.conf import settings

from core.api import error_json


class ApiBodySizeMiddleware:
    """A JSON or form body over DATA_UPLOAD_MAX_MEMORY_SIZE under /api/ is a 413 at once.

    Django enforces the limit only when request.body or request.POST is read, and DRF reads the
    raw stream, so without this a huge body would be parsed. Multipart uploads keep Django's own
    per-field limits (file parts are not counted against the memory limit).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and request.path.startswith("/api/"):
            content_type = request.META.get("CONTENT_TYPE", "")
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return error_json(400, "Invalid Content-Length header.", "bad_request")
            if length > limit and not content_type.startswith("multipart/"):
                return error_json(413, f"The request body is larger than {limit} bytes.", "request_too_large")
        return self.get_response(request)
