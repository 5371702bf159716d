"""Escrow pages and buttons: the trade panel, settings section, payout onboarding, pay and cancel."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from djstripe.models import APIKey, WebhookEndpoint

from accounts.tests.factories import UserFactory
from escrow import services
from escrow.models import EscrowTransaction, PayoutAccount

from .factories import cash_trade, escrow_row, onboarded

pytestmark = pytest.mark.django_db


def test_panel_shows_fee_and_total_before_escrow_and_needs_payee_onboarding(client, settings):
    trade = cash_trade()
    client.force_login(trade.party_a)
    page = client.get(f"/escrow/trades/{trade.pk}/panel/").content.decode()
    assert "$150.00" in page and "$4.50" in page and "$154.50" in page
    assert "Suggested for this trade" in page  # total value 190 ≥ 100
    assert f"{trade.party_b.username} needs to set up a payout account" in page
    assert "Use escrow for this trade" not in page
    client.force_login(trade.party_b)
    assert "Set one up in settings" in client.get(f"/escrow/trades/{trade.pk}/panel/").content.decode()
    settings.ESCROW_SUGGEST_ABOVE = 1000
    assert "Suggested" not in client.get(f"/escrow/trades/{trade.pk}/panel/").content.decode()


def test_create_pay_and_cancel_through_the_page(client, emulator):
    trade = cash_trade(payee=onboarded(emulator))
    client.force_login(trade.party_a)
    assert "Use escrow for this trade" in client.get(f"/escrow/trades/{trade.pk}/panel/").content.decode()
    response = client.post(f"/escrow/trades/{trade.pk}/open/")
    assert response.status_code == 302 and response["Location"] == reverse("trades:trade_detail", args=[trade.pk])
    escrow = EscrowTransaction.objects.get(trade=trade)
    panel = client.get(f"/escrow/trades/{trade.pk}/panel/").content.decode()
    assert "Pay $154.50" in panel and "Waiting for payment" in panel
    pay = client.post(f"/escrow/{escrow.pk}/pay/")
    escrow.refresh_from_db()
    assert pay.status_code == 303 and pay["Location"] == escrow.checkout_url
    client.force_login(trade.party_b)
    assert "Pay $154.50" not in client.get(f"/escrow/trades/{trade.pk}/panel/").content.decode()
    client.post(f"/escrow/{escrow.pk}/cancel/")
    escrow.refresh_from_db()
    assert escrow.status == "cancelled"
    panel = client.get(f"/escrow/trades/{trade.pk}/panel/").content.decode()
    assert "The last escrow was cancelled" in panel and "Use escrow for this trade" in panel


def test_failed_payment_reason_is_shown_with_a_retry(client, emulator):
    trade = cash_trade(payee=onboarded(emulator))
    escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=trade.party_a)
    emulator.pay(escrow.stripe_checkout_session_id, "4000000000000002")
    services.escrow_sync_payment(escrow_id=escrow.pk)
    client.force_login(trade.party_a)
    panel = client.get(f"/escrow/trades/{trade.pk}/panel/").content.decode()
    assert "The last payment attempt failed: Your card was declined." in panel and "Try paying again" in panel


def test_addresses_are_revealed_only_once_paid(client, emulator):
    trade = cash_trade(payee=onboarded(emulator))
    trade.party_a.shipping_address = "A Person\n1 Pike St\nSeattle WA"
    trade.party_a.save(update_fields=["shipping_address"])
    escrow = escrow_row(trade=trade)
    client.force_login(trade.party_b)
    assert "1 Pike St" not in client.get(f"/escrow/trades/{trade.pk}/panel/").content.decode()
    EscrowTransaction.objects.filter(pk=escrow.pk).update(status="payment_received")
    assert "1 Pike St" in client.get(f"/escrow/trades/{trade.pk}/panel/").content.decode()


def test_outsiders_get_404_and_change_nothing(client):
    escrow = escrow_row()
    client.force_login(UserFactory())
    assert client.get(f"/escrow/trades/{escrow.trade_id}/panel/").status_code == 404
    assert client.post(f"/escrow/trades/{escrow.trade_id}/open/").status_code == 404
    assert client.post(f"/escrow/{escrow.pk}/pay/").status_code == 404
    assert client.post(f"/escrow/{escrow.pk}/cancel/").status_code == 404
    escrow.refresh_from_db()
    assert escrow.status == "pending_payment" and not escrow.stripe_checkout_session_id


def test_anonymous_is_sent_to_login(client):
    escrow = escrow_row()
    for url in [f"/escrow/trades/{escrow.trade_id}/panel/", "/escrow/payouts/onboard/", "/escrow/payouts/return/"]:
        assert "/accounts/login/" in client.get(url)["Location"]
    assert "/accounts/login/" in client.post(f"/escrow/{escrow.pk}/pay/")["Location"]


def test_settings_shows_payout_status_and_what_is_missing(client, emulator):
    user = UserFactory()
    client.force_login(user)
    page = client.get("/settings/").content.decode()
    assert 'data-testid="payout-status">None' in page and "Set up payouts" in page
    connect = client.post("/escrow/payouts/connect/")
    assert connect.status_code == 303 and connect["Location"].startswith(emulator.base_url + "/setup/e/")
    page = client.get("/settings/").content.decode()
    assert ">Pending<" in page and "external account" in page and "Continue payout setup" in page
    refresh = client.get("/escrow/payouts/onboard/")  # Stripe's refresh_url: a fresh link
    assert refresh.status_code == 303 and refresh["Location"] != connect["Location"]
    assert PayoutAccount.objects.filter(user=user).count() == 1
    emulator.complete_onboarding(PayoutAccount.objects.get(user=user).stripe_account_id)
    client.post("/escrow/payouts/refresh/")
    assert ">Enabled<" in client.get("/settings/").content.decode()


def test_stripe_setup_is_idempotent_and_prints_the_url(capsys):
    call_command("stripe_setup", site_url="https://bazaar.example")
    call_command("stripe_setup", site_url="https://bazaar.example")
    out = capsys.readouterr().out
    endpoint = WebhookEndpoint.objects.get()
    assert APIKey.objects.count() == 1 and endpoint.secret
    assert f"https://bazaar.example/stripe/webhook/{endpoint.djstripe_uuid}/" in out
    assert "webhook endpoint up to date" in out


def test_checkout_success_page_says_the_payment_is_being_confirmed(client):
    escrow = escrow_row()
    client.force_login(escrow.payer)
    response = client.get(f"/escrow/{escrow.pk}/paid/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("trades:trade_detail", args=[escrow.trade_id])
    assert "Payment submitted" in response.content.decode()
    client.force_login(UserFactory())
    assert client.get(f"/escrow/{escrow.pk}/paid/").status_code == 404


# --- part 2: ship, confirm, cancel forms; the dashboard --------------------------------------------
def test_ship_confirm_and_release_through_the_pages(client, emulator):
    from escrow.enums import EscrowStatus
    from escrow.tests.factories import paid_escrow

    escrow = paid_escrow(emulator, sides="b")
    client.force_login(escrow.payee)
    panel = client.get(f"/escrow/trades/{escrow.trade_id}/panel/").content.decode()
    assert 'data-testid="escrow-ship-form"' in panel and "data-confirm=" in panel
    response = client.post(f"/escrow/{escrow.pk}/ship/", {"carrier": "USPS", "tracking_number": "9400 1111 2222"})
    assert response.status_code == 302
    escrow.refresh_from_db()
    assert escrow.status == EscrowStatus.ITEMS_SHIPPED and escrow.payee_tracking == "940011112222"
    client.force_login(escrow.payer)
    panel = client.get(f"/escrow/trades/{escrow.trade_id}/panel/").content.decode()
    assert 'data-testid="escrow-confirm-form"' in panel and "940011112222" in panel
    assert 'data-testid="escrow-ship-form"' not in panel  # the payer ships nothing
    client.post(f"/escrow/{escrow.pk}/confirm-receipt/")
    escrow.refresh_from_db()
    assert escrow.status == EscrowStatus.RELEASED
    panel = client.get(f"/escrow/trades/{escrow.trade_id}/panel/").content.decode()
    assert 'data-testid="escrow-outcome"' in panel and "Receipt confirmed" in panel


def test_a_bad_shipment_on_the_page_says_why_and_changes_nothing(client, emulator):
    from escrow.tests.factories import paid_escrow

    escrow = paid_escrow(emulator)
    client.force_login(escrow.payer)
    response = client.post(f"/escrow/{escrow.pk}/ship/", {"carrier": "UPS", "tracking_number": "<b>"}, follow=True)
    assert "A tracking number is 4 or more letters" in response.content.decode()
    escrow.refresh_from_db()
    assert escrow.payer_shipped_at is None


def test_dashboard_lists_my_escrows_with_my_next_move(client, emulator, django_assert_max_num_queries):
    from escrow.tests.factories import paid_escrow

    escrow = paid_escrow(emulator)
    client.force_login(escrow.payee)
    page = client.get("/").content.decode()
    assert f'data-testid="escrow-row-{escrow.pk}"' in page and "your move: ship" in page
    from escrow.selectors import dashboard_panel

    with django_assert_max_num_queries(6):
        panel = dashboard_panel(user=escrow.payee)
    assert [row["escrow"].pk for row in panel["rows"]] == [escrow.pk]
    from accounts.tests.factories import UserFactory

    assert dashboard_panel(user=UserFactory()) is None


def test_while_escrow_is_live_the_trade_page_offers_receipt_instead_of_the_trade_confirmation(client, emulator):
    from escrow.tests.factories import paid_escrow

    escrow = paid_escrow(emulator)
    client.force_login(escrow.payer)
    page = client.get(f"/trades/{escrow.trade_id}/").content.decode()
    assert 'data-testid="trade-end-owner"' in page
    assert "mark completed" not in page
