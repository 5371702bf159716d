"""Stripe's wire format: ids, parameters, list envelopes, errors, webhook signatures."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time

logger = logging.getLogger("stripe_emulator")

API_VERSION = "2026-08-26.dahlia"
PLATFORM_ACCOUNT_ID = "acct_1BazaarPlatform00"

CARD_OUTCOMES = {
    "4242424242424242": None,
    "5555555555554444": None,
    "4000000000000002": ("card_declined", "generic_decline", "Your card was declined."),
    "4000000000009995": ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
}
CARD_BRANDS = {"4": "visa", "5": "mastercard", "3": "amex"}
ZERO_DECIMAL = {"jpy", "krw", "vnd", "clp", "isk", "ugx", "xaf", "xof"}
DEFAULT_RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0)


class StripeError(Exception):
    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        extra: dict | None = None,
        saved: bool = False,
    ):
        super().__init__(message)
        self.status, self.type, self.message, self.code, self.param = status, type_, message, code, param
        self.extra = extra or {}
        # Stripe saves the idempotent result once the endpoint began executing (e.g. a card
        # error); validation errors are not saved.
        self.saved = saved

    def body(self) -> dict:
        error = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}


def missing(kind: str, object_id: str, param: str = "id") -> StripeError:
    return StripeError(
        404, "invalid_request_error", f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def sign_payload(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header value for `payload`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _int(params: dict, name: str, *, required: bool = True, minimum: int = 0) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        if required:
            raise StripeError(
                400, "invalid_request_error", f"Missing required param: {name}.", code="parameter_missing", param=name
            )
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise StripeError(
            400, "invalid_request_error", f"Invalid integer: {value}", code="parameter_invalid_integer", param=name
        ) from None
    if number < minimum:
        raise StripeError(
            400,
            "invalid_request_error",
            f"This value must be greater than or equal to {minimum}.",
            code="parameter_invalid_integer",
            param=name,
        )
    return number


def _required(params: dict, name: str) -> str:
    value = params.get(name)
    if value in (None, ""):
        raise StripeError(
            400, "invalid_request_error", f"Missing required param: {name}.", code="parameter_missing", param=name
        )
    return value


def _metadata(params: dict, current: dict | None = None) -> dict:
    metadata = dict(current or {})
    new = params.get("metadata")
    if new == "":
        return {}
    if isinstance(new, dict):
        for key, value in new.items():
            if value == "":
                metadata.pop(key, None)
            else:
                metadata[key] = str(value)
    return metadata


def _listing(url: str, rows: list[dict], params: dict) -> dict:
    limit = _int(params, "limit", required=False, minimum=1) or 10
    rows = list(reversed(rows))  # objects are stored in creation order: newest first, as Stripe lists
    starting_after = params.get("starting_after")
    if starting_after:
        ids = [row["id"] for row in rows]
        rows = rows[ids.index(starting_after) + 1 :] if starting_after in ids else []
    return {"object": "list", "url": url, "has_more": len(rows) > limit, "data": rows[:limit]}
