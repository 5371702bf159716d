from django.urls import path

from .views import DisputeMessagesView, EscrowDisputeView, EscrowViewSet, PayoutAccountView, TradeEscrowView

escrow_list = EscrowViewSet.as_view({"get": "list"})
escrow_detail = EscrowViewSet.as_view({"get": "retrieve"})
escrow_ship = EscrowViewSet.as_view({"post": "ship"})
escrow_confirm_receipt = EscrowViewSet.as_view({"post": "confirm_receipt"})
escrow_cancel = EscrowViewSet.as_view({"post": "cancel"})

urlpatterns = [
    path("payout-account/", PayoutAccountView.as_view(), name="api-payout-account"),
    path("trades/<int:pk>/escrow/", TradeEscrowView.as_view(), name="api-trade-escrow"),
    path("escrows/", escrow_list, name="api-escrow-list"),
    path("escrows/<int:pk>/", escrow_detail, name="api-escrow-detail"),
    path("escrows/<int:pk>/dispute/", EscrowDisputeView.as_view(), name="api-escrow-dispute"),
    path("escrows/<int:pk>/dispute/messages/", DisputeMessagesView.as_view(), name="api-escrow-dispute-messages"),
    path("escrows/<int:pk>/ship/", escrow_ship, name="api-escrow-ship"),
    path("escrows/<int:pk>/confirm-receipt/", escrow_confirm_receipt, name="api-escrow-confirm-receipt"),
    path("escrows/<int:pk>/cancel/", escrow_cancel, name="api-escrow-cancel"),
]
