"""`reconcile_escrow`: nothing to say when the ledger matches Stripe; every difference otherwise."""

from io import StringIO

import pytest
import stripe
from django.conf import settings
from django.core.management import call_command

from escrow import services
from escrow.enums import EscrowStatus
from escrow.models import EscrowTransaction, LedgerEntry

from .factories import paid_escrow

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("reconcile_escrow", *args, stdout=out, stderr=StringIO())
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_no_difference_after_payment_release_and_refund(emulator):
    released = paid_escrow(emulator)
    EscrowTransaction.objects.filter(pk=released.pk).update(status=EscrowStatus.ITEMS_RECEIVED)
    services.escrow_release(escrow_id=released.pk, cause="received")
    refunded = paid_escrow(emulator)
    services.escrow_refund(escrow_id=refunded.pk, cause="cancel", refund_fee=True)
    paid_escrow(emulator)
    code, out = run()
    assert code == 0, out
    assert "matches Stripe" in out


def test_a_refund_made_at_stripe_and_not_booked_is_reported(emulator):
    escrow = paid_escrow(emulator)
    stripe.Refund.create(api_key=settings.STRIPE_SECRET_KEY, payment_intent=escrow.stripe_payment_intent_id, amount=500)
    code, out = run(str(escrow.pk))
    assert code == 1
    assert f"escrow {escrow.pk}: refund ids" in out and f"escrow {escrow.pk}: refunded: ours 0.00, Stripe 5.00" in out


def test_a_lost_ledger_entry_and_a_transfer_we_do_not_know_are_reported(emulator):
    escrow = paid_escrow(emulator)
    EscrowTransaction.objects.filter(pk=escrow.pk).update(status=EscrowStatus.ITEMS_RECEIVED)
    services.escrow_release(escrow_id=escrow.pk, cause="received")
    LedgerEntry.objects.filter(escrow=escrow, movement__startswith="release:", account="payee_funds").delete()
    code, out = run()
    assert code == 1
    assert "does not balance" in out and "transferred: ours 0" in out
