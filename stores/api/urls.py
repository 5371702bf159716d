from django.urls import path

from . import buylist_views, views

urlpatterns = [
    path("stores/", views.StoreListView.as_view(), name="api-stores"),
    path("stores/<int:pk>/", views.StoreDetailView.as_view(), name="api-store-detail"),
    path("stores/<int:pk>/inventory/", views.InventoryView.as_view(), name="api-store-inventory"),
    path("stores/<int:pk>/inventory/syncs/", views.SyncListView.as_view(), name="api-store-syncs"),
    path("stores/<int:pk>/inventory/syncs/<int:run_id>/", views.SyncDetailView.as_view(), name="api-store-sync-detail"),
    path("stores/<int:pk>/buylist/", buylist_views.BuylistView.as_view(), name="api-store-buylist"),
    path("stores/<int:pk>/quote/", buylist_views.QuoteView.as_view(), name="api-store-quote"),
    path("stores/<int:pk>/quote/send/", buylist_views.QuoteSendView.as_view(), name="api-store-quote-send"),
    path("stores/<int:pk>/matches/", buylist_views.MatchListView.as_view(), name="api-store-matches"),
    path(
        "stores/<int:pk>/matches/<str:username>/message/",
        buylist_views.MatchMessageView.as_view(),
        name="api-store-match-message",
    ),
    path("me/store-matches/", buylist_views.MyStoreMatchesView.as_view(), name="api-me-store-matches"),
]
