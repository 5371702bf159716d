"""Project-wide test setup: PostgreSQL and Redis must be reachable; fail fast and clearly if not."""

import os
import socket
from urllib.parse import urlparse

import pytest


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def pytest_configure(config):
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    problems = []
    if not database_url.startswith("postgres"):
        problems.append(f"DATABASE_URL must point at PostgreSQL for tests (got {database_url!r}).")
    elif not _reachable(database_url, 5432):
        problems.append(
            f"PostgreSQL is not reachable at {database_url}. Start it, e.g. "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`."
        )
    if not redis_url or not _reachable(redis_url, 6379):
        problems.append(
            f"Redis is not reachable at {redis_url!r}. Start it, e.g. "
            "`redis-server --daemonize yes --port 6379 --save '' --appendonly no`."
        )
    if problems:
        raise pytest.UsageError("\n".join(problems))


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and cached pages must not leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
