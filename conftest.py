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
    """Rate limits and cached pages must not leak between tests. Only the suite's own keys
    (CACHE_KEY_PREFIX) are deleted: Redis may be shared with a running demo (never FLUSHDB)."""
    from core.cache import clear_own_keys

    from cards.name_index import forget_name_index

    clear_own_keys()
    forget_name_index()  # this process's search index of card names belongs to the last test's catalog
    yield


# --- Browser journeys (run with `pytest -m browser`, in their own process) -------------------

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def asgi_live_server(transactional_db, settings):
    """The real ASGI app (HTTP + websockets) on a free port, against the test database.
    Its own address is a trusted origin, so its pages' websockets pass the exact Origin check."""
    from core.asgi_server import ThreadedAsgiServer

    server = ThreadedAsgiServer()
    settings.CSRF_TRUSTED_ORIGINS = [*settings.CSRF_TRUSTED_ORIGINS, server.url]
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    # Sync Playwright runs an event loop in this thread; the ORM calls tests make between
    # page actions are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM_PATH):
        raise pytest.UsageError(f"Chromium not found at {CHROMIUM_PATH}: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _is_csp_violation(text: str) -> bool:
    # Chromium reports every blocked script, style, image, connection or eval on the console.
    return "Content Security Policy" in text or "Content-Security-Policy" in text


@pytest.fixture
def csp_violations():
    """Console reports of Content-Security-Policy violations in this test's pages. Every browser
    journey fails if one happens (see new_page); a test that provokes one on purpose clears it."""
    return []


@pytest.fixture
def new_page(chromium, asgi_live_server, csp_violations):
    """Factory for pages in separate browser contexts (one per person in a journey)."""
    contexts = []

    def collect(message):
        if _is_csp_violation(message.text):
            csp_violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def make():
        context = chromium.new_context(base_url=asgi_live_server.url)
        context.set_default_timeout(15_000)
        context.on("console", collect)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    assert not csp_violations, "Content-Security-Policy violations:\n" + "\n".join(csp_violations)


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path_factory):
    """Uploads a test stores land in this run's temporary directory, never in the checkout."""
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "private-media")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 costs ~0.3 s per factory user; tests check behaviour, not hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
