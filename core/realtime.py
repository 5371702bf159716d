"""Push messages to Channels groups after the current transaction commits."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def send_to_group_now(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # a dropped push must never break the write that caused it
        logger.exception("realtime push to %s failed", group)


def broadcast_on_commit(group: str, message: dict) -> None:
    """Send `message` (a dict with a "type" naming the consumer handler) once the data is committed."""
    transaction.on_commit(lambda: send_to_group_now(group, message))


def user_group(user_id: int) -> str:
    return f"user.{user_id}"
