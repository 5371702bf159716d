"""The HTTP side: API dispatch, /_emulator/ helpers, and the hosted onboarding and checkout pages."""

from __future__ import annotations

import html
import json
import logging
import re
import secrets
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .forms import decode
from .wire import (
    API_VERSION,
    ZERO_DECIMAL,
    StripeError,
)

if TYPE_CHECKING:
    from .server import Emulator

logger = logging.getLogger("stripe_emulator")


class Handler(BaseHTTPRequestHandler):
    emulator: Emulator  # set by Emulator.start
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
