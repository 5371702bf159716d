"""Escrow for the API contract run (core/tests/contract.py).

The run must not reach the internet, so the seed also starts a Stripe emulator and points
stripe-python at it (the app under test runs in this process)."""

from django.conf import settings

from accounts.tests.factories import UserFactory
from escrow import services, stripe_api
from tools.stripe_emulator import Emulator

from .factories import cash_trade, disputed, escrow_row, give_cards

_emulator = None


def seed(*, user, other):
    global _emulator
    if _emulator is None:
        _emulator = Emulator(webhook_secret=settings.STRIPE_WEBHOOK_SECRET).start()
    settings.STRIPE_API_BASE = _emulator.base_url
    stripe_api.configure()
    unpaid = escrow_row(trade=cash_trade(payer=user, payee=other))
    paid = escrow_row(trade=give_cards(cash_trade(payer=other, payee=user)), status="payment_received")
    escrow_row(trade=give_cards(cash_trade(payer=user, payee=other), sides="a"), status="payment_received")
    escrow_row(trade=cash_trade(payer=other, payee=UserFactory()), status="cancelled")
    # A dispute of the user's (with evidence and a message) and an escrow they can still dispute.
    dispute = disputed(escrow=escrow_row(trade=cash_trade(payer=user, payee=other), status="items_shipped"))
    services.dispute_message_add(escrow_id=dispute.escrow_id, actor=other, body="I shipped it tracked.")
    disputable = escrow_row(trade=cash_trade(payer=other, payee=user), status="items_received")
    return {"escrows": [unpaid.pk, paid.pk, dispute.escrow_id, disputable.pk]}
