from django.urls import path

from . import views

app_name = "escrow"

urlpatterns = [
    path("trades/<int:trade_id>/panel/", views.trade_panel, name="trade_panel"),
    path("trades/<int:trade_id>/open/", views.escrow_create, name="create"),
    path("<int:pk>/pay/", views.escrow_pay, name="pay"),
    path("<int:pk>/cancel/", views.escrow_cancel, name="cancel"),
    path("<int:pk>/ship/", views.escrow_ship, name="ship"),
    path("<int:pk>/confirm-receipt/", views.escrow_confirm_receipt, name="confirm_receipt"),
    path("<int:pk>/paid/", views.escrow_paid, name="paid"),
    path("<int:pk>/dispute/", views.dispute, name="dispute"),
    path("<int:pk>/dispute/messages/", views.dispute_message, name="dispute_message"),
    path("disputes/evidence/<int:pk>/", views.dispute_evidence, name="dispute_evidence"),
    path("payouts/connect/", views.payout_connect, name="payout_connect"),
    path("payouts/onboard/", views.payout_onboard, name="payout_onboard"),
    path("payouts/return/", views.payout_return, name="payout_return"),
    path("payouts/refresh/", views.payout_refresh, name="payout_refresh"),
]
