"""Clearing the cache without touching anyone else's keys.

Django's `RedisCache.clear()` is a FLUSHDB: it empties the whole Redis database whatever the
KEY_PREFIX, so a test run (or a benchmark) sharing Redis with a running demo would wipe the
demo's sessions, rate limits and cached pages. `clear_own_keys` deletes only the keys this
process's cache writes, i.e. those under its KEY_PREFIX.
"""

import re

from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache

_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")
_DELETE_BATCH = 500


def _glob_escape(text: str) -> str:
    return _GLOB_SPECIAL.sub(r"\\\1", text)


def own_key_pattern(backend: BaseCache) -> str:
    """The Redis SCAN pattern matching every key `backend` can write (all versions)."""
    if not backend.key_prefix:
        raise ValueError("A cache without KEY_PREFIX cannot tell its keys from anyone else's.")
    # Django's default key function: "<prefix>:<version>:<key>".
    return f"{_glob_escape(backend.key_prefix)}:*"


def clear_own_keys(backend: BaseCache | None = None) -> int:
    """Delete the keys under this cache's prefix; returns how many were deleted.

    Non-Redis caches (the in-process LocMemCache of the embedded default) belong to this
    process alone, so their plain clear() is already scoped.
    """
    backend = backend if backend is not None else caches["default"]
    if not isinstance(backend, RedisCache):
        backend.clear()
        return 0
    client = backend._cache.get_client(write=True)
    deleted = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=own_key_pattern(backend), count=1000):
        batch.append(key)
        if len(batch) >= _DELETE_BATCH:
            deleted += client.delete(*batch)
            batch = []
    if batch:
        deleted += client.delete(*batch)
    return deleted
