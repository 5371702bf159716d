"""The emulator: in-memory Stripe objects behind a threaded HTTP server.

Semantics follow Stripe's documentation for the parts Bazaar uses:
- requests are form-encoded, authenticated with `Authorization: Bearer sk_test_…`, and may act
  on a connected account through the `Stripe-Account` header;
- errors are `{"error": {"type", "code", "message", "param"}}` with Stripe's status codes
  (400 invalid request, 401 authentication, 402 card error, 404 resource_missing, 409
  idempotency_key_in_use);
- `Idempotency-Key` on POST: the first executed result (status and body) is saved and replayed
  with `Idempotent-Replayed: true`; the same key with other parameters is an
  `idempotency_error`; requests that fail validation save nothing;
- events are signed (`Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "t.payload")`) and
  delivered to the webhook URL, retried with backoff until a 2xx;
- Checkout Sessions in payment mode create their PaymentIntent when the customer pays
  (API versions since 2022-08-01), carrying `payment_intent_data[transfer_group]`/`[metadata]`;
- test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is a generic decline,
  4000 0000 0000 9995 is declined for insufficient funds (no 3-D Secure here).

Test helpers live under `/_emulator/` (see `_emulator_routes`).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
import os
import re
import secrets
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests

from .forms import decode

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


class Emulator:
    """State and behaviour; `start()` serves it over HTTP in a daemon thread."""

    def __init__(
        self,
        *,
        webhook_url: str | None = None,
        webhook_secret: str = "whsec_emulator",
        host: str = "127.0.0.1",
        port: int = 0,
        retry_delays=DEFAULT_RETRY_DELAYS,
        account_link_ttl: int = 300,
        state_path: str | None = None,
    ):
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.host, self.port = host, port
        self.retry_delays = tuple(retry_delays)
        self.account_link_ttl = account_link_ttl
        self.lock = threading.RLock()
        self.objects: dict[str, dict] = {}
        self.account_of: dict[str, str] = {}  # object id → owning account id
        self.account_links: dict[str, dict] = {}
        self.idempotency: dict[tuple, dict] = {}
        self.failures: list[dict] = []
        self.outbox: list[dict] = []
        self.deliveries: list[dict] = []
        self.requests_log: deque = deque(maxlen=500)
        self._queue: deque = deque()
        self._queue_ready = threading.Condition()
        self._stopping = threading.Event()
        self.server: ThreadingHTTPServer | None = None
        self.state_path = state_path
        self.objects[PLATFORM_ACCOUNT_ID] = self._account_object(
            PLATFORM_ACCOUNT_ID, {"type": "standard", "country": "US", "email": "platform@bazaar.test"}, complete=True
        )

    # --- persistence (demo restarts keep their Stripe objects) -------------------------------
    def _load(self) -> None:
        if not self.state_path or not os.path.exists(self.state_path):
            return
        with open(self.state_path) as handle:
            state = json.load(handle)
        self.objects.update(state.get("objects", {}))
        self.account_of.update(state.get("account_of", {}))

    def _save(self) -> None:
        if not self.state_path:
            return
        with self.lock:
            payload = json.dumps({"objects": self.objects, "account_of": self.account_of})
        temporary = f"{self.state_path}.tmp"
        with open(temporary, "w") as handle:
            handle.write(payload)
        os.replace(temporary, self.state_path)

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Emulator:
        self._load()
        handler = type("Handler", (_Handler,), {"emulator": self})
        self.server = ThreadingHTTPServer((self.host, self.port), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, name="stripe-emulator", daemon=True).start()
        threading.Thread(target=self._deliver_forever, name="stripe-emulator-webhooks", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._queue_ready:
            self._queue_ready.notify_all()
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    # --- objects -----------------------------------------------------------------------------
    def _get(self, object_id: str, kind: str, *, account: str | None = None, param: str = "id") -> dict:
        obj = self.objects.get(object_id)
        if obj is None or obj["object"] != kind or (account and self.account_of.get(object_id, account) != account):
            raise missing(kind, object_id, param)
        return obj

    def _put(self, obj: dict, account: str | None = None) -> dict:
        self.objects[obj["id"]] = obj
        if account:
            self.account_of[obj["id"]] = account
        return obj

    def _account_object(self, account_id: str, params: dict, *, complete: bool = False) -> dict:
        capabilities = params.get("capabilities") or {}
        requested = [
            name
            for name, value in capabilities.items()
            if isinstance(value, dict) and str(value.get("requested")).lower() == "true"
        ] or ["transfers"]
        return {
            "id": account_id,
            "object": "account",
            "type": params.get("type") or "express",
            "country": params.get("country") or "US",
            "email": params.get("email"),
            "default_currency": "usd",
            "created": int(time.time()),
            "livemode": False,
            "business_type": params.get("business_type") or "individual",
            "business_profile": {
                "name": None,
                "url": None,
                "mcc": None,
                "product_description": None,
                "support_email": None,
                "support_phone": None,
                "support_url": None,
            },
            "capabilities": dict.fromkeys(requested, "active" if complete else "inactive"),
            "charges_enabled": complete,
            "payouts_enabled": complete,
            "details_submitted": complete,
            "requirements": self._requirements(complete),
            "future_requirements": self._requirements(True),
            "metadata": _metadata(params),
            "settings": {"payouts": {"schedule": {"interval": "daily"}}},
            "tos_acceptance": {"date": int(time.time()) if complete else None},
            "external_accounts": {
                "object": "list",
                "data": [],
                "has_more": False,
                "url": f"/v1/accounts/{account_id}/external_accounts",
            },
        }

    @staticmethod
    def _requirements(complete: bool) -> dict:
        due = (
            []
            if complete
            else [
                "business_profile.url",
                "external_account",
                "individual.dob.day",
                "individual.first_name",
                "individual.last_name",
                "tos_acceptance.date",
            ]
        )
        return {
            "currently_due": due,
            "eventually_due": list(due),
            "past_due": list(due),
            "pending_verification": [],
            "errors": [],
            "alternatives": [],
            "current_deadline": None,
            "disabled_reason": None if complete else "requirements.past_due",
        }

    def _event(
        self,
        type_: str,
        obj: dict,
        *,
        account: str | None = None,
        request: dict | None = None,
        previous: dict | None = None,
    ) -> dict:
        data = {"object": json.loads(json.dumps(obj))}
        if previous:
            data["previous_attributes"] = previous
        event = {
            "id": _new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "type": type_,
            "request": request or {"id": None, "idempotency_key": None},
        }
        if account and account != PLATFORM_ACCOUNT_ID:
            event["account"] = account
        self._put(event)
        self._enqueue(event)
        return event

    # --- webhooks ----------------------------------------------------------------------------
    def _enqueue(self, event: dict) -> None:
        payload = json.dumps(event, separators=(",", ":"))
        if not self.webhook_url:
            self.outbox.append({"event_id": event["id"], "type": event["type"], "payload": payload})
            return
        with self._queue_ready:
            self._queue.append({"event_id": event["id"], "payload": payload, "attempt": 0, "due": time.monotonic()})
            self._queue_ready.notify()

    def _deliver_forever(self) -> None:
        session = requests.Session()
        while not self._stopping.is_set():
            with self._queue_ready:
                now = time.monotonic()
                ready = [item for item in self._queue if item["due"] <= now]
                if not ready:
                    wait = min((item["due"] - now for item in self._queue), default=1.0)
                    self._queue_ready.wait(timeout=max(0.05, min(wait, 1.0)))
                    continue
                item = ready[0]
                self._queue.remove(item)
            self._deliver(session, item)

    def _deliver(self, session: requests.Session, item: dict) -> None:
        url = self.webhook_url
        item["attempt"] += 1
        status, error = None, ""
        try:
            response = session.post(
                url,
                data=item["payload"].encode(),
                timeout=10,
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "Stripe-Signature": sign_payload(item["payload"], self.webhook_secret),
                    "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                },
            )
            status = response.status_code
        except requests.RequestException as exc:
            error = str(exc)
        with self.lock:
            self.deliveries.append(
                {"event_id": item["event_id"], "attempt": item["attempt"], "status": status, "error": error, "url": url}
            )
        if status is not None and 200 <= status < 300:
            return
        if item["attempt"] > len(self.retry_delays):
            logger.warning("Giving up on %s after %s attempts", item["event_id"], item["attempt"])
            return
        item["due"] = time.monotonic() + self.retry_delays[item["attempt"] - 1]
        with self._queue_ready:
            self._queue.append(item)
            self._queue_ready.notify()

    # --- request dispatch --------------------------------------------------------------------
    def handle_api(self, method: str, path: str, params: dict, headers: dict) -> tuple[int, dict, dict]:
        """Returns (status, body, extra headers) for a /v1/ request."""
        auth = headers.get("authorization", "")
        api_key = auth[7:] if auth.lower().startswith("bearer ") else ""
        if not re.fullmatch(r"(sk|rk)_test_[A-Za-z0-9]{8,}", api_key):
            message = "You did not provide an API key." if not api_key else f"Invalid API Key provided: {api_key[:12]}…"
            return 401, StripeError(401, "invalid_request_error", message).body(), {}
        account = headers.get("stripe-account") or None
        if account and account not in self.objects:
            error = StripeError(
                403,
                "invalid_request_error",
                f"The provided key does not have access to account '{account}' (or that account does not "
                "exist). Application access may have been revoked.",
                code="account_invalid",
            )
            return 403, error.body(), {}
        key = headers.get("idempotency-key") if method == "POST" else None
        request_id = _new_id("req")
        fingerprint = json.dumps(params, sort_keys=True)
        scope = (api_key, account, key)
        if key:
            with self.lock:
                saved = self.idempotency.get(scope)
                if saved and saved["state"] == "done":
                    if saved["fingerprint"] != fingerprint or saved["path"] != (method, path):
                        error = StripeError(
                            400,
                            "idempotency_error",
                            "Keys for idempotent requests can only be used with the same parameters they were "
                            f"first used with. Try using a key other than '{key}' if you meant to execute a "
                            "different request.",
                        )
                        return 400, error.body(), {"Request-Id": request_id}
                    return (
                        saved["status"],
                        saved["body"],
                        {
                            "Idempotent-Replayed": "true",
                            "Original-Request": saved["request_id"],
                            "Request-Id": request_id,
                        },
                    )
                if saved and saved["state"] == "running":
                    error = StripeError(
                        409,
                        "idempotency_error",
                        "There is currently another in-progress request using this Stripe token "
                        "(probably means you are making multiple requests at once). Please try "
                        "again later.",
                        code="idempotency_key_in_use",
                    )
                    return 409, error.body(), {"Request-Id": request_id}
                self.idempotency[scope] = {"state": "running"}
        context = {"account": account, "request": {"id": request_id, "idempotency_key": key}}
        try:
            with self.lock:
                status, body = 200, self._route(method, path, params, context)
            save = True
        except StripeError as error:
            status, body, save = error.status, error.body(), error.saved
        if key:
            with self.lock:
                if save:
                    self.idempotency[scope] = {
                        "state": "done",
                        "fingerprint": fingerprint,
                        "path": (method, path),
                        "status": status,
                        "body": body,
                        "request_id": request_id,
                    }
                else:
                    self.idempotency.pop(scope, None)
        return status, body, {"Request-Id": request_id}

    def _route(self, method: str, path: str, params: dict, context: dict) -> dict:
        for route_method, pattern, handler in _API_ROUTES:
            if route_method == method:
                match = re.fullmatch(pattern, path)
                if match:
                    result = handler(self, params, context, *match.groups())
                    return self._expand(result, params.get("expand") or [])
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _expand(self, obj: dict, paths: list[str]) -> dict:
        obj = json.loads(json.dumps(obj))
        for path in paths:
            parts = path.split(".")
            targets = obj["data"] if obj.get("object") == "list" and parts[0] == "data" else [obj]
            if obj.get("object") == "list" and parts[0] == "data":
                parts = parts[1:]
            for target in targets:
                self._expand_path(target, parts)
        return obj

    def _expand_path(self, node: dict, parts: list[str]) -> None:
        if not parts or not isinstance(node, dict):
            return
        value = node.get(parts[0])
        if isinstance(value, str) and value in self.objects:
            value = node[parts[0]] = json.loads(json.dumps(self.objects[value]))
        if isinstance(value, dict):
            self._expand_path(value, parts[1:])

    # --- accounts ----------------------------------------------------------------------------
    def account_retrieve_self(self, params, context):
        return self._get(context["account"] or PLATFORM_ACCOUNT_ID, "account")

    def account_create(self, params, context):
        if params.get("type") not in ("express", "standard", "custom", None) and not params.get("controller"):
            raise StripeError(400, "invalid_request_error", f"Invalid type: {params.get('type')}", param="type")
        account = self._put(self._account_object(_new_id("acct")[:21], params))
        self._event("account.updated", account, account=account["id"], request=context["request"])
        return account

    def account_retrieve(self, params, context, account_id):
        return self._get(account_id, "account", param="account")

    def account_update(self, params, context, account_id):
        account = self._get(account_id, "account", param="account")
        previous = {"metadata": dict(account["metadata"])}
        account["metadata"] = _metadata(params, account["metadata"])
        for field in ("email", "default_currency"):
            if field in params:
                previous[field] = account.get(field)
                account[field] = params[field]
        if isinstance(params.get("business_profile"), dict):
            account["business_profile"].update(params["business_profile"])
        self._event("account.updated", account, account=account_id, request=context["request"], previous=previous)
        return account

    def account_list(self, params, context):
        rows = [obj for obj in self.objects.values() if obj["object"] == "account" and obj["id"] != PLATFORM_ACCOUNT_ID]
        return _listing("/v1/accounts", rows, params)

    def complete_onboarding(self, account_id: str) -> dict:
        with self.lock:
            account = self._get(account_id, "account", param="account")
            if account["details_submitted"] and account["payouts_enabled"]:
                return account
            previous = {
                "charges_enabled": account["charges_enabled"],
                "payouts_enabled": account["payouts_enabled"],
                "details_submitted": account["details_submitted"],
            }
            account.update(
                charges_enabled=True,
                payouts_enabled=True,
                details_submitted=True,
                requirements=self._requirements(True),
            )
            account["capabilities"] = dict.fromkeys(account["capabilities"], "active")
            account["tos_acceptance"]["date"] = int(time.time())
            self._event("account.updated", account, account=account_id, previous=previous)
            return account

    def account_link_create(self, params, context):
        account = self._get(_required(params, "account"), "account", param="account")
        link_type = _required(params, "type")
        if link_type not in ("account_onboarding", "account_update"):
            raise StripeError(400, "invalid_request_error", f"Invalid type: {link_type}", param="type")
        refresh_url = _required(params, "refresh_url")
        return_url = _required(params, "return_url")
        token = secrets.token_urlsafe(16)
        now = int(time.time())
        self.account_links[token] = {
            "account": account["id"],
            "refresh_url": refresh_url,
            "return_url": return_url,
            "expires_at": now + self.account_link_ttl,
            "visited": False,
        }
        return {
            "object": "account_link",
            "created": now,
            "expires_at": now + self.account_link_ttl,
            "url": f"{self.base_url}/setup/e/{token}",
        }

    # --- checkout, payments ------------------------------------------------------------------
    def checkout_session_create(self, params, context):
        if params.get("mode") != "payment":
            raise StripeError(400, "invalid_request_error", "This emulator supports mode=payment only.", param="mode")
        success_url = _required(params, "success_url")
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            raise StripeError(
                400,
                "invalid_request_error",
                "Missing required param: line_items.",
                code="parameter_missing",
                param="line_items",
            )
        total, currency = 0, None
        for index, item in enumerate(items):
            price = item.get("price_data") or {}
            item_currency = (price.get("currency") or "").lower()
            if not item_currency:
                raise StripeError(
                    400,
                    "invalid_request_error",
                    "Missing required param: currency.",
                    code="parameter_missing",
                    param=f"line_items[{index}][price_data][currency]",
                )
            if currency and item_currency != currency:
                raise StripeError(400, "invalid_request_error", "All line items must use the same currency.")
            currency = item_currency
            amount = _int(price, "unit_amount", minimum=0)
            quantity = _int(item, "quantity", minimum=1)
            total += amount * quantity
        minimum = 50 if currency not in ZERO_DECIMAL else 1
        if total < minimum:
            raise StripeError(
                400,
                "invalid_request_error",
                "The Checkout Session's total amount due must add up to at least $0.50 usd",
                param="line_items",
            )
        now = int(time.time())
        expires_at = _int(params, "expires_at", required=False) or now + 24 * 3600
        if not now + 30 * 60 <= expires_at <= now + 24 * 3600 + 60:
            raise StripeError(
                400,
                "invalid_request_error",
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
                param="expires_at",
            )
        session_id = "cs_test_" + secrets.token_hex(20)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "status": "open",
            "payment_status": "unpaid",
            "amount_subtotal": total,
            "amount_total": total,
            "currency": currency,
            "success_url": success_url,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "customer": None,
            "customer_email": params.get("customer_email"),
            "customer_details": None,
            "metadata": _metadata(params),
            "payment_intent": None,
            "created": now,
            "expires_at": expires_at,
            "livemode": False,
            "locale": None,
            "payment_method_types": ["card"],
            "submit_type": None,
            "url": f"{self.base_url}/c/pay/{session_id}",
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "_line_items": items,
            "_payment_intent_data": params.get("payment_intent_data") or {},
        }
        self._put(session, context["account"])
        return self._public(session)

    @staticmethod
    def _public(obj: dict) -> dict:
        return {key: value for key, value in obj.items() if not key.startswith("_")}

    def checkout_session_retrieve(self, params, context, session_id):
        return self._public(self._get(session_id, "checkout.session", account=context["account"]))

    def checkout_session_list(self, params, context):
        rows = [
            self._public(obj)
            for obj in self.objects.values()
            if obj["object"] == "checkout.session"
            and (not params.get("payment_intent") or obj["payment_intent"] == params["payment_intent"])
        ]
        return _listing("/v1/checkout/sessions", rows, params)

    def checkout_session_expire(self, params, context, session_id):
        session = self._get(session_id, "checkout.session", account=context["account"])
        if session["status"] != "open":
            raise StripeError(
                400,
                "invalid_request_error",
                f'Only Checkout Sessions with a status in ["open"] can '
                f'be expired. This Checkout Session has a status of "{session["status"]}".',
            )
        session["status"] = "expired"
        if session["payment_intent"]:
            intent = self.objects[session["payment_intent"]]
            intent["status"] = "canceled"
            intent["canceled_at"] = int(time.time())
        self._event("checkout.session.expired", self._public(session), request=context["request"])
        return self._public(session)

    def pay(self, session_id: str, card: str) -> dict:
        """What the hosted page does on submit. Returns {session, payment_intent, error}."""
        card = re.sub(r"\D", "", card or "")
        with self.lock:
            session = self._get(session_id, "checkout.session")
            if session["status"] != "open":
                raise StripeError(400, "invalid_request_error", f"This Checkout Session is {session['status']}.")
            if session["expires_at"] <= time.time():
                session["status"] = "expired"
                self._event("checkout.session.expired", self._public(session))
                raise StripeError(400, "invalid_request_error", "This Checkout Session has expired.")
            if len(card) < 12 or (card not in CARD_OUTCOMES and not self._luhn(card)):
                return {
                    "session": self._public(session),
                    "payment_intent": None,
                    "error": {"code": "incorrect_number", "message": "Your card number is incorrect."},
                }
            intent = self._intent_for(session)
            charge = self._charge(intent, card)
            outcome = CARD_OUTCOMES.get(card)
            if outcome:
                code, decline_code, message = outcome
                error = {
                    "type": "card_error",
                    "code": code,
                    "decline_code": decline_code,
                    "message": message,
                    "charge": charge["id"],
                }
                intent.update(status="requires_payment_method", last_payment_error=error, latest_charge=charge["id"])
                self._event("charge.failed", charge)
                self._event("payment_intent.payment_failed", intent)
                return {"session": self._public(session), "payment_intent": intent, "error": error}
            intent.update(
                status="succeeded",
                last_payment_error=None,
                latest_charge=charge["id"],
                amount_received=intent["amount"],
            )
            session.update(
                status="complete",
                payment_status="paid",
                customer_details={
                    "email": session.get("customer_email"),
                    "name": None,
                    "phone": None,
                    "address": None,
                    "tax_exempt": "none",
                    "tax_ids": [],
                },
            )
            self._event("charge.succeeded", charge)
            self._event("payment_intent.succeeded", intent)
            self._event("checkout.session.completed", self._public(session))
            return {"session": self._public(session), "payment_intent": intent, "error": None}

    @staticmethod
    def _luhn(number: str) -> bool:
        digits = [int(d) for d in number][::-1]
        total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
        return total % 10 == 0

    def _intent_for(self, session: dict) -> dict:
        if session["payment_intent"]:
            return self.objects[session["payment_intent"]]
        data = session["_payment_intent_data"]
        now = int(time.time())
        intent = {
            "id": _new_id("pi"),
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_capturable": 0,
            "amount_received": 0,
            "currency": session["currency"],
            "status": "requires_payment_method",
            "capture_method": data.get("capture_method") or "automatic",
            "confirmation_method": "automatic",
            "created": now,
            "customer": None,
            "description": data.get("description"),
            "latest_charge": None,
            "last_payment_error": None,
            "livemode": False,
            "metadata": _metadata(data),
            "payment_method": None,
            "payment_method_types": ["card"],
            "receipt_email": None,
            "transfer_group": data.get("transfer_group"),
            "on_behalf_of": None,
            "transfer_data": None,
            "canceled_at": None,
            "cancellation_reason": None,
            "client_secret": f"pi_secret_{secrets.token_hex(8)}",
            "next_action": None,
            "setup_future_usage": None,
            "shipping": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "payment_method_options": {},
            "application": None,
            "application_fee_amount": None,
        }
        session["payment_intent"] = intent["id"]
        self._put(intent)
        self._event("payment_intent.created", intent)
        return intent

    def _charge(self, intent: dict, card: str) -> dict:
        outcome = CARD_OUTCOMES.get(card)
        succeeded = outcome is None
        now = int(time.time())
        charge = {
            "id": _new_id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"] if succeeded else 0,
            "amount_refunded": 0,
            "balance_transaction": None,
            "captured": succeeded,
            "created": now,
            "currency": intent["currency"],
            "customer": None,
            "description": intent.get("description"),
            "disputed": False,
            "failure_code": outcome[0] if outcome else None,
            "failure_message": outcome[2] if outcome else None,
            "fraud_details": {},
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "outcome": {
                "network_status": "approved_by_network" if succeeded else "declined_by_network",
                "reason": outcome[1] if outcome else None,
                "risk_level": "normal",
                "risk_score": 20,
                "seller_message": "Payment complete."
                if succeeded
                else "The bank did not return any further details with this decline.",
                "type": "authorized" if succeeded else "issuer_declined",
            },
            "paid": succeeded,
            "payment_intent": intent["id"],
            "payment_method": None,
            "payment_method_details": {
                "type": "card",
                "card": {
                    "brand": CARD_BRANDS.get(card[0], "unknown"),
                    "last4": card[-4:],
                    "exp_month": 12,
                    "exp_year": 2034,
                    "country": "US",
                    "funding": "credit",
                },
            },
            "billing_details": {"address": None, "email": None, "name": None, "phone": None},
            "receipt_email": None,
            "receipt_url": None,
            "refunded": False,
            "refunds": {"object": "list", "data": [], "has_more": False, "url": "/v1/refunds"},
            "source_transfer": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": "succeeded" if succeeded else "failed",
            "transfer_group": intent.get("transfer_group"),
            "transfer_data": None,
            "on_behalf_of": None,
            "application": None,
            "application_fee": None,
            "application_fee_amount": None,
            "dispute": None,
            "invoice": None,
            "review": None,
            "shipping": None,
            "calculated_statement_descriptor": "BAZAAR",
            "source": None,
        }
        if succeeded:
            fee = 0 if intent["currency"] in ZERO_DECIMAL else (intent["amount"] * 29 + 500) // 1000 + 30
            charge["balance_transaction"] = self._balance_transaction(
                intent["amount"], intent["currency"], "charge", charge["id"], fee=fee
            )["id"]
        self._put(charge)
        return charge

    def _balance_transaction(
        self, amount: int, currency: str, type_: str, source: str, *, fee: int = 0, account: str | None = None
    ) -> dict:
        now = int(time.time())
        txn = {
            "id": _new_id("txn"),
            "object": "balance_transaction",
            "amount": amount,
            "currency": currency,
            "fee": fee,
            "net": amount - fee,
            "type": type_,
            "source": source,
            "status": "available",
            "available_on": now,
            "created": now,
            "description": None,
            "exchange_rate": None,
            "reporting_category": type_,
            "fee_details": [
                {
                    "amount": fee,
                    "currency": currency,
                    "type": "stripe_fee",
                    "description": "Stripe processing fees",
                    "application": None,
                }
            ]
            if fee
            else [],
        }
        return self._put(txn, account)

    def payment_intent_retrieve(self, params, context, intent_id):
        return self._get(intent_id, "payment_intent", account=context["account"])

    def charge_retrieve(self, params, context, charge_id):
        return self._get(charge_id, "charge", account=context["account"])

    def balance_transaction_retrieve(self, params, context, txn_id):
        return self._get(txn_id, "balance_transaction", account=context["account"])

    # --- transfers, refunds ------------------------------------------------------------------
    def transfer_create(self, params, context):
        amount = _int(params, "amount", minimum=1)
        currency = _required(params, "currency").lower()
        destination = self._get(_required(params, "destination"), "account", param="destination")
        if destination["capabilities"].get("transfers") != "active":
            raise StripeError(
                400,
                "invalid_request_error",
                "Your destination account needs to have at least one of "
                "the following capabilities enabled: transfers, crypto_transfers, legacy_payments",
                code="insufficient_capabilities_for_transfer",
                param="destination",
            )
        source = params.get("source_transaction")
        if source:
            charge = self._get(source, "charge", param="source_transaction")
            used = sum(
                t["amount"]
                for t in self.objects.values()
                if t["object"] == "transfer" and t.get("source_transaction") == source
            )
            if charge["status"] != "succeeded" or used + amount > charge["amount"] - charge["amount_refunded"]:
                raise StripeError(
                    400,
                    "invalid_request_error",
                    "The amount exceeds the amount available to transfer from the source transaction.",
                    param="amount",
                )
            if charge["currency"] != currency:
                raise StripeError(
                    400,
                    "invalid_request_error",
                    "The currency of source_transaction's balance transaction does not match the transfer currency.",
                    param="currency",
                )
        now = int(time.time())
        transfer = {
            "id": _new_id("tr"),
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "currency": currency,
            "created": now,
            "description": params.get("description"),
            "destination": destination["id"],
            "destination_payment": _new_id("py"),
            "livemode": False,
            "metadata": _metadata(params),
            "reversals": {"object": "list", "data": [], "has_more": False, "url": "/v1/transfers/reversals"},
            "reversed": False,
            "source_transaction": source,
            "source_type": "card",
            "transfer_group": params.get("transfer_group"),
            "balance_transaction": None,
        }
        transfer["balance_transaction"] = self._balance_transaction(-amount, currency, "transfer", transfer["id"])["id"]
        self._put(transfer)
        self._event("transfer.created", transfer, request=context["request"])
        return transfer

    def transfer_retrieve(self, params, context, transfer_id):
        return self._get(transfer_id, "transfer")

    def transfer_reversal_create(self, params, context, transfer_id):
        transfer = self._get(transfer_id, "transfer")
        remaining = transfer["amount"] - transfer["amount_reversed"]
        amount = _int(params, "amount", required=False, minimum=1) or remaining
        if amount > remaining:
            raise StripeError(
                400,
                "invalid_request_error",
                "Transfer reversal amount exceeds the remaining transfer amount.",
                param="amount",
            )
        reversal = {
            "id": _new_id("trr"),
            "object": "transfer_reversal",
            "amount": amount,
            "currency": transfer["currency"],
            "created": int(time.time()),
            "transfer": transfer_id,
            "metadata": _metadata(params),
            "destination_payment_refund": None,
            "source_refund": None,
        }
        reversal["balance_transaction"] = self._balance_transaction(
            amount, transfer["currency"], "transfer_reversal", reversal["id"]
        )["id"]
        self._put(reversal)
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
        transfer["reversals"]["data"].insert(0, reversal)
        self._event("transfer.reversed", transfer, request=context["request"])
        return reversal

    def refund_create(self, params, context):
        if params.get("payment_intent"):
            intent = self._get(params["payment_intent"], "payment_intent", param="payment_intent")
            if not intent["latest_charge"] or intent["status"] != "succeeded":
                raise StripeError(
                    400,
                    "invalid_request_error",
                    f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                    code="charge_not_refundable",
                )
            charge = self.objects[intent["latest_charge"]]
        else:
            charge = self._get(_required(params, "charge"), "charge", param="charge")
        remaining = charge["amount"] - charge["amount_refunded"]
        amount = _int(params, "amount", required=False, minimum=1) or remaining
        if remaining <= 0:
            raise StripeError(
                400,
                "invalid_request_error",
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        if amount > remaining:
            raise StripeError(
                400,
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
                param="amount",
            )
        refund = {
            "id": _new_id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "currency": charge["currency"],
            "created": int(time.time()),
            "metadata": _metadata(params),
            "payment_intent": charge["payment_intent"],
            "reason": params.get("reason"),
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
            "destination_details": {"type": "card", "card": {"type": "refund"}},
        }
        refund["balance_transaction"] = self._balance_transaction(-amount, charge["currency"], "refund", refund["id"])[
            "id"
        ]
        self._put(refund)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, refund)
        self._event("charge.refunded", charge, request=context["request"])
        return refund

    def refund_retrieve(self, params, context, refund_id):
        return self._get(refund_id, "refund")

    # --- events ------------------------------------------------------------------------------
    def event_retrieve(self, params, context, event_id):
        return self._get(event_id, "event")

    def event_list(self, params, context):
        rows = [
            obj
            for obj in self.objects.values()
            if obj["object"] == "event" and (not params.get("type") or obj["type"] == params["type"])
        ]
        return _listing("/v1/events", rows, params)

    # --- /_emulator/ helpers -----------------------------------------------------------------
    def handle_helper(self, method: str, path: str, body: dict) -> tuple[int, dict]:
        try:
            if method == "POST" and (match := re.fullmatch(r"/_emulator/accounts/([^/]+)/complete-onboarding", path)):
                return 200, self.complete_onboarding(match.group(1))
            if method == "POST" and (match := re.fullmatch(r"/_emulator/checkout/sessions/([^/]+)/pay", path)):
                return 200, self.pay(match.group(1), str(body.get("card") or "4242424242424242"))
            if method == "POST" and path == "/_emulator/fail-next":
                status = body.get("status")
                if status not in (500, "500", "timeout"):
                    return 400, {"error": {"message": 'status must be 500 or "timeout"'}}
                with self.lock:
                    self.failures.append(
                        {
                            "status": "timeout" if status == "timeout" else 500,
                            "path": body.get("path") or "",
                            "delay": float(body.get("delay") or 0),
                        }
                    )
                return 200, {"queued": len(self.failures)}
            if method == "POST" and path == "/_emulator/config":
                if "webhook_url" in body:
                    self.webhook_url = body["webhook_url"] or None
                return 200, {"webhook_url": self.webhook_url}
            if method == "GET" and path == "/_emulator/outbox":
                with self.lock:
                    drained, self.outbox = self.outbox, []
                return 200, {"data": drained}
            if method == "GET" and path == "/_emulator/deliveries":
                with self.lock:
                    return 200, {"data": list(self.deliveries)}
            if method == "GET" and path == "/_emulator/objects":
                kind = (body.get("object") or [""])[0]
                with self.lock:
                    rows = [self._public(obj) for obj in self.objects.values() if not kind or obj["object"] == kind]
                return 200, {"data": rows}
        except StripeError as error:
            return error.status, error.body()
        return 404, {"error": {"message": f"Unknown emulator helper {method} {path}"}}

    def take_failure(self, path: str) -> dict | None:
        with self.lock:
            for failure in self.failures:
                if path.startswith(failure["path"]):
                    self.failures.remove(failure)
                    return failure
        return None


def _api(method: str, pattern: str, name: str):
    return (method, pattern, lambda emulator, *args: getattr(emulator, name)(*args))


_ID = r"([A-Za-z0-9_]+)"
_API_ROUTES = [
    _api("GET", r"/v1/account", "account_retrieve_self"),
    _api("POST", r"/v1/accounts", "account_create"),
    _api("GET", r"/v1/accounts", "account_list"),
    _api("GET", rf"/v1/accounts/{_ID}", "account_retrieve"),
    _api("POST", rf"/v1/accounts/{_ID}", "account_update"),
    _api("POST", r"/v1/account_links", "account_link_create"),
    _api("POST", r"/v1/checkout/sessions", "checkout_session_create"),
    _api("GET", r"/v1/checkout/sessions", "checkout_session_list"),
    _api("GET", rf"/v1/checkout/sessions/{_ID}", "checkout_session_retrieve"),
    _api("POST", rf"/v1/checkout/sessions/{_ID}/expire", "checkout_session_expire"),
    _api("GET", rf"/v1/payment_intents/{_ID}", "payment_intent_retrieve"),
    _api("GET", rf"/v1/charges/{_ID}", "charge_retrieve"),
    _api("GET", rf"/v1/balance_transactions/{_ID}", "balance_transaction_retrieve"),
    _api("POST", r"/v1/transfers", "transfer_create"),
    _api("GET", rf"/v1/transfers/{_ID}", "transfer_retrieve"),
    _api("POST", rf"/v1/transfers/{_ID}/reversals", "transfer_reversal_create"),
    _api("POST", r"/v1/refunds", "refund_create"),
    _api("GET", rf"/v1/refunds/{_ID}", "refund_retrieve"),
    _api("GET", rf"/v1/events/{_ID}", "event_retrieve"),
    _api("GET", r"/v1/events", "event_list"),
]


class _Handler(BaseHTTPRequestHandler):
    emulator: Emulator
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def log_message(self, format, *args):
        logger.debug("%s - %s", self.address_string(), format % args)

    def _body(self) -> str:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode() if length else ""

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, body: dict, headers: dict | None = None) -> None:
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _redirect(self, url: str) -> None:
        self._send(303, b"", "text/html", {"Location": url})

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        path, query = split.path.rstrip("/") or "/", split.query
        raw = self._body()
        headers = {name.lower(): value for name, value in self.headers.items()}
        emulator = self.emulator
        emulator.requests_log.append(
            {
                "method": method,
                "path": path,
                "query": query,
                "idempotency_key": headers.get("idempotency-key"),
                "stripe_account": headers.get("stripe-account"),
            }
        )
        if path.startswith("/_emulator/"):
            body = json.loads(raw or "{}") if "json" in headers.get("content-type", "") else decode(query or raw)
            status, payload = emulator.handle_helper(method, path, body if method == "POST" else decode(query))
            if method == "POST":
                emulator._save()
            return self._json(status, payload)
        if path.startswith("/v1/"):
            failure = emulator.take_failure(path)
            if failure and failure["status"] == 500:
                error = StripeError(500, "api_error", "An unknown error occurred (injected by the emulator).")
                return self._json(500, error.body(), {"Stripe-Should-Retry": "true"})
            try:
                params = decode(query if method == "GET" else raw)
            except ValueError as exc:
                return self._json(400, StripeError(400, "invalid_request_error", str(exc)).body())
            status, body, extra = emulator.handle_api(method, path, params, headers)
            if method == "POST":
                emulator._save()
            if failure:  # "timeout": the work is done, the answer never arrives
                time.sleep(failure["delay"])
                self.close_connection = True
                self.connection.shutdown(2)
                return None
            extra["Stripe-Version"] = headers.get("stripe-version") or API_VERSION
            return self._json(status, body, extra)
        if match := re.fullmatch(r"/setup/e/([A-Za-z0-9_-]+)", path):
            self._onboarding(method, match.group(1), decode(raw))
            return emulator._save() if method == "POST" else None
        if match := re.fullmatch(r"/c/pay/([A-Za-z0-9_]+)", path):
            self._checkout(method, match.group(1), decode(raw))
            return emulator._save() if method == "POST" else None
        return self._json(
            404,
            {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({method}: {path})."}},
        )

    # --- hosted pages ------------------------------------------------------------------------
    def _page(self, status: int, title: str, content: str) -> None:
        body = (
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<title>{html.escape(title)} · Stripe emulator</title>"
            "<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;"
            "color:#1a1f36}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;font-size:1rem;"
            "box-sizing:border-box}button{margin-top:1rem;padding:.6rem 1rem;font-size:1rem;background:#533afd;"
            "color:#fff;border:0;border-radius:4px}.error{color:#b3093c}.note{color:#555;font-size:.9rem}</style>"
            f"</head><body><p class=note>Stripe emulator — test mode, no real money.</p><main>{content}</main>"
            "</body></html>"
        ).encode()
        self._send(status, body, "text/html; charset=utf-8")

    def _onboarding(self, method: str, token: str, form: dict) -> None:
        emulator = self.emulator
        with emulator.lock:
            link = emulator.account_links.get(token)
        if link is None:
            return self._page(404, "Link not found", "<h1>This link is not valid.</h1>")
        if method == "GET":
            # Account Links are single-use and short-lived: a revisit or a late visit goes to refresh_url.
            if link["visited"] or link["expires_at"] <= time.time():
                return self._redirect(link["refresh_url"])
            link["visited"] = True
            link["form_token"] = secrets.token_urlsafe(12)
            account = html.escape(link["account"])
            return self._page(
                200,
                "Set up payouts",
                (
                    f"<h1>Set up payouts</h1><p>Account <code>{account}</code>. The emulator fills in test identity "
                    "and bank details for you.</p>"
                    f"<form method=post><input type=hidden name=form_token value='{link['form_token']}'>"
                    "<label for=name>Legal name</label><input id=name name=name value='Test Person' required>"
                    "<button type=submit>Agree and submit</button></form>"
                ),
            )
        if form.get("form_token") != link.get("form_token") or link.get("done"):
            return self._redirect(link["refresh_url"])
        link["done"] = True
        emulator.complete_onboarding(link["account"])
        return self._redirect(link["return_url"])

    def _checkout(self, method: str, session_id: str, form: dict) -> None:
        emulator = self.emulator
        try:
            with emulator.lock:
                session = emulator._get(session_id, "checkout.session")
        except StripeError:
            return self._page(404, "Not found", "<h1>This checkout page does not exist.</h1>")
        error_html, status = "", 200
        if method == "POST" and session["status"] == "open":
            try:
                result = emulator.pay(session_id, form.get("card", ""))
            except StripeError as error:
                result = {"error": {"message": error.message}}
            if not result["error"]:
                return self._redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id))
            error_html = f"<p class=error role=alert>{html.escape(result['error']['message'])}</p>"
            status = 402
        if session["status"] == "complete":
            return self._page(200, "Paid", "<h1>This payment is complete.</h1>")
        if session["status"] == "expired" or session["expires_at"] <= time.time():
            return self._page(410, "Expired", "<h1>This checkout session has expired.</h1>")
        currency = session["currency"]
        exponent = 0 if currency in ZERO_DECIMAL else 2
        amount = session["amount_total"] / (10**exponent)
        names = ", ".join(
            html.escape(item.get("price_data", {}).get("product_data", {}).get("name", "Item"))
            for item in session["_line_items"]
        )
        cancel = (
            f"<p><a href='{html.escape(session['cancel_url'])}'>Cancel and go back</a></p>"
            if session.get("cancel_url")
            else ""
        )
        self._page(
            status,
            "Pay",
            (
                f"<h1>Pay {amount:,.{exponent}f} {currency.upper()}</h1><p>{names}</p>{error_html}"
                "<form method=post><label for=card>Card number</label>"
                "<input id=card name=card inputmode=numeric autocomplete=cc-number value='' required>"
                "<p class=note>Test cards: 4242 4242 4242 4242 succeeds; 4000 0000 0000 0002 is declined; "
                "4000 0000 0000 9995 has insufficient funds.</p>"
                f"<button type=submit>Pay {amount:,.{exponent}f} {currency.upper()}</button></form>{cancel}"
            ),
        )
