from django.urls import path

from .consumers import EscrowConsumer

websocket_urlpatterns = [
    path("ws/trades/<int:pk>/escrow/", EscrowConsumer.as_asgi()),
]
