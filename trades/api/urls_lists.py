from django.urls import path
from rest_framework.routers import SimpleRouter

from .views_lists import HaveItemViewSet, MatchesView, WantItemViewSet

router = SimpleRouter()
router.register("haves", HaveItemViewSet, basename="api-haves")
router.register("wants", WantItemViewSet, basename="api-wants")

urlpatterns = [
    path("matches/", MatchesView.as_view(), name="api-matches"),
    *router.urls,
]
