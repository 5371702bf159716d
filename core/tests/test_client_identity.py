"""Client identity: a client cannot pick its own address, and behind trusted proxies each
client is counted as itself (TRUSTED_PROXY_COUNT feeds DRF, allauth, gunicorn and uvicorn)."""

import importlib.util
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from django.urls import reverse
from rest_framework.throttling import AnonRateThrottle

from accounts.tests.factories import UserFactory
from core.asgi_server import ThreadedAsgiServer, forwarding_options, free_port

ROOT = Path(__file__).resolve().parents[2]
RATE_LIMITED = "Too many failed login attempts"
FAILED_LOGINS_PER_IP = 10  # ACCOUNT_RATE_LIMITS["login_failed"] = "10/m/ip,..."
MISSING_CARD_API = "/api/v1/cards/999999999/"


def _load_settings(monkeypatch, **environment):
    """A fresh copy of config/settings.py evaluated under `environment` (the real derivation)."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location(f"settings_probe_{uuid.uuid4().hex}", ROOT / "config/settings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _random_address() -> str:
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


@pytest.fixture
def behind_one_proxy(settings, monkeypatch):
    """Settings as `TRUSTED_PROXY_COUNT=1` makes them (the proxy reaches the app from loopback)."""
    probe = _load_settings(monkeypatch, TRUSTED_PROXY_COUNT="1", FORWARDED_ALLOW_IPS="127.0.0.1")
    settings.TRUSTED_PROXY_COUNT = probe.TRUSTED_PROXY_COUNT
    settings.FORWARDED_ALLOW_IPS = probe.FORWARDED_ALLOW_IPS
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = probe.ALLAUTH_TRUSTED_PROXY_COUNT
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": probe.REST_FRAMEWORK["NUM_PROXIES"]}
    return probe


# --- one setting, every consumer ----------------------------------------------------------------


def test_without_a_proxy_no_forwarded_header_is_trusted(monkeypatch):
    probe = _load_settings(monkeypatch, TRUSTED_PROXY_COUNT="0", FORWARDED_ALLOW_IPS="*")
    assert probe.TRUSTED_PROXY_COUNT == 0
    assert probe.REST_FRAMEWORK["NUM_PROXIES"] == 0
    assert probe.ALLAUTH_TRUSTED_PROXY_COUNT == 0
    # An inherited FORWARDED_ALLOW_IPS (which gunicorn and uvicorn read by themselves) is overridden.
    assert probe.FORWARDED_ALLOW_IPS == ""


def test_the_proxy_count_feeds_drf_allauth_and_the_servers(monkeypatch):
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    probe = _load_settings(monkeypatch, TRUSTED_PROXY_COUNT="2")
    assert probe.REST_FRAMEWORK["NUM_PROXIES"] == 2
    assert probe.ALLAUTH_TRUSTED_PROXY_COUNT == 2
    assert probe.FORWARDED_ALLOW_IPS == "*"


def test_the_default_is_no_proxy(monkeypatch):
    monkeypatch.delenv("TRUSTED_PROXY_COUNT", raising=False)
    probe = _load_settings(monkeypatch)
    assert probe.TRUSTED_PROXY_COUNT == 0


def test_uvicorn_ignores_forwarded_headers_without_a_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert forwarding_options() == {"proxy_headers": False, "forwarded_allow_ips": ""}
    settings.TRUSTED_PROXY_COUNT = 1
    settings.FORWARDED_ALLOW_IPS = "10.0.0.5"
    assert forwarding_options() == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.5"}


def test_production_trusts_x_forwarded_proto_only_behind_a_proxy(monkeypatch):
    production = {"BAZAAR_ENV": "production", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "bazaar.example.com"}
    assert _load_settings(monkeypatch, **production, TRUSTED_PROXY_COUNT="0").SECURE_PROXY_SSL_HEADER is None
    behind = _load_settings(monkeypatch, **production, TRUSTED_PROXY_COUNT="1")
    assert behind.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")


# --- DRF throttles ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_spoofed_x_forwarded_for_does_not_reset_the_api_throttle(client):
    limit = AnonRateThrottle().num_requests
    for _ in range(limit):
        response = client.get(MISSING_CARD_API, HTTP_X_FORWARDED_FOR=_random_address())
        assert response.status_code == 404
    # A fresh made-up address per request is still the same client.
    response = client.get(MISSING_CARD_API, HTTP_X_FORWARDED_FOR=_random_address())
    assert response.status_code == 429
    assert "throttled" in response.json()["detail"]


@pytest.mark.django_db
def test_behind_one_proxy_two_clients_have_separate_api_limits(client, behind_one_proxy):
    limit = AnonRateThrottle().num_requests
    for _ in range(limit):
        # The proxy appends the address it saw; whatever the client sent before it is ignored.
        response = client.get(MISSING_CARD_API, HTTP_X_FORWARDED_FOR=f"{_random_address()}, 203.0.113.1")
        assert response.status_code == 404
    assert client.get(MISSING_CARD_API, HTTP_X_FORWARDED_FOR=f"{_random_address()}, 203.0.113.1").status_code == 429
    assert client.get(MISSING_CARD_API, HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 404


# --- allauth login rate limits -------------------------------------------------------------------------


def _fail_logins(client, count: int, **headers) -> list[str]:
    pages = []
    for _ in range(count):
        response = client.post(
            reverse("account_login"),
            {"login": f"nobody-{uuid.uuid4().hex[:8]}@example.com", "password": "wrong"},
            **headers,
        )
        pages.append(response.content.decode())
    return pages


@pytest.mark.django_db
def test_spoofed_x_forwarded_for_does_not_reset_the_failed_login_limit(client):
    for page in _fail_logins(client, FAILED_LOGINS_PER_IP, HTTP_X_FORWARDED_FOR=_random_address()):
        assert RATE_LIMITED not in page
    [page] = _fail_logins(client, 1, HTTP_X_FORWARDED_FOR=_random_address())
    assert RATE_LIMITED in page


@pytest.mark.django_db
def test_behind_one_proxy_one_clients_failed_logins_do_not_lock_out_another(client, behind_one_proxy):
    # Given every request arrives from the proxy's address (REMOTE_ADDR is the same for all)
    user = UserFactory(email="bystander@example.com")
    for page in _fail_logins(client, FAILED_LOGINS_PER_IP, HTTP_X_FORWARDED_FOR="203.0.113.1"):
        assert RATE_LIMITED not in page
    # Then the guessing client is limited, also when it prepends made-up addresses
    [page] = _fail_logins(client, 1, HTTP_X_FORWARDED_FOR=f"{_random_address()}, 203.0.113.1")
    assert RATE_LIMITED in page
    # And another client behind the same proxy still logs in
    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": "correct-horse-battery-staple"},
        HTTP_X_FORWARDED_FOR="203.0.113.2",
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


# --- the demo's uvicorn (run_demo, browser tests) --------------------------------------------------------


@pytest.fixture
def demo_server(transactional_db):
    server = ThreadedAsgiServer().start()
    yield server
    server.stop()


def _login_form(session: requests.Session, base: str) -> str:
    page = session.get(f"{base}/accounts/login/", timeout=10)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_the_demo_server_does_not_let_a_loopback_client_pick_its_address(demo_server):
    base = demo_server.url
    with requests.Session() as session:
        token = _login_form(session, base)
        pages = []
        for _ in range(FAILED_LOGINS_PER_IP + 1):
            response = session.post(
                f"{base}/accounts/login/",
                data={"csrfmiddlewaretoken": token, "login": f"x{uuid.uuid4().hex[:8]}@example.com", "password": "x"},
                headers={"X-Forwarded-For": _random_address()},
                timeout=10,
            )
            pages.append(response.text)
        assert all(RATE_LIMITED not in page for page in pages[:FAILED_LOGINS_PER_IP])
        assert RATE_LIMITED in pages[-1]
        statuses = [
            session.get(f"{base}{MISSING_CARD_API}", headers={"X-Forwarded-For": _random_address()}, timeout=10)
            for _ in range(AnonRateThrottle().num_requests + 1)
        ]
        assert [r.status_code for r in statuses[:-1]] == [404] * AnonRateThrottle().num_requests
        assert statuses[-1].status_code == 429


# --- gunicorn (config/gunicorn.py) -----------------------------------------------------------------------


def _gunicorn_sees_https(trusted_proxy_count: str) -> bool:
    """POST without a CSRF token and with X-Forwarded-Proto: https from loopback. Django only
    checks the Referer on requests it believes are HTTPS, so the failure reason tells."""
    port = free_port()
    env = {**os.environ, "TRUSTED_PROXY_COUNT": trusted_proxy_count, "FORWARDED_ALLOW_IPS": "127.0.0.1"}
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        [*command, "--workers", "1", "config.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Generous timeouts: the worker imports Django on its first request, slow on a busy machine.
    try:
        for _ in range(100):
            try:
                response = requests.post(
                    f"http://127.0.0.1:{port}/accounts/login/", headers={"X-Forwarded-Proto": "https"}, timeout=60
                )
                break
            except requests.ConnectionError:
                if process.poll() is not None:
                    raise AssertionError("gunicorn exited") from None
                time.sleep(0.2)
        else:
            raise AssertionError("gunicorn did not start")
        assert response.status_code == 403
        return "Referer checking failed" in response.text
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_gunicorn_ignores_x_forwarded_proto_without_a_proxy():
    assert _gunicorn_sees_https("0") is False


def test_gunicorn_trusts_x_forwarded_proto_from_the_configured_proxy():
    assert _gunicorn_sees_https("1") is True


# --- production's websocket process (manage.py run_asgi) ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_run_asgi_serves_the_app_and_ignores_forwarded_headers_by_default():
    from django.db import connection

    db = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "TRUSTED_PROXY_COUNT": "0",
        "FORWARDED_ALLOW_IPS": "*",  # inherited by uvicorn on its own; TRUSTED_PROXY_COUNT=0 must win
    }
    command = [sys.executable, "manage.py", "run_asgi", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(150):
            try:
                response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=60)
                break
            except requests.ConnectionError:
                assert process.poll() is None, "run_asgi exited"
                time.sleep(0.2)
        else:
            raise AssertionError("run_asgi did not start")
        assert response.json() == {"status": "ok"}
        # A spoofed client address does not buy a fresh anonymous API allowance.
        limit = AnonRateThrottle().num_requests
        statuses = [
            requests.get(
                f"http://127.0.0.1:{port}{MISSING_CARD_API}", headers={"X-Forwarded-For": _random_address()}, timeout=5
            ).status_code
            for _ in range(limit + 1)
        ]
        assert statuses == [404] * limit + [429]
    finally:
        process.terminate()
        process.wait(timeout=15)
