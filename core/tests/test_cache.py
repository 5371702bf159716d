"""The suite's cache clearing deletes its own keys only: Redis may be shared with a running demo."""

import uuid

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from core.cache import clear_own_keys, own_key_pattern


@pytest.fixture
def redis_client():
    backend = caches["default"]
    assert isinstance(backend, RedisCache), "tests run against Redis (pytest.ini / make test)"
    return backend._cache.get_client(write=True)


def test_clear_own_keys_keeps_keys_written_by_others(redis_client):
    # Given a key another process (a demo with another KEY_PREFIX) keeps in the same database
    foreign = f"bazaar-demo:1:session-{uuid.uuid4().hex}"
    redis_client.set(foreign, b"keep me", ex=60)
    cache.set("ours", 1)
    cache.set("ours-v2", 2, version=2)
    try:
        # When the suite clears its cache
        deleted = clear_own_keys()
        # Then only its own keys are gone
        assert deleted == 2
        assert cache.get("ours") is None
        assert cache.get("ours-v2", version=2) is None
        assert redis_client.get(foreign) == b"keep me"
    finally:
        redis_client.delete(foreign)


def test_prefix_with_glob_characters_matches_only_itself(redis_client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "odd": {**settings.CACHES["default"], "KEY_PREFIX": "odd[x]*"},
    }
    odd = caches["odd"]
    lookalike = "oddx:1:k"
    redis_client.set(lookalike, b"1", ex=60)
    odd.set("k", 1)
    try:
        assert own_key_pattern(odd) == r"odd\[x\]\*:*"
        assert clear_own_keys(odd) == 1
        assert odd.get("k") is None
        assert redis_client.get(lookalike) == b"1"
    finally:
        redis_client.delete(lookalike)


def test_a_cache_without_prefix_is_refused(settings):
    settings.CACHES = {**settings.CACHES, "bare": {**settings.CACHES["default"], "KEY_PREFIX": ""}}
    with pytest.raises(ValueError):
        clear_own_keys(caches["bare"])
