"""Live prices over a websocket: a page subscribes to the cards it shows and gets htmx OOB swaps."""

import asyncio
import json
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async

from core.websocket import SessionBoundConsumer

from .live import price_group, register_consumer_loop, watchers_add, watchers_remove

_watchers_add = sync_to_async(watchers_add, thread_sensitive=False)
_watchers_remove = sync_to_async(watchers_remove, thread_sensitive=False)

MAX_CARDS_PER_CONNECTION = 200


def parse_card_ids(values, *, limit: int) -> list[int]:
    """Positive integer ids from strings or numbers, de-duplicated, order kept, at most `limit`."""
    ids: list[int] = []
    for value in values:
        try:
            card_id = int(value)
        except (TypeError, ValueError):
            continue
        if card_id > 0 and card_id not in ids:
            ids.append(card_id)
            if len(ids) >= limit:
                break
    return ids


class PriceConsumer(SessionBoundConsumer):
    """/ws/prices/?cards=1,2,3 then optional {"subscribe": [ids]} / {"unsubscribe": [ids]} messages.

    Card prices are public, so any visitor may subscribe to any card; the cap keeps one
    socket from joining thousands of groups. The Origin check is in config/asgi.py.
    """

    async def connect(self):
        register_consumer_loop(asyncio.get_running_loop())
        self.card_ids: set[int] = set()
        query = parse_qs(self.scope.get("query_string", b"").decode())
        requested = [part for value in query.get("cards", []) for part in value.split(",")]
        await self.accept()
        await self._subscribe(requested)

    async def disconnect(self, code):
        card_ids = list(getattr(self, "card_ids", ()))
        for card_id in card_ids:
            await self.channel_layer.group_discard(price_group(card_id), self.channel_name)
        self.card_ids = set()
        if card_ids:
            await _watchers_remove(card_ids)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            payload = json.loads(text_data or "{}")
        except (ValueError, RecursionError):  # deeply nested JSON raises RecursionError
            return
        if not isinstance(payload, dict):
            return
        if isinstance(payload.get("subscribe"), list):
            await self._subscribe(payload["subscribe"])
        if isinstance(payload.get("unsubscribe"), list):
            for card_id in parse_card_ids(payload["unsubscribe"], limit=MAX_CARDS_PER_CONNECTION):
                if card_id in self.card_ids:
                    self.card_ids.discard(card_id)
                    await self.channel_layer.group_discard(price_group(card_id), self.channel_name)
                    await _watchers_remove([card_id])

    async def _subscribe(self, values) -> None:
        room = MAX_CARDS_PER_CONNECTION - len(self.card_ids)
        if room <= 0:
            return
        fresh = [
            card_id
            for card_id in parse_card_ids(values, limit=MAX_CARDS_PER_CONNECTION)
            if card_id not in self.card_ids
        ]
        fresh = fresh[:room]
        for card_id in fresh:
            self.card_ids.add(card_id)
            await self.channel_layer.group_add(price_group(card_id), self.channel_name)
        if fresh:
            await _watchers_add(fresh)

    async def price_tick(self, event):
        """Relay the pre-rendered swap (rendered once per tick, not once per socket)."""
        await self.send(text_data=event["html"])
