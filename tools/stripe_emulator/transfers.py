"""Transfers (with source_transaction), reversals and refunds."""

from __future__ import annotations

import time

from .wire import (
    ZERO_DECIMAL,
    StripeError,
    _int,
    _listing,
    _metadata,
    _new_id,
    _required,
)


class TransfersMixin:
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
        if charge["disputed"] and charge["dispute"]:
            dispute = self.objects[charge["dispute"]]
            if not dispute["is_charge_refundable"]:
                raise StripeError(
                    400,
                    "invalid_request_error",
                    f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                    code="charge_disputed",
                )
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

    def _list_of(self, kind: str, url: str, params: dict, filters: tuple[str, ...]) -> dict:
        """Stripe's list endpoints: objects of one kind, narrowed by the given equality filters."""
        rows = [
            obj
            for obj in self.objects.values()
            if obj["object"] == kind and all(not params.get(name) or obj.get(name) == params[name] for name in filters)
        ]
        return _listing(url, rows, params)

    def transfer_list(self, params, context):
        return self._list_of("transfer", "/v1/transfers", params, ("transfer_group", "destination"))

    def refund_list(self, params, context):
        return self._list_of("refund", "/v1/refunds", params, ("charge", "payment_intent"))

    # --- disputes (chargebacks) --------------------------------------------------------------
    DISPUTE_FEE = 1500  # Stripe's dispute fee (USD 15.00), withdrawn with the disputed amount

    def dispute_create(self, charge_id: str, *, amount: int | None = None, reason: str = "fraudulent") -> dict:
        """What the card network does (a test helper): the cardholder disputes a charge. The
        disputed amount and the dispute fee leave the platform balance at once."""
        with self.lock:
            charge = self._get(charge_id, "charge", param="charge")
            if charge["status"] != "succeeded" or charge["disputed"]:
                raise StripeError(400, "invalid_request_error", f"Charge {charge_id} cannot be disputed.")
            amount = amount or charge["amount"] - charge["amount_refunded"]
            now = int(time.time())
            dispute = {
                "id": _new_id("du"),
                "object": "dispute",
                "amount": amount,
                "charge": charge_id,
                "currency": charge["currency"],
                "created": now,
                "evidence": {"uncategorized_text": None, "product_description": None},
                "evidence_details": {
                    "due_by": now + 21 * 86400,
                    "has_evidence": False,
                    "past_due": False,
                    "submission_count": 0,
                },
                "is_charge_refundable": False,
                "livemode": False,
                "metadata": {},
                "payment_intent": charge["payment_intent"],
                "reason": reason,
                "status": "needs_response",
                "balance_transactions": [],
            }
            fee = 0 if charge["currency"] in ZERO_DECIMAL else self.DISPUTE_FEE
            txn = self._balance_transaction(-amount, charge["currency"], "adjustment", dispute["id"], fee=fee)
            txn["reporting_category"] = "dispute"
            txn["fee_details"] = (
                [
                    {
                        "amount": fee,
                        "currency": charge["currency"],
                        "type": "stripe_fee",
                        "description": "Dispute fee",
                        "application": None,
                    }
                ]
                if fee
                else []
            )
            dispute["balance_transactions"].append(txn)
            self._put(dispute)
            charge["disputed"] = True
            charge["dispute"] = dispute["id"]
            self._event("charge.dispute.created", dispute)
            return dispute

    def dispute_retrieve(self, params, context, dispute_id):
        return self._get(dispute_id, "dispute", account=context["account"])

    def dispute_list(self, params, context):
        return self._list_of("dispute", "/v1/disputes", params, ("charge", "payment_intent"))
