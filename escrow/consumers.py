"""Live escrow status on the trade page: /ws/trades/<id>/escrow/.

Authorization uses access_trade, the selector the trade page uses: an outsider's socket is
closed before it joins the group. On a change the socket swaps in a placeholder that loads
the panel over HTTP, so each viewer gets their own buttons with their own CSRF token.
"""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html

from trades.selectors.trades import access_trade

from .selectors import panel_version
from .services import trade_group


def refresh_placeholder(trade_id: int) -> str:
    return format_html(
        '<div id="escrow-panel" hx-swap-oob="true" hx-get="{}" hx-trigger="load" hx-swap="outerHTML">'
        '<p class="muted">Updating…</p></div>',
        reverse("escrow:trade_panel", args=[trade_id]),
    )


class EscrowConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.group_name = None
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()
            return
        try:
            trade = await database_sync_to_async(access_trade)(user=user, pk=self.scope["url_route"]["kwargs"]["pk"])
        except Http404:
            await self.close()
            return
        self.trade_id = trade.pk
        self.group_name = trade_group(trade.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        # A change between rendering the page and joining the group would be missed: the page
        # says which version it shows, and an older one is refreshed at once.
        shown = parse_qs(self.scope.get("query_string", b"").decode()).get("v", ["0"])[0]
        if shown != str(await database_sync_to_async(panel_version)(trade_id=trade.pk)):
            await self.send(text_data=refresh_placeholder(trade.pk))

    async def disconnect(self, code):
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """Push-only: every change is made over HTTP."""

    async def escrow_changed(self, event):
        await self.send(text_data=refresh_placeholder(self.trade_id))
