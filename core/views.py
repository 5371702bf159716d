from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render


def home(request):
    """Landing page for visitors; the trader's dashboard once signed in."""
    if request.user.is_authenticated:
        from accounts.selectors import dashboard_for

        return render(request, "core/dashboard.html", dashboard_for(user=request.user))
    return render(request, "core/home.html")


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
