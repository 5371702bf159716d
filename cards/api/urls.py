from django.urls import path

from . import views

urlpatterns = [
    path("cards/", views.CardListView.as_view(), name="api-cards"),
    path("cards/<int:pk>/", views.CardDetailView.as_view(), name="api-card-detail"),
    path("cards/<int:pk>/prices/", views.CardPriceHistoryView.as_view(), name="api-card-prices"),
    path("movers/", views.MoversView.as_view(), name="api-movers"),
]
