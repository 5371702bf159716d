from django.urls import path

from . import views

app_name = "stores"
urlpatterns = [
    path("stores/", views.finder, name="finder"),
    path("stores/register/", views.register, name="register"),
    path("stores/<int:pk>/", views.store_detail, name="detail"),
    path("dashboard/store/", views.dashboard, name="dashboard"),
    path("dashboard/store/profile/", views.dashboard_profile, name="dashboard_profile"),
    path("dashboard/store/inventory/", views.dashboard_inventory, name="dashboard_inventory"),
    path("dashboard/store/inventory/items/<int:item_id>/", views.dashboard_item_edit, name="dashboard_item_edit"),
    path("dashboard/store/inventory/bulk/", views.dashboard_bulk, name="dashboard_bulk"),
    path("dashboard/store/sync/", views.dashboard_sync, name="dashboard_sync"),
    path("dashboard/store/sync/mapping/", views.dashboard_mapping, name="dashboard_mapping"),
    path("dashboard/store/sync/runs/<int:run_id>/", views.dashboard_sync_run, name="dashboard_sync_run"),
]
