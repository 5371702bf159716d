"""Two traders side by side in Chromium: the card picker by keyboard, then pages that follow
what the other trader does without reloading — the dashboard's panels, a proposal's status and
the actions it still allows, a trade's progress — with no console errors."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, CardPriceFactory
from lists.models import HaveItem
from lists.tests.factories import HaveItemFactory, WantItemFactory
from trades.models import TradeProposal

PASSWORD = "correct-horse-battery-staple"
SEATTLE = {"latitude": Decimal("47.606200"), "longitude": Decimal("-122.332100"), "trade_radius_km": 50}


def _log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("h1")).to_contain_text("Welcome back")


def _errors(page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda message: message.type == "error" and found.append(message.text))
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_card_picker_by_keyboard_and_negotiation_pages_follow_live(new_page):
    alice, bob = UserFactory(username="alice", **SEATTLE), UserFactory(username="bob", **SEATTLE)
    bolt = CardFactory(name="Lightning Bolt", set_code="a25", collector_number="141")
    CardFactory(name="Lightning Helix", set_code="a25", collector_number="204")
    counterspell = CardFactory(name="Counterspell", set_code="a25", collector_number="50")
    CardPriceFactory(card=bolt, price=Decimal("2.00"))
    CardPriceFactory(card=counterspell, price=Decimal("1.50"))
    page_a, page_b = new_page(), new_page()
    errors_a, errors_b = _errors(page_a), _errors(page_b)
    _log_in(page_a, alice.email)
    _log_in(page_b, bob.email)

    # The card picker, by keyboard only.
    page_a.goto("/trades/lists/")
    picker = page_a.get_by_role("combobox", name="Card")
    listbox = page_a.locator("#have-card-q-listbox")
    picker.focus()
    page_a.keyboard.type("Counte")
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(picker).to_have_attribute("aria-expanded", "true")
    page_a.keyboard.press("ArrowDown")
    expect(listbox.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    page_a.keyboard.press("Escape")
    expect(picker).to_have_attribute("aria-expanded", "false")
    expect(listbox).to_be_hidden()
    page_a.keyboard.press("ControlOrMeta+a")
    page_a.keyboard.type("Lightn")  # the list keeps refreshing after its first answer
    options = listbox.get_by_role("option")
    expect(options).to_have_count(2)
    expect(listbox).to_be_visible()
    page_a.keyboard.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(picker).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    page_a.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.first).to_have_attribute("aria-selected", "false")
    page_a.keyboard.press("ArrowDown")  # wraps around
    expect(options.first).to_have_attribute("aria-selected", "true")
    page_a.keyboard.press("ArrowUp")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    page_a.keyboard.press("ArrowUp")
    expect(options.first).to_contain_text("Lightning Bolt")
    page_a.keyboard.press("Enter")  # picks; does not submit the form
    expect(picker).to_have_value("Lightning Bolt (A25 141)")
    expect(listbox).to_be_hidden()
    assert HaveItem.objects.filter(owner=alice).count() == 0
    page_a.locator("#have-add-quantity").fill("2")
    page_a.locator("#have-add-quantity").press("Enter")
    item = page_a.locator(".list-table tbody tr").first
    expect(item).to_contain_text("Lightning Bolt")
    expect(item.locator(f"#price-{bolt.pk}-nonfoil")).to_have_text("$2.00")
    expect(page_a.locator("#have-totals")).to_contain_text("$4.00")
    # Inline edit: the row comes back with its price shown.
    item.get_by_role("link", name="Edit").click()
    have = HaveItem.objects.get(owner=alice)
    page_a.locator(f"#have-{have.pk}-quantity").fill("3")
    page_a.locator(f"#have-item-{have.pk}").get_by_role("button", name="Save").click()
    expect(page_a.locator(f"#have-item-{have.pk} #price-{bolt.pk}-nonfoil")).to_have_text("$2.00")
    expect(page_a.locator("#have-totals")).to_contain_text("$6.00")

    # Bob's dashboard shows alice's proposal as it arrives.
    bob_counterspell = HaveItemFactory(owner=bob, card=counterspell, quantity=1)
    WantItemFactory(owner=bob, card=bolt)
    page_b.goto("/")
    page_a.goto(f"/trades/propose/bob/?offer={have.pk}&request={bob_counterspell.pk}")
    page_a.get_by_label("Message", exact=True).fill("Bolt for your Counterspell?")
    page_a.get_by_role("button", name="Send proposal").click()
    expect(page_a.get_by_test_id("status")).to_have_text("Pending")
    proposal = TradeProposal.objects.get(proposer=alice)
    panels = page_b.locator("#dashboard-panels")
    expect(panels.get_by_role("link", name="alice sent you a trade proposal")).to_be_visible()
    expect(panels.get_by_role("link", name="Proposal from alice")).to_be_visible()

    # Alice watches her proposal: bob opening it and countering show up, and Withdraw goes away.
    page_a.goto(f"/trades/proposals/{proposal.pk}/")
    status_a = page_a.get_by_test_id("status")
    expect(status_a).to_have_text("Pending")
    expect(page_a.get_by_role("button", name="Withdraw proposal")).to_be_visible()
    page_b.goto(f"/trades/proposals/{proposal.pk}/")
    expect(status_a).to_have_text("Viewed")
    page_b.get_by_role("link", name="Counter-offer").click()
    page_b.get_by_label("I ask for cash").check()
    page_b.get_by_label("Cash amount (USD)").fill("1.00")
    page_b.get_by_role("button", name="Send counter-offer").click()
    expect(status_a).to_have_text("Countered")
    expect(page_a.get_by_role("button", name="Withdraw proposal")).to_have_count(0)
    counter = TradeProposal.objects.get(countered_from=proposal)
    expect(page_a.get_by_role("link", name=f"proposal #{counter.pk}")).to_be_visible()

    # The agreed trade: bob sees alice's confirmation arrive in the progress list.
    page_a.get_by_role("link", name=f"proposal #{counter.pk}").click()
    page_a.get_by_role("button", name="Accept").click()
    page_a.get_by_role("dialog", name="Please confirm").get_by_role("button", name="Accept").click()
    expect(page_a.locator("h1")).to_contain_text("with bob")
    trade_url = page_a.url
    page_b.goto(trade_url)
    expect(page_b.locator("#progress-title + .checklist")).to_contain_text("alice has not confirmed yet")
    page_a.get_by_role("button", name="I received everything — mark completed").click()
    expect(page_b.locator("#progress-title + .checklist")).to_contain_text("✔ alice confirmed")
    page_b.get_by_role("button", name="I received everything — mark completed").click()
    expect(page_a.get_by_test_id("status")).to_have_text("Completed")

    assert errors_a == [] and errors_b == []
