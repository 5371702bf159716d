"""What every Bazaar websocket shares: an exact Origin check, and sockets that end with their session.

Origin: channels' AllowedHostsOriginValidator compares the host only, so a page on another
port or scheme of an allowed host (http://localhost:9999, a dev tool, a second app on the same
machine) could open a socket with the visitor's cookies. Here the Origin must equal, in
scheme, host and port, SITE_URL or one of CSRF_TRUSTED_ORIGINS (whose `https://*.example.com`
form admits subdomains, as Django's CSRF check does).

Session end: a socket authenticates once, when it connects. A signed-in socket therefore joins
two groups — one for its session, one for its user — and closes when told to: logging out
closes the sockets of that session, changing or resetting the password closes all of the
user's sockets. They close with 4001, which the htmx ws extension does not reconnect on: a
stale tab stays disconnected, and the next page a still-valid session loads opens new ones.
"""

import hashlib
from urllib.parse import urlsplit

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.security.websocket import WebsocketDenier
from django.conf import settings

from core.realtime import broadcast_on_commit

DEFAULT_PORTS = {"http": 80, "https": 443}
# Application-defined close code (4000-4999): the session that opened the socket has ended.
CLOSE_SESSION_ENDED = 4001
CLOSE_MESSAGE = {"type": "socket.close"}


def _origin_parts(value: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a serialized origin, or None if it is not one."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def allowed_origins() -> list[str]:
    return [settings.SITE_URL, *settings.CSRF_TRUSTED_ORIGINS]


def origin_is_allowed(origin: str | None) -> bool:
    candidate = _origin_parts(origin) if origin else None
    if candidate is None:
        return False
    scheme, host, port = candidate
    for pattern in allowed_origins():
        allowed = _origin_parts(pattern)
        if allowed is None or (allowed[0], allowed[2]) != (scheme, port):
            continue
        allowed_host = allowed[1]
        if allowed_host.startswith("*."):
            if host.endswith(allowed_host[1:]):
                return True
        elif host == allowed_host:
            return True
    return False


class ExactOriginValidator:
    """ASGI middleware for the websocket router: deny unless the Origin header is allowed."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("ExactOriginValidator guards websocket connections only")
        origins = [value for name, value in scope.get("headers", []) if name == b"origin"]
        origin = origins[0].decode("latin1") if len(origins) == 1 else None
        if origin_is_allowed(origin):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


# --- sockets that end with their session ---------------------------------------------------------


def user_sockets_group(user_id: int) -> str:
    return f"sockets.user.{user_id}"


def session_sockets_group(session_key: str) -> str:
    # Group names end up in Redis; a session key there would be a credential. Store a digest.
    return f"sockets.session.{hashlib.sha256(session_key.encode()).hexdigest()[:40]}"


def close_user_sockets(*, user_id: int) -> None:
    """Close every open socket of this user (after the current transaction commits)."""
    broadcast_on_commit(user_sockets_group(user_id), CLOSE_MESSAGE)


def close_session_sockets(*, session_key: str) -> None:
    """Close the open sockets that this session opened (after the current transaction commits)."""
    broadcast_on_commit(session_sockets_group(session_key), CLOSE_MESSAGE)


def _session_groups(scope) -> list[str]:
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return []
    groups = [user_sockets_group(user.pk)]
    session = scope.get("session")
    session_key = getattr(session, "session_key", None) if session is not None else None
    if session_key:
        groups.append(session_sockets_group(session_key))
    return groups


class SessionBoundConsumer(AsyncWebsocketConsumer):
    """Base for every Bazaar consumer: a signed-in socket joins its session's and its user's
    close groups when it is accepted (channels discards `self.groups` on disconnect)."""

    async def accept(self, subprotocol=None, headers=None):
        for group in _session_groups(self.scope):
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups.append(group)
        await super().accept(subprotocol=subprotocol, headers=headers)

    async def socket_close(self, event):
        await self.close(code=CLOSE_SESSION_ENDED)
