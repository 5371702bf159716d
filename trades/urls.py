from django.urls import path

from . import views

app_name = "trades"

urlpatterns = [
    path("", views.trade_index, name="index"),
    path("propose/<str:username>/", views.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/accept/", views.proposal_accept, name="proposal_accept"),
    path("proposals/<int:pk>/decline/", views.proposal_decline, name="proposal_decline"),
    path("proposals/<int:pk>/cancel/", views.proposal_cancel, name="proposal_cancel"),
    path("proposals/<int:pk>/counter/", views.proposal_counter, name="proposal_counter"),
    path("<int:pk>/", views.trade_detail, name="trade_detail"),
    path("<int:pk>/confirm/", views.trade_confirm, name="trade_confirm"),
    path("<int:pk>/cancel/", views.trade_cancel, name="trade_cancel"),
    path("<int:pk>/cancel/withdraw/", views.trade_cancel_withdraw, name="trade_cancel_withdraw"),
    path("<int:pk>/review/", views.trade_review, name="trade_review"),
    path("matches/", views.matches, name="matches"),
    path("threads/", views.thread_list, name="thread_list"),
    path("threads/<int:pk>/", views.thread_detail, name="thread_detail"),
    path("threads/<int:pk>/messages/", views.thread_message_post, name="thread_message_post"),
    path("threads/<int:pk>/older/", views.thread_older, name="thread_older"),
]
