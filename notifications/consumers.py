"""Live nav badges: each signed-in tab joins its user's group and receives out-of-band swaps."""

from core.realtime import user_group
from core.websocket import SessionBoundConsumer


class NotificationConsumer(SessionBoundConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()
            return
        self.group_name = user_group(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if getattr(self, "group_name", None):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """The socket is push-only."""

    async def dispatch(self, message):
        """The user group is shared by apps: an event this socket has no handler for is skipped,
        not fatal (Channels would otherwise raise and drop the connection)."""
        if not message["type"].startswith("websocket.") and not hasattr(self, message["type"].replace(".", "_")):
            return
        await super().dispatch(message)

    async def badges_update(self, event):
        await self.send(text_data=event["html"])

    async def push_html(self, event):
        """Generic hook for other apps: {"type": "push.html", "html": "<... hx-swap-oob ...>"}."""
        await self.send(text_data=event["html"])
