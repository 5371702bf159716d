"""Escrow admin: behind the TOTP admin, read-only; the only write is an action that calls a service."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.tests.factories import UserFactory
from escrow import services
from escrow.models import EscrowTransaction

from .factories import cash_trade, onboarded

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    return client


def test_escrow_admin_is_read_only_and_rechecks_payment_with_stripe(staff_client, emulator):
    trade = cash_trade(payee=onboarded(emulator))
    escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=trade.party_a)
    for url in [
        "/admin/escrow/escrowtransaction/",
        f"/admin/escrow/escrowtransaction/{escrow.pk}/change/",
        "/admin/escrow/payoutaccount/",
    ]:
        assert staff_client.get(url).status_code == 200
    assert staff_client.get("/admin/escrow/escrowtransaction/add/").status_code == 403
    staff_client.post(f"/admin/escrow/escrowtransaction/{escrow.pk}/change/", {"status": "released"})
    assert EscrowTransaction.objects.get(pk=escrow.pk).status == "pending_payment"
    emulator.pay(escrow.stripe_checkout_session_id, "4242424242424242")  # the webhook got lost
    staff_client.post("/admin/escrow/escrowtransaction/", {"action": "sync_payment", "_selected_action": [escrow.pk]})
    assert EscrowTransaction.objects.get(pk=escrow.pk).status == "payment_received"


def test_staff_without_totp_cannot_open_escrow_admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/escrow/escrowtransaction/", follow=True).status_code == 403
