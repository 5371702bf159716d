"""Escrow for the API contract run (core/tests/contract.py).

The run must not reach the internet, so the seed also starts a Stripe emulator and points
stripe-python at it (the app under test runs in this process)."""

from django.conf import settings

from accounts.tests.factories import UserFactory
from escrow import stripe_api
from tools.stripe_emulator import Emulator

from .factories import cash_trade, escrow_row, give_cards

_emulator = None


def seed(*, user, other):
    global _emulator
    if _emulator is None:
        _emulator = Emulator(webhook_secret=settings.STRIPE_WEBHOOK_SECRET).start()
    settings.STRIPE_API_BASE = _emulator.base_url
    stripe_api.configure()
    escrow_row(trade=cash_trade(payer=user, payee=other))
    escrow_row(trade=give_cards(cash_trade(payer=other, payee=user)), status="payment_received")
    escrow_row(trade=give_cards(cash_trade(payer=user, payee=other), sides="a"), status="payment_received")
    escrow_row(trade=cash_trade(payer=other, payee=UserFactory()), status="cancelled")
