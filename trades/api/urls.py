from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import MatchesView, ProposalViewSet, ThreadMessagesView, TradeViewSet

router = SimpleRouter(use_regex_path=False)  # path converters: ids are <int:pk>
router.register("proposals", ProposalViewSet, basename="proposal")
router.register("trades", TradeViewSet, basename="trade")

urlpatterns = [
    path("matches/", MatchesView.as_view(), name="api-matches"),
    *router.urls,
    path("threads/<int:pk>/messages/", ThreadMessagesView.as_view(), name="thread-messages"),
]
