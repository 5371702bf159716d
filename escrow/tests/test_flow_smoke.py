import pytest

from escrow import services
from escrow.models import EscrowTransaction

from .factories import cash_trade, onboarded


@pytest.mark.django_db
def test_smoke(emulator, webhooks, django_capture_on_commit_callbacks):
    payee = onboarded(emulator)
    trade = cash_trade(payee=payee)
    escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=trade.party_a)
    print(escrow.checkout_url)
    emulator.pay(escrow.stripe_checkout_session_id, "4242424242424242")
    with django_capture_on_commit_callbacks(execute=True):
        print(webhooks.deliver_all())
    print([r for r in emulator.requests_log])
    assert EscrowTransaction.objects.get(pk=escrow.pk).status == "payment_received"
