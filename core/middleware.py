"""Request and response guards: oversized API bodies refused unread; the security headers every
response gets (django-csp adds the Content-Security-Policy)."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers

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


def _is_private(request, response) -> bool:
    """Pages for a signed-in user, API answers and file downloads must not sit in a shared or
    back-button cache (a proxy, the next person at a shop's computer)."""
    if request.path_info.startswith("/api/"):
        return True
    if response.get("Content-Disposition", "").lower().startswith("attachment"):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; Cache-Control: no-store on private ones."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        if _is_private(request, response):
            add_never_cache_headers(response)
        return response
