"""Escrow's routes that name an object, for the resolver-wide access test (docs/api.md).

The escrows are made already paid (or their trade already has a live escrow), so that the
parties' requests in the owners' check stop at a state rule and never call Stripe.
"""

from core.tests.access import PARTY, AccessRoute, Target

from .factories import disputed, escrow_row


def _paid_escrow():
    escrow = escrow_row(status="payment_received")
    return Target(kwargs={"pk": escrow.pk}, owners=[escrow.payer, escrow.payee])


def _trade_with_live_escrow():
    escrow = escrow_row(status="payment_received")
    return Target(kwargs={"trade_id": escrow.trade_id}, owners=[escrow.payer, escrow.payee])


def _trade_with_live_escrow_api():
    escrow = escrow_row(status="payment_received")
    return Target(kwargs={"pk": escrow.trade_id}, owners=[escrow.payer, escrow.payee])


def _disputed_escrow():
    dispute = disputed(images=0)
    return Target(kwargs={"pk": dispute.escrow_id}, owners=[dispute.escrow.payer, dispute.escrow.payee])


def _evidence():
    dispute = disputed(images=1)
    return Target(kwargs={"pk": dispute.evidence.get().pk}, owners=[dispute.escrow.payer, dispute.escrow.payee])


ROUTES = [
    AccessRoute("escrow:trade_panel", _trade_with_live_escrow, PARTY),
    AccessRoute("escrow:create", _trade_with_live_escrow, PARTY),
    AccessRoute("escrow:pay", _paid_escrow, PARTY),
    AccessRoute("escrow:cancel", _paid_escrow, PARTY),
    AccessRoute("escrow:paid", _paid_escrow, PARTY),
    AccessRoute("escrow:ship", _paid_escrow, PARTY, payload={"carrier": "UPS", "tracking_number": "1Z999AA1"}),
    AccessRoute("escrow:confirm_receipt", _paid_escrow, PARTY),
    AccessRoute("api-trade-escrow", _trade_with_live_escrow_api, PARTY),
    AccessRoute("api-escrow-detail", _paid_escrow, PARTY),
    AccessRoute("escrow:dispute", _disputed_escrow, PARTY, payload={"reason": "Wrong cards."}),
    AccessRoute("escrow:dispute_message", _disputed_escrow, PARTY, payload={"body": "Any news?"}),
    AccessRoute("escrow:dispute_evidence", _evidence, PARTY),
    AccessRoute("api-escrow-dispute", _disputed_escrow, PARTY, payload={"reason": "Wrong cards."}),
    AccessRoute("api-escrow-dispute-messages", _disputed_escrow, PARTY, payload={"body": "Any news?"}),
    AccessRoute("api-escrow-ship", _paid_escrow, PARTY, payload={"carrier": "UPS", "tracking_number": "1Z999AA1"}),
    AccessRoute("api-escrow-confirm-receipt", _paid_escrow, PARTY),
    AccessRoute("api-escrow-cancel", _paid_escrow, PARTY, payload={"reason": "changed our minds"}),
]
NOT_OBJECT_ROUTES = {
    "admin:escrow_dispute_resolve": "a staff-only admin page (admin_view + TOTP); access tested in test_dispute_pages",
}
