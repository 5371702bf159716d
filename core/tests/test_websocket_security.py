"""Websocket guards: the Origin must match exactly, and sockets end with their session."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from config.asgi import application
from core.websocket import CLOSE_SESSION_ENDED, origin_is_allowed

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def origins(settings):
    settings.SITE_URL = "https://bazaar.example.com"
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.stores.example.com", "http://localhost:8000"]


@pytest.mark.parametrize(
    "origin",
    [
        "https://bazaar.example.com",
        "https://bazaar.example.com:443",
        "HTTPS://Bazaar.Example.com",
        "https://lgs.stores.example.com",
        "http://localhost:8000",
    ],
)
def test_exact_origins_are_allowed(origins, origin):
    assert origin_is_allowed(origin)


@pytest.mark.parametrize(
    "origin",
    [
        "http://bazaar.example.com",  # other scheme
        "https://bazaar.example.com:8443",  # other port
        "https://evil-bazaar.example.com",
        "https://bazaar.example.com.evil.test",
        "https://stores.example.com",  # the wildcard is for subdomains only
        "http://lgs.stores.example.com",
        "http://localhost:9999",  # same host, other port: what a host-only check lets through
        "http://localhost",
        "https://localhost:8000",
        "null",
        "",
        None,
        "https://bazaar.example.com/path",
        "https://user@bazaar.example.com",
        "file://bazaar.example.com",
        "https://bazaar.example.com:99999",
    ],
)
def test_other_origins_are_refused(origins, origin):
    assert not origin_is_allowed(origin)


def _socket(path: str, *, origin: str | None, cookie: str = "") -> WebsocketCommunicator:
    headers = [(b"host", b"localhost:8000")]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("origin", "connects"),
    [
        ("http://localhost:8000", True),
        ("http://localhost:9999", False),
        ("https://localhost:8000", False),
        ("http://127.0.0.1:8000", False),
        (None, False),
    ],
)
async def test_the_asgi_app_checks_the_origin_exactly(settings, origin, connects):
    settings.SITE_URL = "http://localhost:8000"
    settings.CSRF_TRUSTED_ORIGINS = []
    communicator = _socket("/ws/prices/?cards=1", origin=origin)
    connected, _ = await communicator.connect()
    assert connected is connects
    await communicator.disconnect()


# --- sockets end with their session --------------------------------------------------------------


def _signed_in_client(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def _cookie(client: Client) -> str:
    return f"{django_settings.SESSION_COOKIE_NAME}={client.cookies[django_settings.SESSION_COOKIE_NAME].value}"


async def _open(client: Client, path: str) -> WebsocketCommunicator:
    communicator = _socket(path, origin=django_settings.SITE_URL, cookie=_cookie(client))
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _closed_with_session_ended(communicator: WebsocketCommunicator) -> bool:
    message = await communicator.receive_output(timeout=5)
    return message == {"type": "websocket.close", "code": CLOSE_SESSION_ENDED}


@pytest.mark.django_db(transaction=True)
async def test_logging_out_closes_that_sessions_sockets_only(settings):
    settings.SITE_URL = "http://localhost:8000"
    # Given a trader signed in on two devices, each with sockets open
    user = await sync_to_async(UserFactory)()
    laptop, phone = await sync_to_async(_signed_in_client)(user), await sync_to_async(_signed_in_client)(user)
    laptop_badges = await _open(laptop, "/ws/notifications/")
    laptop_prices = await _open(laptop, "/ws/prices/?cards=1")
    phone_badges = await _open(phone, "/ws/notifications/")
    # When the laptop logs out
    response = await sync_to_async(laptop.post)(reverse("account_logout"))
    assert response.status_code == 302
    # Then the laptop's sockets are closed and the phone's stays open
    assert await _closed_with_session_ended(laptop_badges)
    assert await _closed_with_session_ended(laptop_prices)
    assert await phone_badges.receive_nothing(timeout=0.5)
    # And the laptop's socket cannot come back signed in
    communicator = _socket("/ws/notifications/", origin=settings.SITE_URL, cookie=_cookie(laptop))
    connected, _ = await communicator.connect()
    assert not connected
    await phone_badges.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_changing_the_password_closes_every_socket_of_the_user(settings):
    settings.SITE_URL = "http://localhost:8000"
    user, bystander = await sync_to_async(UserFactory)(), await sync_to_async(UserFactory)()
    laptop, phone = await sync_to_async(_signed_in_client)(user), await sync_to_async(_signed_in_client)(user)
    other = await sync_to_async(_signed_in_client)(bystander)
    laptop_socket, phone_socket = await _open(laptop, "/ws/notifications/"), await _open(phone, "/ws/notifications/")
    bystander_socket = await _open(other, "/ws/notifications/")

    response = await sync_to_async(laptop.post)(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "a-new-trade-secret-42", "password2": "a-new-trade-secret-42"},
    )
    assert response.status_code == 302

    assert await _closed_with_session_ended(laptop_socket)
    assert await _closed_with_session_ended(phone_socket)
    assert await bystander_socket.receive_nothing(timeout=0.5)
    # The phone's old session no longer authenticates; the laptop's (kept by the change) does.
    stale = _socket("/ws/notifications/", origin=settings.SITE_URL, cookie=_cookie(phone))
    assert (await stale.connect())[0] is False
    fresh = await _open(laptop, "/ws/notifications/")
    await fresh.disconnect()
    await bystander_socket.disconnect()


def test_every_websocket_route_closes_with_its_session():
    """A new consumer must subclass SessionBoundConsumer, or logging out would leave it open."""
    from config.routing import websocket_urlpatterns
    from core.websocket import SessionBoundConsumer

    consumers = {pattern.pattern.describe(): pattern.callback.consumer_class for pattern in websocket_urlpatterns}
    assert consumers, "the project has websocket routes"
    assert [route for route, consumer in consumers.items() if not issubclass(consumer, SessionBoundConsumer)] == []
