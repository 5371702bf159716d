from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from core.api import error_json


def home_panels(*, user) -> list[dict]:
    """Strips other apps put on the home page and dashboard (settings.HOME_PANELS), like DASHBOARD_PANELS.

    Each provider is `f(*, user) -> {"template": str, **context} | None`.
    """
    from django.conf import settings
    from django.utils.module_loading import import_string

    panels = []
    for path in getattr(settings, "HOME_PANELS", []):
        panel = import_string(path)(user=user)
        if panel:
            panels.append(panel)
    return panels


def home(request):
    """Landing page for visitors; the trader's dashboard once signed in."""
    panels = home_panels(user=request.user)
    if request.user.is_authenticated:
        from accounts.selectors import dashboard_for

        return render(request, "core/dashboard.html", {**dashboard_for(user=request.user), "home_panels": panels})
    return render(request, "core/home.html", {"home_panels": panels})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_400(request, exception=None):
    """Bad requests Django itself refuses (SuspiciousOperation); an oversized body is a 413."""
    if isinstance(exception, RequestDataTooBig):
        if _is_api(request):
            return error_json(413, "The request body is too large.", "request_too_large")
        return render(request, "413.html", status=413)
    if _is_api(request):
        return error_json(400, "Bad request.", "bad_request")
    return render(request, "400.html", status=400)


def error_404(request, exception=None):
    if _is_api(request):
        return error_json(404, "Not found.", "not_found")
    return render(request, "404.html", status=404)


def error_403(request, exception=None):
    if _is_api(request):
        return error_json(403, "You do not have permission to perform this action.", "permission_denied")
    return render(request, "403.html", status=403)


def error_500(request):
    if _is_api(request):
        return error_json(500, "Server error.", "server_error")
    return render(request, "500.html", status=500)


@csrf_exempt
def api_not_found(request, path=""):
    """Any /api/ path no API route matches: JSON 404 (also without DEBUG's handler404, and without
    APPEND_SLASH redirecting an API POST)."""
    return error_json(404, "Not found.", "not_found")
