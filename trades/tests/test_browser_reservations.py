"""Trading correctness in Chromium: confirmation dialogs, one copy promised once, reserved copies
on the list page, lists following a completed trade, and matched quantities in the proposal."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, CardPriceFactory
from lists.models import HaveItem, WantItem
from trades import services
from trades.models import Trade
from trades.tests.factories import HaveItemFactory, WantItemFactory
from trades.tests.test_browser import BELLEVUE, PASSWORD, SEATTLE


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("h1")).to_contain_text("Welcome back")


def confirm_dialog(page):
    return page.get_by_role("dialog", name="Please confirm")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_one_copy_two_accepts_dialogs_and_the_reserved_copy(new_page, chromium, asgi_live_server):
    seller = UserFactory(username="seller")
    first_buyer, second_buyer = UserFactory(username="first_buyer"), UserFactory(username="second_buyer")
    lotus = CardFactory(name="Last Lotus")
    CardPriceFactory(card=lotus, price=Decimal("50.00"))
    copy = HaveItemFactory(owner=seller, card=lotus, quantity=1)
    first = services.proposal_create(proposer=seller, recipient=first_buyer, offer={copy.pk: 1}, request={})
    second = services.proposal_create(proposer=seller, recipient=second_buyer, offer={copy.pk: 1}, request={})

    # The first buyer is asked before accepting; Escape cancels and gives focus back.
    page = new_page()
    log_in(page, first_buyer)
    page.goto(f"/trades/proposals/{first.pk}/")
    accept = page.get_by_role("button", name="Accept")
    accept.click()
    dialog = confirm_dialog(page)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Accept this proposal?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(accept).to_be_focused()
    assert not Trade.objects.exists()
    accept.click()
    dialog.get_by_role("button", name="Accept").click()
    expect(page.locator("h1")).to_contain_text("with seller")
    assert Trade.objects.filter(proposal=first).exists()

    # The second buyer, without JavaScript (the form posts as it is), is told why not.
    context = chromium.new_context(base_url=asgi_live_server.url, java_script_enabled=False)
    try:
        plain = context.new_page()
        log_in(plain, second_buyer)
        plain.goto(f"/trades/proposals/{second.pk}/")
        plain.get_by_role("button", name="Accept").click()
        expect(plain.locator(".messages")).to_contain_text(
            "1 × Last Lotus is no longer on seller's have list: only 0 left (1 promised in other agreed trades)."
        )
    finally:
        context.close()
    assert Trade.objects.count() == 1

    # The seller sees the copy reserved; removing it is refused with the reason, the row stays.
    seller_page = new_page()
    log_in(seller_page, seller)
    seller_page.goto("/trades/lists/")
    row = seller_page.locator(f"#have-item-{copy.pk}")
    expect(row).to_contain_text("1 reserved · 0 available")
    row.get_by_role("button", name="Remove").click()
    confirm_dialog(seller_page).get_by_role("button", name="Remove").click()
    expect(seller_page.get_by_role("alert")).to_contain_text("promised in agreed trades")
    expect(row).to_be_visible()
    assert HaveItem.objects.filter(pk=copy.pk).exists()

    # Both agree to cancel, each through the dialog; the copy is available again.
    trade = Trade.objects.get()
    for person_page, button, confirm in (
        (seller_page, "Ask to cancel", "Ask to cancel"),
        (page, "Agree to cancel", "Cancel the trade"),
    ):
        person_page.goto(f"/trades/{trade.pk}/")
        if button == "Ask to cancel":
            person_page.get_by_text("Report a problem / cancel this trade").click()
        person_page.get_by_role("button", name=button).click()
        confirm_dialog(person_page).get_by_role("button", name=confirm, exact=True).click()
        expect(person_page.locator(".messages")).to_contain_text("Cancel request recorded.")
    expect(page.get_by_test_id("status")).to_have_text("Cancelled")
    seller_page.goto("/trades/lists/")
    expect(seller_page.locator(f"#have-item-{copy.pk}")).not_to_contain_text("reserved")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_matched_quantities_reach_the_proposal_and_lists_follow_the_trade(new_page):
    alice = UserFactory(username="alice", **SEATTLE)
    bob = UserFactory(username="bob", **BELLEVUE)
    bolt, counterspell = CardFactory(name="Lightning Bolt"), CardFactory(name="Counterspell")
    CardPriceFactory(card=bolt, price=Decimal("10.00"))
    CardPriceFactory(card=counterspell, price=Decimal("20.00"))
    bolts = HaveItemFactory(owner=alice, card=bolt, quantity=3)
    WantItemFactory(owner=alice, card=counterspell, condition="LP")
    HaveItemFactory(owner=bob, card=counterspell, quantity=1)
    WantItemFactory(owner=bob, card=bolt, condition="LP", quantity=2)

    page = new_page()
    log_in(page, alice)
    page.goto("/trades/matches/")
    expect(page.locator("#match-bob")).to_contain_text("2× Lightning Bolt")
    page.get_by_role("link", name="Propose trade to bob").click()
    expect(page.get_by_label("Quantity of Lightning Bolt")).to_have_value("2")
    expect(page.get_by_label("Quantity of Counterspell")).to_have_value("1")
    expect(page.locator("[data-balance]")).to_have_text("$0.00")  # the match's values, not one copy each
    page.get_by_role("button", name="Send proposal").click()
    expect(page.get_by_test_id("status")).to_have_text("Pending")

    bob_page = new_page()
    log_in(bob_page, bob)
    bob_page.goto("/trades/")
    expect(bob_page.locator("#trade-rows")).to_contain_text("$20.00 / $20.00")
    bob_page.get_by_role("link", name=re.compile(r"Proposal #\d+")).click()
    bob_page.get_by_role("button", name="Accept").click()
    confirm_dialog(bob_page).get_by_role("button", name="Accept").click()
    expect(bob_page.locator("h1")).to_contain_text("with alice")
    trade = Trade.objects.get()
    services.trade_confirm(trade_id=trade.pk, actor=alice)
    bob_page.get_by_role("button", name=re.compile("I received everything")).click()
    expect(bob_page.get_by_test_id("status")).to_have_text("Completed")

    page.goto("/trades/lists/")
    expect(page.locator(f"#have-item-{bolts.pk} td.num").first).to_have_text("1")
    page.goto("/trades/matches/")
    expect(page.get_by_text("No matches yet")).to_be_visible()
    assert not WantItem.objects.filter(owner=bob).exists()
    assert not WantItem.objects.filter(owner=alice).exists()
