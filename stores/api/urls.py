from django.urls import path

from . import views

urlpatterns = [
    path("stores/", views.StoreListView.as_view(), name="api-stores"),
    path("stores/<int:pk>/", views.StoreDetailView.as_view(), name="api-store-detail"),
    path("stores/<int:pk>/inventory/", views.InventoryView.as_view(), name="api-store-inventory"),
    path("stores/<int:pk>/inventory/syncs/", views.SyncListView.as_view(), name="api-store-syncs"),
    path("stores/<int:pk>/inventory/syncs/<int:run_id>/", views.SyncDetailView.as_view(), name="api-store-sync-detail"),
]
