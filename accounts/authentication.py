"""API token authentication: `Authorization: Bearer bz_<prefix>_<secret>` (or `Token ...`).

Only a SHA-256 of the whole token is stored; tokens are 256-bit random, so a plain hash
(not a slow password hash) is the right tool and keeps each request a single indexed lookup.
"""

import hashlib

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .enums import TokenScope
from .models import ApiToken

KEYWORDS = (b"bearer", b"token")


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _check_scope(request, token: ApiToken) -> None:
    """A scoped token reaches only views that list its scope in `token_scopes` (default: full only).

    Checked here, at authentication, so that no view can forget it: a view opts in by naming
    the scopes it serves; which objects the token's user may touch is still the view's access check.
    """
    if token.scope == TokenScope.FULL:
        return
    view = (getattr(request, "parser_context", None) or {}).get("view")
    allowed = getattr(view, "token_scopes", frozenset({TokenScope.FULL}))
    if token.scope not in allowed:
        raise exceptions.PermissionDenied(f"This token's scope ({token.scope}) does not allow this request.")


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token header.") from exc
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed("Token has expired.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive.")
        _check_scope(request, token)
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return (token.user, token)

    def authenticate_header(self, request):
        return "Bearer"


class ApiTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents the token scheme in the OpenAPI schema (Swagger's Authorize button)."""

    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "bz_<prefix>_<secret>",
            "description": "Create a token on your settings page; send `Authorization: Bearer <token>`.",
        }
