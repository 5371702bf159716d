"""A trader keeps lists in the browser: add with the card picker, edit inline, remove, import a CSV."""

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardPriceFactory
from lists.models import HaveItem

from .factories import make_catalog

FIXTURES = Path(__file__).parent / "fixtures"


def log_in(page, user):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", "correct-horse-battery-staple")
    page.click("form button[type=submit]")
    page.wait_for_url("**/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_keep_a_have_list_in_the_browser(page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    catalog = make_catalog()
    CardPriceFactory(card=catalog["sol_ring"], price=Decimal("2.50"))
    CardPriceFactory(card=catalog["bolt"], price=Decimal("1.00"))
    trader = UserFactory()
    log_in(page, trader)

    page.goto("/trades/lists/")
    expect(page.get_by_text("Your have list is empty.")).to_be_visible()
    page.fill("#have-card-q", "Sol Ri")
    page.locator(".card-option", has_text="Sol Ring").click()
    expect(page.locator("#have-card-q")).to_have_value("Sol Ring (CMM 410)")
    page.fill("#have-add-quantity", "2")
    page.click(".list-add-form button[type=submit]")
    expect(page.locator(".list-table")).to_contain_text("Sol Ring")
    item = HaveItem.objects.get(owner=trader)
    row = page.locator(f"#have-item-{item.pk}")
    expect(row).to_contain_text("Sol Ring")
    expect(page.locator("#have-totals")).to_contain_text("$5.00")

    row.get_by_role("link", name="Edit").click()
    page.fill(f"#have-{item.pk}-quantity", "4")
    page.locator(f"#have-item-{item.pk}").get_by_role("button", name="Save").click()
    expect(page.locator("#have-totals")).to_contain_text("$10.00")
    expect(page.locator(f"#have-item-{item.pk} td.num").first).to_have_text("4")

    page.locator(f"#have-item-{item.pk}").get_by_role("button", name="Remove").click()
    dialog = page.get_by_role("dialog", name="Please confirm")
    expect(dialog).to_contain_text("Remove Sol Ring from your list?")
    dialog.get_by_role("button", name="Remove").click()
    expect(page.locator(f"#have-item-{item.pk}")).to_have_count(0)
    expect(page.locator("#have-totals")).to_contain_text("$0.00")

    page.goto("/trades/lists/import/")
    page.set_input_files("input[type=file]", str(FIXTURES / "deckbox_haves.csv"))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("#import-status")).to_contain_text("Ready to review")
    matched = page.get_by_test_id("import-rows-matched")
    expect(matched).to_contain_text("Lightning Bolt")
    expect(matched).to_contain_text("2X2 #117")
    page.get_by_role("link", name="Unmatched (1)").click()
    expect(page.get_by_test_id("import-rows-unmatched")).to_contain_text("Imaginary Beast")
    expect(page.get_by_test_id("import-rows-unmatched")).to_contain_text("Printing ZZZ 1 is not in the catalog")
    page.get_by_role("button", name="Import 3 rows").click()
    expect(page.locator("#import-status")).to_contain_text("Imported 3 rows into your have list")
    assert HaveItem.objects.filter(owner=trader).count() == 3
