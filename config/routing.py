"""Every app's websocket routes, in one list."""

from cards.routing import websocket_urlpatterns as cards_ws
from notifications.routing import websocket_urlpatterns as notifications_ws
from trades.routing import websocket_urlpatterns as trades_ws

websocket_urlpatterns = [*cards_ws, *trades_ws, *notifications_ws]
