"""Checkout Sessions, PaymentIntents, charges, balance transactions and the test cards."""

from __future__ import annotations

import re
import secrets
import time

from .wire import (
    CARD_BRANDS,
    CARD_OUTCOMES,
    ZERO_DECIMAL,
    StripeError,
    _int,
    _listing,
    _metadata,
    _new_id,
    _required,
)


class PaymentsMixin:
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
