from django.urls import path

from . import buylist_views, views

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
    path("dashboard/store/buylist/", buylist_views.dashboard_buylist, name="dashboard_buylist"),
    path("dashboard/store/matches/", buylist_views.dashboard_matches, name="dashboard_matches"),
    path(
        "dashboard/store/matches/<str:username>/message/",
        buylist_views.dashboard_match_message,
        name="dashboard_match_message",
    ),
    path("stores/<int:pk>/quote/", buylist_views.store_quote, name="quote"),
    path("stores/<int:pk>/block/", buylist_views.block_store, name="block"),
    path("stores/near-me/", buylist_views.near_me, name="near_me"),
    path("stores/threads/", buylist_views.thread_list, name="threads"),
    path("stores/threads/<int:pk>/", buylist_views.thread_detail, name="thread"),
    path(
        "stores/threads/<int:pk>/messages/<int:message_id>/report/",
        buylist_views.message_report_view,
        name="message_report",
    ),
]
