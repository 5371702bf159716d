from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render


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


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_500(request):
    return render(request, "500.html", status=500)
