"""The escrow journey in Chromium against the real ASGI app and the Stripe emulator: B sets up
payouts on the emulator's onboarding page, A and B agree a trade with $150 cash from A, A opens
escrow and pays on the emulator's hosted page, and both see "Payment received" arrive live."""

import time
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, CardPriceFactory
from escrow.models import EscrowTransaction, PayoutAccount
from escrow.setup import webhook_path
from lists.tests.factories import HaveItemFactory
from trades.models import Trade
from trades.services import proposal_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("h1")).to_contain_text("Welcome back")


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_onboard_agree_pay_and_both_see_payment_received_live(
    new_page, asgi_live_server, emulator, stripe_ready, settings
):
    settings.SITE_URL = asgi_live_server.url
    emulator.webhook_url = asgi_live_server.url + webhook_path()
    a = UserFactory(username="payer_a", shipping_address="Payer A\n1 Pike St\nSeattle WA 98101")
    b = UserFactory(username="payee_b", shipping_address="Payee B\n2 Main St\nBellevue WA 98004")
    card = CardFactory(name="Force of Will")
    CardPriceFactory(card=card, price=Decimal("160.00"))
    theirs = HaveItemFactory(owner=b, card=card, quantity=1)
    page_a, page_b = new_page(), new_page()

    # B sets up payouts: our settings page → the emulator's onboarding page → back to settings.
    log_in(page_b, b.email)
    page_b.goto("/settings/")
    expect(page_b.get_by_test_id("payout-status")).to_have_text("None")
    page_b.get_by_role("button", name="Set up payouts").click()
    expect(page_b.locator("h1")).to_have_text("Set up payouts")
    page_b.get_by_role("button", name="Agree and submit").click()
    expect(page_b.get_by_test_id("payout-panel")).to_be_visible()
    wait_for(lambda: PayoutAccount.objects.get(user=b).account_status == "enabled")  # via account.updated
    page_b.reload()
    expect(page_b.get_by_test_id("payout-status")).to_have_text("Enabled")

    # A proposes the card for $150 cash; B accepts on the page.
    proposal = proposal_create(proposer=a, recipient=b, offer={}, request={theirs.pk: 1}, cash_from_proposer="150.00")
    page_b.goto(f"/trades/proposals/{proposal.pk}/")
    page_b.get_by_role("button", name="Accept").click()
    page_b.get_by_role("dialog", name="Please confirm").get_by_role("button", name="Accept").click()
    expect(page_b.get_by_test_id("escrow-panel")).to_contain_text("Use escrow for this trade")
    trade = Trade.objects.get(proposal=proposal)
    assert trade.cash_a_to_b == Decimal("150.00")

    # A opens escrow, sees the fee before paying, and pays on the emulator's hosted page.
    log_in(page_a, a.email)
    page_a.goto(f"/trades/{trade.pk}/")
    expect(page_a.get_by_test_id("escrow-fee")).to_have_text("$4.50")
    page_a.get_by_role("button", name="Use escrow for this trade").click()
    expect(page_a.get_by_test_id("escrow-status")).to_have_text("Waiting for payment")
    expect(page_b.get_by_test_id("escrow-status")).to_have_text("Waiting for payment")  # live, no reload
    page_a.get_by_role("button", name="Pay $154.50").click()
    expect(page_a.locator("h1")).to_have_text("Pay 154.50 USD")
    page_a.get_by_label("Card number").fill("4000 0000 0000 0002")
    page_a.get_by_role("button", name="Pay 154.50 USD").click()
    expect(page_a.get_by_role("alert")).to_have_text("Your card was declined.")
    page_a.get_by_label("Card number").fill("4242 4242 4242 4242")
    page_a.get_by_role("button", name="Pay 154.50 USD").click()

    # Back on Bazaar: the webhooks arrive through dj-stripe (each re-fetching its objects from
    # the emulator, one after another) and both pages update live.
    expect(page_a.get_by_text("Payment submitted")).to_be_visible()
    wait_for(lambda: EscrowTransaction.objects.get(trade=trade).status == "payment_received", timeout=30)
    assert all(200 <= (d["status"] or 0) < 300 for d in emulator.deliveries), emulator.deliveries
    # B's page was open all along: the push arrives over its socket. A's page may have loaded
    # just before the webhook and joined its socket just after: the waiting panel re-checks itself.
    expect(page_b.get_by_test_id("escrow-status")).to_have_text("Payment received")
    expect(page_a.get_by_test_id("escrow-status")).to_have_text("Payment received", timeout=15_000)
    expect(page_b.get_by_test_id("escrow-address")).to_contain_text("1 Pike St")
    expect(page_a.get_by_test_id("escrow-address")).to_contain_text("2 Main St")
    escrow = EscrowTransaction.objects.get(trade=trade)
    assert (escrow.status, escrow.total_charged) == ("payment_received", Decimal("154.50"))


def test_both_ship_both_confirm_the_cash_goes_to_b_and_the_trade_completes(
    new_page, asgi_live_server, emulator, stripe_ready, settings
):
    """A swaps a card for B's card plus $150 cash in escrow: each ships and enters tracking, each
    confirms receipt through the confirm dialog, the Transfer pays B, the trade completes, both
    have lists follow, and reconcile_escrow finds nothing to report."""
    from io import StringIO

    from django.core.management import call_command

    from escrow import services
    from escrow.tests.factories import onboarded, stripe_objects
    from lists.models import HaveItem, WantItem
    from lists.tests.factories import WantItemFactory
    from trades.services import proposal_accept

    settings.SITE_URL = asgi_live_server.url
    emulator.webhook_url = asgi_live_server.url + webhook_path()
    a = UserFactory(username="swap_a", shipping_address="Swap A\n1 Pike St\nSeattle WA 98101")
    b = onboarded(emulator, UserFactory(username="swap_b", shipping_address="Swap B\n2 Main St\nBellevue WA 98004"))
    card_a, card_b = CardFactory(name="Brainstorm"), CardFactory(name="Force of Will")
    CardPriceFactory(card=card_a, price=Decimal("20.00"))
    CardPriceFactory(card=card_b, price=Decimal("170.00"))
    mine = HaveItemFactory(owner=a, card=card_a, quantity=1)
    theirs = HaveItemFactory(owner=b, card=card_b, quantity=1)
    WantItemFactory(owner=a, card=card_b, quantity=1)
    proposal = proposal_create(
        proposer=a, recipient=b, offer={mine.pk: 1}, request={theirs.pk: 1}, cash_from_proposer="150.00"
    )
    trade = proposal_accept(proposal_id=proposal.pk, actor=b)
    escrow = services.escrow_create(trade_id=trade.pk, actor=a)
    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=a)
    emulator.pay(escrow.stripe_checkout_session_id, "4242424242424242")
    wait_for(lambda: EscrowTransaction.objects.get(pk=escrow.pk).status == "payment_received", timeout=30)

    page_a, page_b = new_page(), new_page()
    log_in(page_a, a.email)
    log_in(page_b, b.email)
    for page in (page_a, page_b):
        page.goto(f"/trades/{trade.pk}/")
        expect(page.get_by_test_id("escrow-status")).to_have_text("Payment received")

    def ship(page, carrier, tracking):
        page.get_by_label("Carrier").fill(carrier)
        page.get_by_label("Tracking number").fill(tracking)
        page.get_by_role("button", name="I shipped my cards").click()
        page.get_by_role("dialog", name="Please confirm").get_by_role("button", name="Save shipment").click()

    ship(page_a, "USPS", "9400 1000 0000 1234")
    expect(page_a.get_by_test_id("escrow-shipments")).to_contain_text("9400100000001234")
    expect(page_b.get_by_test_id("escrow-shipments")).to_contain_text("9400100000001234")  # live
    ship(page_b, "UPS", "1Z999AA10123456784")
    expect(page_a.get_by_test_id("escrow-status")).to_have_text("Items shipped")
    expect(page_b.get_by_test_id("escrow-status")).to_have_text("Items shipped")

    page_b.reload()
    page_b.get_by_role("button", name="I received the cards").click()
    page_b.get_by_role("dialog", name="Please confirm").get_by_role("button", name="Confirm receipt").click()
    expect(page_b.get_by_test_id("escrow-next")).to_contain_text("swap_a")
    page_a.reload()
    page_a.get_by_role("button", name="I received the cards").click()
    page_a.get_by_role("dialog", name="Please confirm").get_by_role("button", name="Confirm receipt").click()
    expect(page_a.get_by_test_id("escrow-status")).to_have_text("Released")
    expect(page_b.get_by_test_id("escrow-status")).to_have_text("Released", timeout=15_000)
    expect(page_a.get_by_test_id("escrow-outcome")).to_contain_text("$150.00 to swap_b")

    escrow = EscrowTransaction.objects.get(pk=escrow.pk)
    (transfer,) = stripe_objects(emulator, "transfer", transfer_group=escrow.transfer_group)
    assert transfer["amount"] == 15000 and transfer["destination"] == b.payout_account.stripe_account_id
    trade.refresh_from_db()
    assert trade.status == "completed"
    assert not HaveItem.objects.filter(pk__in=[mine.pk, theirs.pk]).exists()  # both copies left their owners
    assert not WantItem.objects.filter(owner=a, card=card_b).exists()  # A's want is filled
    page_a.goto("/")
    expect(page_a.get_by_test_id(f"escrow-row-{escrow.pk}")).to_contain_text("Released")
    out = StringIO()
    call_command("reconcile_escrow", stdout=out)
    assert "matches Stripe" in out.getvalue()
