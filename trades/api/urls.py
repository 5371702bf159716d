from django.urls import include, path

urlpatterns = [
    path("", include("trades.api.urls_lists")),
    path("", include("trades.api.urls_negotiation")),
]
