from django.urls import path

from .consumers import PriceConsumer

websocket_urlpatterns: list = [path("ws/prices/", PriceConsumer.as_asgi())]
