"""Live conversation: /ws/threads/<id>/ relays new messages as htmx out-of-band appends.

Authorization uses access_thread, the selector the pages use: a non-participant's socket is
closed before it joins the thread's group.
"""

import asyncio
import contextlib

from channels.db import database_sync_to_async
from django.conf import settings
from django.http import Http404

from core.websocket import SessionBoundConsumer
from trades.presence import thread_presence_clear, thread_presence_mark
from trades.selectors import access_thread
from trades.services.messaging import thread_group, thread_mark_read

_presence_mark = database_sync_to_async(thread_presence_mark)
_presence_clear = database_sync_to_async(thread_presence_clear)


class ThreadConsumer(SessionBoundConsumer):
    async def connect(self):
        self.group_name = None
        self.presence_task = None
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
        await self._mark_present()
        self.presence_task = asyncio.ensure_future(self._keep_present())

    async def disconnect(self, code):
        if self.presence_task is not None:
            self.presence_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.presence_task
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)
            await _presence_clear(
                thread_id=self.thread_id, user_id=self.scope["user"].pk, channel_name=self.channel_name
            )

    async def _mark_present(self) -> None:
        await _presence_mark(thread_id=self.thread_id, user_id=self.scope["user"].pk, channel_name=self.channel_name)

    async def _keep_present(self) -> None:
        """Refresh the presence key well inside its TTL for as long as the socket is open."""
        while True:
            await asyncio.sleep(settings.THREAD_PRESENCE_TTL_SECONDS / 3)
            await self._mark_present()

    async def receive(self, text_data=None, bytes_data=None):
        """Messages are posted over HTTP (one write path); the socket only delivers."""

    async def thread_changed(self, event):
        """The negotiation changed: the page refetches its own view of it (static/js/live_regions.js)."""
        await self.send(text_data=event["html"])

    async def thread_message(self, event):
        await self.send(text_data=event["html"])
        # The reader has it on screen: it is read (keeps the nav badge honest).
        await database_sync_to_async(thread_mark_read)(thread_id=self.thread_id, user=self.scope["user"])
