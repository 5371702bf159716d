"""The dispute journey in Chromium against the real ASGI app and the Stripe emulator: A pays on the
emulator's hosted page, disputes with a photo, staff split the money in admin on the confirmation
page (after the second factor), and both traders see the outcome; the books match Stripe's."""

import io
import re
import time
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from escrow import services
from escrow.ledger import unbalanced_movements
from escrow.models import Dispute, EscrowTransaction
from escrow.setup import webhook_path

from .factories import cash_trade, image_bytes, onboarded
from .test_browser import PASSWORD, log_in, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pay_dispute_with_evidence_staff_split_in_admin_both_see_outcome(
    new_page, asgi_live_server, emulator, stripe_ready, settings, tmp_path
):
    settings.SITE_URL = asgi_live_server.url
    emulator.webhook_url = asgi_live_server.url + webhook_path()
    a = UserFactory(username="payer_a", shipping_address="Payer A\n1 Pike St\nSeattle WA 98101")
    b = onboarded(emulator, UserFactory(username="payee_b", shipping_address="Payee B\n2 Main St\nBellevue WA"))
    staff = UserFactory(username="dispute_staff", is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    trade = cash_trade(payer=a, payee=b, cash="150.00")
    escrow = services.escrow_create(trade_id=trade.pk, actor=a)
    photo = tmp_path / "creased.png"
    photo.write_bytes(image_bytes("PNG", size=(320, 240), color=(30, 90, 200)))

    # A pays on the emulator's hosted page.
    page_a = new_page()
    log_in(page_a, a.email)
    page_a.goto(f"/trades/{trade.pk}/")
    page_a.get_by_role("button", name="Pay $154.50").click()
    page_a.get_by_label("Card number").fill("4242 4242 4242 4242")
    page_a.get_by_role("button", name="Pay 154.50 USD").click()
    wait_for(lambda: EscrowTransaction.objects.get(pk=escrow.pk).status == "payment_received", timeout=30)

    # A disputes from the trade page, with a photo.
    page_a.goto(f"/trades/{trade.pk}/")
    page_a.get_by_test_id("escrow-dispute-link").get_by_role("link", name="Open a dispute").click()
    expect(page_a.locator("h1")).to_have_text(f"Dispute of escrow {escrow.pk}")
    page_a.get_by_label("What went wrong?").fill("The Force of Will arrived creased.")
    page_a.get_by_label("Photos (optional)").set_input_files(str(photo))
    page_a.get_by_role("button", name="Open dispute").click()
    expect(page_a.get_by_text("Dispute opened.")).to_be_visible()
    expect(page_a.get_by_test_id("dispute-status")).to_have_text("Open")
    expect(page_a.get_by_test_id("dispute-evidence")).to_be_visible()
    assert page_a.get_by_test_id("dispute-evidence").evaluate("img => img.naturalWidth") == 320  # served to A
    page_a.get_by_role("textbox", name="Message").fill("Photo attached; the corner is bent.")
    page_a.get_by_role("button", name="Send").click()
    expect(page_a.get_by_test_id("dispute-messages")).to_contain_text("the corner is bent")
    dispute = Dispute.objects.get(escrow=escrow)

    # Staff, after the second factor, take it from the queue and split the money.
    page_s = new_page()
    log_in_with_totp(page_s, staff, secret)
    page_s.goto("/admin/escrow/dispute/")
    page_s.get_by_role("link", name="Resolve…").click()
    expect(page_s.get_by_test_id("resolve-held")).to_have_text("$150.00")
    page_s.get_by_role("radio", name="Split between them").click()
    expect(page_s.get_by_role("radio", name="Split between them")).to_be_checked()
    page_s.get_by_label("Split: to the payee").fill("100.00")
    page_s.get_by_label("Split: back to the payer").fill("49.00")  # does not add up: refused
    page_s.get_by_role("radio", name="Neither").click()
    page_s.get_by_label("Written resolution (both traders read it)").fill("One card was damaged in transit.")
    page_s.get_by_role("button", name="Review").click()
    expect(page_s.get_by_text("they must add up to the 150.00 USD held")).to_be_visible()
    page_s.get_by_label("Split: back to the payer").fill("50.00")
    page_s.get_by_role("button", name="Review").click()
    expect(page_s.get_by_test_id("confirm-released")).to_have_text("$100.00")
    expect(page_s.get_by_test_id("confirm-refunded")).to_have_text("$50.00")
    expect(page_s.get_by_test_id("confirm-fee")).to_have_text("$4.50")
    assert EscrowTransaction.objects.get(pk=escrow.pk).status == "disputed"
    page_s.get_by_role("button", name="Confirm and move the money").click()
    expect(page_s.get_by_text(f"Dispute {dispute.pk} resolved.")).to_be_visible()

    # Both traders see the outcome.
    page_b = new_page()
    log_in(page_b, b.email)
    for viewer in (page_a, page_b):
        viewer.goto(f"/escrow/{escrow.pk}/dispute/")
        expect(viewer.get_by_test_id("escrow-status")).to_have_text("Released")
        expect(viewer.get_by_test_id("dispute-released")).to_have_text("$100.00")
        expect(viewer.get_by_test_id("dispute-refunded")).to_have_text("$50.00")
        expect(viewer.get_by_test_id("dispute-outcome")).to_contain_text("One card was damaged in transit.")
    escrow.refresh_from_db()
    assert (escrow.status, escrow.released_amount, escrow.refunded_amount) == (
        "released",
        Decimal("100.00"),
        Decimal("50.00"),
    )
    # The emulator serves the whole browser session: count only this escrow's charge's money.
    charge = escrow.stripe_charge_id
    objects = list(emulator.objects.values())
    transfers = [o for o in objects if o["object"] == "transfer" and o.get("source_transaction") == charge]
    refunds = [o for o in objects if o["object"] == "refund" and o.get("charge") == charge]
    assert ([t["amount"] for t in transfers], [r["amount"] for r in refunds]) == ([10000], [5000])
    assert unbalanced_movements() == []
    out = io.StringIO()
    call_command("reconcile_escrow", stdout=out)  # exits non-zero on any difference
    assert out.getvalue().strip() == "The escrow ledger matches Stripe."


def log_in_with_totp(page, user, secret) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill("input[name=code]", format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    page.click("form button[type=submit]")
    page.wait_for_url("**/")
