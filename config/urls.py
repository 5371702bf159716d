from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.admin_site import install_admin_security
from core.views import api_not_found

install_admin_security(admin.site)

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("cards.api.urls")),
    path("", include("lists.api.urls")),
    path("", include("trades.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("signals.api.urls")),
    path("", include("stores.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its init script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/", api_not_found, name="api-not-found"),
    path("", include("core.urls")),
    path("", include("accounts.urls")),
    path("cards/", include("cards.urls")),
    path("trades/", include("lists.urls")),
    path("trades/", include("trades.urls")),
    path("notifications/", include("notifications.urls")),
    path("signals/", include("signals.urls")),
    path("", include("stores.urls")),
]

handler404 = "core.views.error_404"
handler403 = "core.views.error_403"
handler400 = "core.views.error_400"
handler500 = "core.views.error_500"
# No /media/ route, in DEBUG either: uploads are private (core.storage).
