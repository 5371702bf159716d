"""A trader watches a card page while the market moves: the price changes in place, no reload."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cards.services import price_snapshot_record
from cards.tests.factories import CardFactory, CardPriceFactory, PriceSnapshotFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_card_page_price_updates_live_without_reload(page):
    card = CardFactory(name="Lightning Bolt", set_code="2xm", collector_number="129")
    day_ago = timezone.now() - timedelta(days=1)
    CardPriceFactory(card=card, price=Decimal("2.00"), captured_at=day_ago)
    for days in range(1, 30):
        PriceSnapshotFactory(card=card, price=Decimal("2.00"), captured_at=timezone.now() - timedelta(days=days))

    page.goto(f"/cards/{card.pk}/")
    price = page.locator(f"#price-{card.pk}-nonfoil")
    expect(price).to_have_text("$2.00")
    expect(page.locator(".chart-svg polyline")).to_have_count(1)
    expect(page.locator("#live-prices-socket")).to_have_attribute("data-live-state", "open")
    page.evaluate("window.notReloaded = true")

    price_snapshot_record(
        card_id=card.pk,
        finish="nonfoil",
        source="demo",
        price=Decimal("2.75"),
        currency="USD",
        captured_at=timezone.now(),
    )

    expect(price).to_contain_text("$2.75")
    expect(price).to_have_class("price price-up")
    assert page.evaluate("window.notReloaded") is True

    price_snapshot_record(
        card_id=card.pk,
        finish="nonfoil",
        source="demo",
        price=Decimal("2.10"),
        currency="USD",
        captured_at=timezone.now() + timedelta(seconds=1),
    )
    expect(price).to_contain_text("$2.10")
    expect(price).to_have_class("price price-down")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_search_results_update_as_you_type(page):
    bolt = CardFactory(name="Lightning Bolt")
    CardPriceFactory(card=bolt, price=Decimal("2.35"))
    CardFactory(name="Black Lotus")

    page.goto("/cards/")
    expect(page.locator("#card-results")).to_contain_text("Black Lotus")
    page.get_by_label("Card name").press_sequentially("lightnig", delay=30)

    expect(page.locator("#card-results")).not_to_contain_text("Black Lotus")
    expect(page.locator("#card-results")).to_contain_text("Lightning Bolt")
    expect(page.locator(f"#price-{bolt.pk}-nonfoil")).to_have_text("$2.35")
    assert "q=lightnig" in page.url  # the URL follows, so the result is linkable
