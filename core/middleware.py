"""Response headers every Bazaar response gets (django-csp adds the Content-Security-Policy)."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


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
