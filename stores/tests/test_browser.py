"""The store journey in a browser: register, staff verify in admin (with TOTP), upload a TCGplayer
export with bad rows and read the error report, and a nearby trader finds the store by ZIP and
sees that it stocks a card on their want list."""

import re
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from lists.models import WantItem
from stores.models import LGSProfile

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "correct-horse-battery-staple"


def log_in(page, user):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_store_journey(new_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    mh2 = {"set_code": "mh2", "set_name": "Modern Horizons 2"}
    ragavan = CardFactory(name="Ragavan, Nimble Pilferer", collector_number="138", **mh2)
    CardFactory(name="Urza's Saga", collector_number="259", **mh2)
    CardFactory(name="Lightning Bolt", set_code="m10", set_name="Magic 2010", collector_number="146")
    CardFactory(
        name="Delver of Secrets // Insectile Aberration", set_code="isd", set_name="Innistrad", collector_number="51"
    )
    owner = UserFactory(username="shopkeeper")
    staff = UserFactory(username="reviewer", is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    nearby = UserFactory(username="nearby_trader")
    WantItem.objects.create(owner=nearby, card=ragavan, quantity=1)

    # 1. A trader registers a store.
    page = new_page()
    log_in(page, owner)
    page.wait_for_url("**/")
    page.goto("/stores/register/")
    page.fill("#id_store_name", "Pilferer's Den")
    page.fill("#id_store_address", "1 Pike Pl")
    page.fill("#id_store_city", "Seattle")
    page.fill("#id_store_state", "WA")
    page.fill("#id_store_postal", "98101")
    page.select_option("#id_timezone", "America/Los_Angeles")
    page.check("#id_offers_buylist")
    page.fill("#id_monday_open", "10:00")
    page.fill("#id_monday_close", "09:00")  # closes before it opens: refused
    page.click("form.settings-form button[type=submit]")
    expect(page.get_by_text("Monday: closing time must be after opening time.")).to_be_visible()
    page.fill("#id_monday_close", "21:00")
    page.click("form.settings-form button[type=submit]")
    page.wait_for_url("**/dashboard/store/")
    expect(page.get_by_text("Pending review").first).to_be_visible()
    store = LGSProfile.objects.get(pk=owner.pk)

    # 2. Staff verify it in admin, after the second factor.
    staff_page = new_page()
    log_in(staff_page, staff)
    staff_page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    staff_page.fill("input[name=code]", code)
    staff_page.click("form button[type=submit]")
    staff_page.wait_for_url("**/")
    staff_page.goto("/admin/stores/lgsprofile/?status__exact=pending")
    staff_page.check(f"input[name=_selected_action][value='{store.pk}']")
    staff_page.select_option("select[name=action]", "verify_stores")
    staff_page.click("button[name=index]")
    expect(staff_page.get_by_text("Verified 1 store(s); the owners were emailed.")).to_be_visible()

    # 3. The owner uploads a TCGplayer export with bad rows and reads the error report.
    page.goto("/dashboard/store/sync/")
    expect(page.get_by_text("Verified", exact=True)).to_be_visible()
    page.set_input_files("#id_file", str(FIXTURES / "tcgplayer_bad_rows.csv"))
    page.select_option("#id_provider", "tcgplayer")
    page.click("button[name=upload]")
    page.wait_for_url(re.compile(r"/dashboard/store/sync/runs/\d+/"))
    expect(page.get_by_text("Succeeded")).to_be_visible()
    expect(page.get_by_role("heading", name="Rows with errors (5)")).to_be_visible()
    expect(page.get_by_text("Unknown condition “Gently Used”.")).to_be_visible()
    expect(page.get_by_role("heading", name="Cards we could not find (3)")).to_be_visible()
    expect(
        page.get_by_text("Number 138 in Modern Horizons 2 is Ragavan, Nimble Pilferer, not Counterspell.")
    ).to_be_visible()

    # 4. A trader nearby finds the store by ZIP and sees it stocks a card they want.
    trader_page = new_page()
    log_in(trader_page, nearby)
    trader_page.wait_for_url("**/")
    trader_page.goto("/stores/")
    trader_page.fill("#near", "98101")
    trader_page.check("input[name=my_wants]")
    trader_page.click("form.finder-form button[type=submit]")
    result = trader_page.locator(".store-result", has_text="Pilferer's Den")
    expect(result).to_contain_text("Stocks 1 card on your want list")
    result.get_by_role("link", name="Pilferer's Den").click()
    expect(trader_page.locator("tr.wanted")).to_contain_text("Ragavan, Nimble Pilferer")
    expect(trader_page.locator("tr.wanted")).to_contain_text("On your want list")
