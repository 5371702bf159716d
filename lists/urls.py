from django.urls import path

from . import views as lists

app_name = "lists"

urlpatterns = [
    path("lists/", lists.my_lists, name="lists"),
    path("lists/settings/", lists.settings_update, name="list_settings"),
    path("lists/import/", lists.import_upload, name="list_import_upload"),
    path("lists/import/<int:pk>/", lists.import_detail, name="list_import"),
    path("lists/import/<int:pk>/file/", lists.import_file, name="list_import_file"),
    path("lists/import/<int:pk>/commit/", lists.import_commit, name="list_import_commit"),
    path("lists/import/<int:pk>/discard/", lists.import_discard, name="list_import_discard"),
    path("lists/<str:kind>/add/", lists.item_add, name="list_item_add"),
    path("lists/<str:kind>/export.csv", lists.export_csv, name="list_export"),
    path("lists/<str:kind>/<int:pk>/edit/", lists.item_edit, name="list_item_edit"),
    path("lists/<str:kind>/<int:pk>/row/", lists.item_row, name="list_item_row"),
    path("lists/<str:kind>/<int:pk>/remove/", lists.item_remove, name="list_item_remove"),
    # Last: a trader's public lists. The one-segment paths above ("settings", "import") win
    # over usernames spelled the same; every other username reaches this view.
    path("lists/<str:username>/", lists.public_lists, name="public_lists"),
]
