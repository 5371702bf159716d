from django.urls import path
from rest_framework.routers import SimpleRouter

from .views_negotiation import ProposalViewSet, ThreadMessagesView, TradeViewSet

router = SimpleRouter()
router.register("proposals", ProposalViewSet, basename="proposal")
router.register("trades", TradeViewSet, basename="trade")

urlpatterns = [
    *router.urls,
    path("threads/<int:pk>/messages/", ThreadMessagesView.as_view(), name="thread-messages"),
]
