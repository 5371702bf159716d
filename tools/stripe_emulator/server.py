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

import json
import logging
import os
import re
import threading
import time
from collections import deque
from http.server import ThreadingHTTPServer

import requests

from .accounts import AccountsMixin
from .pages import Handler
from .payments import PaymentsMixin
from .transfers import TransfersMixin
from .wire import (
    API_VERSION,
    DEFAULT_RETRY_DELAYS,
    PLATFORM_ACCOUNT_ID,
    StripeError,
    _listing,
    _new_id,
    missing,
    sign_payload,
)

logger = logging.getLogger("stripe_emulator")

__all__ = ["Emulator", "StripeError", "sign_payload"]


class Emulator(AccountsMixin, PaymentsMixin, TransfersMixin):
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
        handler = type("Handler", (Handler,), {"emulator": self})
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
            if method == "POST" and (match := re.fullmatch(r"/_emulator/charges/([^/]+)/dispute", path)):
                amount = body.get("amount")
                return 200, self.dispute_create(
                    match.group(1), amount=int(amount) if amount else None, reason=body.get("reason") or "fraudulent"
                )
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
    _api("GET", r"/v1/transfers", "transfer_list"),
    _api("GET", rf"/v1/transfers/{_ID}", "transfer_retrieve"),
    _api("POST", rf"/v1/transfers/{_ID}/reversals", "transfer_reversal_create"),
    _api("POST", r"/v1/refunds", "refund_create"),
    _api("GET", r"/v1/refunds", "refund_list"),
    _api("GET", rf"/v1/disputes/{_ID}", "dispute_retrieve"),
    _api("GET", r"/v1/disputes", "dispute_list"),
    _api("GET", rf"/v1/refunds/{_ID}", "refund_retrieve"),
    _api("GET", rf"/v1/events/{_ID}", "event_retrieve"),
    _api("GET", r"/v1/events", "event_list"),
]
