from django.urls import path

from .views import DisputeMessagesView, EscrowDisputeView, EscrowViewSet, PayoutAccountView, TradeEscrowView

escrow_list = EscrowViewSet.as_view({"get": "list"})
escrow_detail = EscrowViewSet.as_view({"get": "retrieve"})

urlpatterns = [
    path("payout-account/", PayoutAccountView.as_view(), name="api-payout-account"),
    path("trades/<int:pk>/escrow/", TradeEscrowView.as_view(), name="api-trade-escrow"),
    path("escrows/", escrow_list, name="api-escrow-list"),
    path("escrows/<int:pk>/", escrow_detail, name="api-escrow-detail"),
    path("escrows/<int:pk>/dispute/", EscrowDisputeView.as_view(), name="api-escrow-dispute"),
    path("escrows/<int:pk>/dispute/messages/", DisputeMessagesView.as_view(), name="api-escrow-dispute-messages"),
]
