"""Live conversation: /ws/threads/<id>/ relays new messages as htmx out-of-band appends.

Authorization uses access_thread, the selector the pages use: a non-participant's socket is
closed before it joins the thread's group.
"""

from channels.db import database_sync_to_async
from django.http import Http404

from core.websocket import SessionBoundConsumer
from trades.selectors import access_thread
from trades.services.messaging import thread_group, thread_mark_read


class ThreadConsumer(SessionBoundConsumer):
    async def connect(self):
        self.group_name = None
        user = self.scope.get("user")
        thread_id = self.scope["url_route"]["kwargs"]["thread_id"]
        if user is None or not user.is_authenticated:
            await self.close()
            return
        try:
            thread = await database_sync_to_async(access_thread)(user=user, pk=thread_id)
        except Http404:
            await self.close()
            return
        self.thread_id = thread.pk
        self.group_name = thread_group(thread.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """Messages are posted over HTTP (one write path); the socket only delivers."""

    async def thread_message(self, event):
        await self.send(text_data=event["html"])
        # The reader has it on screen: it is read (keeps the nav badge honest).
        await database_sync_to_async(thread_mark_read)(thread_id=self.thread_id, user=self.scope["user"])
