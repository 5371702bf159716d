from django.urls import path

from . import views

app_name = "signals"
urlpatterns = [
    path("", views.signal_list, name="list"),
    path("mine/", views.signal_mine, name="mine"),
    path("new/", views.signal_create, name="create"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("<int:pk>/", views.signal_detail, name="detail"),
    path("<int:pk>/edit/", views.signal_edit, name="edit"),
    path("<int:pk>/close/", views.signal_close, name="close"),
    path("<int:pk>/follow/", views.signal_follow, name="follow"),
    path("creators/<str:username>/follow/", views.creator_follow, name="creator_follow"),
]
