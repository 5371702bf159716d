"""Who has a conversation open right now: a socket on /ws/threads/<id>/, tracked in the shared cache.

Each open socket writes its key with a short TTL and its consumer refreshes it while connected,
so a crashed process or a lost disconnect leaves nothing behind for longer than the TTL.
Used to keep quiet: no bell item and no email for a message the recipient is watching arrive.
"""

from django.conf import settings
from django.core.cache import cache


def _key(thread_id: int, user_id: int) -> str:
    return f"trades:thread-open:{thread_id}:{user_id}"


def thread_presence_mark(*, thread_id: int, user_id: int, channel_name: str) -> None:
    cache.set(_key(thread_id, user_id), channel_name, timeout=settings.THREAD_PRESENCE_TTL_SECONDS)


def thread_presence_clear(*, thread_id: int, user_id: int, channel_name: str) -> None:
    """Forget this socket, unless another tab of the same user has refreshed the key since."""
    key = _key(thread_id, user_id)
    if cache.get(key) == channel_name:
        cache.delete(key)


def thread_is_open_by(*, thread_id: int, user_id: int) -> bool:
    return cache.get(_key(thread_id, user_id)) is not None
