"""The main trading journey in Chromium against the real ASGI app (HTTP + websockets):
A finds B through matching, proposes with cash, B counters, A accepts, both confirm and
review, and A's tier badge moves from New to Bronze."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import UserReputation
from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, CardPriceFactory
from trades.enums import TradeStatus
from trades.models import Trade, TradeProposal
from trades.services import reputation_sync
from trades.tests.factories import (
    HaveItemFactory,
    TradeFactory,
    WantItemFactory,
)

PASSWORD = "correct-horse-battery-staple"
SEATTLE = {"latitude": Decimal("47.606200"), "longitude": Decimal("-122.332100"), "trade_radius_km": 50}
BELLEVUE = {"latitude": Decimal("47.610100"), "longitude": Decimal("-122.201500"), "trade_radius_km": 50}


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("h1")).to_contain_text("Welcome back")


def _traders():
    a = UserFactory(username="trader_a", **SEATTLE)
    b = UserFactory(username="trader_b", **BELLEVUE)
    bolt, counterspell = CardFactory(name="Lightning Bolt"), CardFactory(name="Counterspell")
    CardPriceFactory(card=bolt, price=Decimal("10.00"))
    CardPriceFactory(card=counterspell, price=Decimal("12.00"))
    HaveItemFactory(owner=a, card=bolt, quantity=2)
    WantItemFactory(owner=a, card=counterspell, condition="LP")
    HaveItemFactory(owner=b, card=counterspell, quantity=1)
    WantItemFactory(owner=b, card=bolt, condition="LP")
    # A's history: five completed trades, no reviews -> 5 x 10 + 10 (verified email) = 60, New.
    partner = UserFactory(username="old_partner")
    for _ in range(5):
        TradeFactory(proposal__proposer=a, proposal__recipient=partner, status=TradeStatus.COMPLETED)
    reputation_sync(user_ids=[a.pk, partner.pk])
    assert UserReputation.objects.get(user=a).reputation_tier == "new"
    return a, b


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_match_propose_counter_accept_confirm_review_tier(new_page):
    a, b = _traders()
    page_a, page_b = new_page(), new_page()
    log_in(page_a, a.email)
    log_in(page_b, b.email)

    # A finds B through matching and starts a proposal pre-filled with the matched cards.
    page_a.get_by_role("link", name="Matches").click()
    expect(page_a.locator("#match-trader_b")).to_contain_text("Counterspell")
    page_a.get_by_role("link", name="Propose trade to trader_b").click()
    expect(page_a.locator("h1")).to_have_text("Propose a trade to trader_b")
    expect(page_a.get_by_label("Quantity of Lightning Bolt")).to_have_value("1")
    expect(page_a.get_by_label("Quantity of Counterspell")).to_have_value("1")
    page_a.get_by_label("I add cash").check()
    page_a.get_by_label("Cash amount (USD)").fill("2.00")
    expect(page_a.locator("[data-balance]")).to_have_text("$0.00")  # 10 + 2 cash vs 12
    page_a.get_by_label("Message", exact=True).fill("Bolt plus two dollars for your Counterspell?")
    page_a.get_by_role("button", name="Send proposal").click()
    expect(page_a.get_by_test_id("status")).to_have_text("Pending")
    first = TradeProposal.objects.get(recipient=b)
    assert (first.cash_from_proposer, first.proposer_value, first.recipient_value) == (
        Decimal("2.00"),
        Decimal("10.00"),
        Decimal("12.00"),
    )

    # B opens it (viewed) and counters asking for cash instead.
    page_b.goto("/trades/")
    page_b.get_by_role("link", name=f"Proposal #{first.pk}").click()
    expect(page_b.get_by_test_id("status")).to_have_text("Viewed")
    page_b.get_by_role("link", name="Counter-offer").click()
    expect(page_b.get_by_label("I ask for cash")).to_be_checked()
    page_b.get_by_label("Cash amount (USD)").fill("3.00")
    page_b.get_by_role("button", name="Send counter-offer").click()
    expect(page_b.get_by_test_id("status")).to_have_text("Pending")
    counter = TradeProposal.objects.get(countered_from=first)

    # A's bell lights up live; A opens the counter-offer and accepts it.
    expect(page_a.get_by_test_id("unread-notifications")).to_have_text("1")
    page_a.goto(f"/trades/proposals/{first.pk}/")
    expect(page_a.get_by_test_id("status")).to_have_text("Countered")
    page_a.get_by_role("link", name=f"proposal #{counter.pk}").click()
    expect(page_a.get_by_test_id("cash-from-recipient")).to_have_text("$3.00")
    page_a.get_by_role("button", name="Accept").click()
    page_a.get_by_role("dialog", name="Please confirm").get_by_role("button", name="Accept").click()
    expect(page_a.locator("h1")).to_contain_text("with trader_b")
    trade = Trade.objects.get(proposal=counter)
    assert (trade.party_a_id, trade.party_b_id, trade.cash_a_to_b) == (b.pk, a.pk, Decimal("0.00"))
    assert trade.cash_b_to_a == Decimal("3.00")
    expect(page_a.locator("#escrow-title")).to_contain_text("Coming soon")

    # B, still on the counter-offer page, sees the acceptance arrive live in the conversation.
    expect(page_b.locator(f"#thread-{trade.thread_id}-messages")).to_contain_text("trader_a accepted the proposal")
    # ... and writes back; A, on the trade page, gets it without reloading.
    page_b.get_by_label("Message", exact=True).fill("Great, shipping tomorrow.")
    page_b.get_by_role("button", name="Send").click()
    expect(page_b.get_by_label("Message", exact=True)).to_have_value("")
    expect(page_a.locator(f"#thread-{trade.thread_id}-messages")).to_contain_text("Great, shipping tomorrow.")

    # Both confirm they received their side.
    page_a.get_by_role("button", name=re.compile("I received everything")).click()
    expect(page_a.locator(".messages")).to_contain_text("Marked as received.")
    page_b.goto(f"/trades/{trade.pk}/")
    page_b.get_by_role("button", name=re.compile("I received everything")).click()
    expect(page_b.get_by_test_id("status")).to_have_text("Completed")
    page_a.goto("/u/trader_a/")
    expect(page_a.locator(".badge.tier-new")).to_be_visible()  # 6 trades: 70 points

    # Both review; B's five stars move A across the Bronze line (70 + 50 = 120).
    page_b.get_by_role("link", name="Review trader_a").click()
    page_b.get_by_label("Comment").fill("Fast and friendly.")
    page_b.get_by_role("button", name="Save review").click()
    expect(page_b.locator(".messages")).to_contain_text("Your review of trader_a is saved.")
    page_a.goto(f"/trades/{trade.pk}/")
    page_a.get_by_role("link", name="Review trader_b").click()
    page_a.get_by_label(re.compile("^Overall")).select_option("4")
    page_a.get_by_role("button", name="Save review").click()
    expect(page_a.locator("#reviews-title")).to_be_visible()

    page_a.goto("/u/trader_a/")
    expect(page_a.locator(".badge.tier-bronze")).to_be_visible()
    expect(page_a.get_by_test_id("reputation-score")).to_have_text("120.00")
    assert UserReputation.objects.get(user=b).review_average == Decimal("4.00")
