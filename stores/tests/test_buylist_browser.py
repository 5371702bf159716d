"""The smart buylist journey in a browser: an owner sets buylist rules and previews them, a
nearby trader gets a credit quote for their haves and sends it, and the owner sees the trader
among local matches and messages them."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, CardPriceFactory
from lists.models import HaveItem, WantItem
from stores.models import StoreMessage, StoreThread

from .factories import StoreFactory, StoreInventoryItemFactory
from .test_browser import log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_buylist_quote_and_match_journey(new_page):
    owner = UserFactory(username="shopkeeper")
    store = StoreFactory(user=owner, store_name="Pilferer's Den", offers_buylist=True, trade_in_bonus_pct=Decimal("25"))
    bolt = CardFactory(name="Lightning Bolt")
    snap = CardFactory(name="Snapcaster Mage")
    CardPriceFactory(card=bolt, price=Decimal("2.00"))
    CardPriceFactory(card=snap, price=Decimal("20.00"))
    StoreInventoryItemFactory(store=store, card=bolt, quantity=4, price=Decimal("2.50"))
    trader = UserFactory(
        username="nearby_trader", latitude=Decimal("47.62"), longitude=Decimal("-122.34"), match_with_stores=True
    )
    WantItem.objects.create(owner=trader, card=bolt, quantity=2)
    HaveItem.objects.create(owner=trader, card=snap, quantity=2, condition="NM")

    # 1. The owner puts Snapcaster on the hotlist at 60 %, previews, then saves.
    page = new_page()
    log_in(page, owner)
    page.wait_for_url("**/")
    page.goto("/dashboard/store/buylist/")
    page.fill("#id_buy_pct", "60")
    page.fill("#id_hotlist_bonus_pct", "10")
    page.fill("#id_hotlist", str(snap.pk))
    page.click("button[name=preview]")
    expect(page.get_by_role("heading", name="Preview (not saved)")).to_be_visible()
    # 20.00 x (60 + 10) % = 14.00 cash; credit x 1.25 = 17.50
    expect(page.locator("#buylist-preview")).to_contain_text("$14.00")
    page.click("button[name=save]")
    expect(page.get_by_text("Buylist rules saved")).to_be_visible()
    expect(page.locator("#buylist-preview")).to_contain_text("Snapcaster Mage")

    # 2. The nearby trader gets a credit quote for their haves and sends it.
    trader_page = new_page()
    log_in(trader_page, trader)
    trader_page.wait_for_url("**/")
    trader_page.goto("/stores/near-me/")
    expect(trader_page.get_by_text("Pilferer's Den")).to_be_visible()
    trader_page.get_by_role("link", name="See the quote").click()
    expect(trader_page.locator("#credit-total")).to_have_text("$35.00")
    expect(trader_page.locator("#cash-total")).to_have_text("$28.00")
    trader_page.fill("#id_body", "I can bring both on Saturday")
    trader_page.get_by_role("button", name="Send this quote to Pilferer's Den").click()
    expect(trader_page.get_by_text("Quote sent to Pilferer's Den.")).to_be_visible()
    thread = StoreThread.objects.get(store=store, trader=trader)
    assert thread.messages.get().quote["credit_total"] == "35.00"

    # 3. The owner sees the trader among local matches and messages them.
    page.goto("/dashboard/store/matches/")
    row = page.locator("#matches tr", has_text="nearby_trader")
    expect(row).to_contain_text("$33.00")  # 2 x 2.50 for the wanted Bolts + 2 x 14.00 for the Snapcasters
    row.locator("input[name=body]").fill("Bolts are in stock too, see you Saturday")
    row.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Message sent to nearby_trader.")).to_be_visible()
    expect(page.locator("#thread-messages")).to_contain_text("I can bring both on Saturday")
    assert StoreMessage.objects.filter(thread=thread, sender=owner).get().body.startswith("Bolts")

    trader_page.goto(f"/stores/threads/{thread.pk}/")
    expect(trader_page.locator("#thread-messages")).to_contain_text("Bolts are in stock too")
