from django.urls import path

from . import views

urlpatterns = [
    path("signals/", views.SignalListView.as_view(), name="api-signals"),
    path("signals/mine/", views.MySignalListView.as_view(), name="api-signals-mine"),
    path("signals/leaderboard/", views.LeaderboardView.as_view(), name="api-signals-leaderboard"),
    path("signals/<int:pk>/", views.SignalDetailView.as_view(), name="api-signal-detail"),
    path("signals/<int:pk>/close/", views.SignalCloseView.as_view(), name="api-signal-close"),
    path("signals/<int:pk>/follow/", views.SignalFollowView.as_view(), name="api-signal-follow"),
    path("creators/<str:username>/follow/", views.CreatorFollowView.as_view(), name="api-creator-follow"),
]
