from django.urls import include, path

app_name = "trades"
# Two areas of the app, one namespace: trades:<name>.
urlpatterns = [
    path("", include("trades.urls_lists")),
    path("", include("trades.urls_negotiation")),
]
