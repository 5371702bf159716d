"""Journeys a person makes through accounts, in Chromium against the real ASGI app."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from accounts.tests.factories import UserFactory

PASSWORD = "tr4de-fair-and-square"


def log_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign In").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sign_up_verify_log_in_set_location_and_see_profile(page):
    # Sign up.
    page.goto("/")
    page.get_by_role("link", name="Create a free account").click()
    page.locator("input[name=email]").fill("newtrader@example.com")
    page.locator("input[name=username]").fill("new_trader")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.locator("h1")).to_contain_text("Verify Your Email Address")

    # Open the verification link from the email and confirm.
    body = mail.outbox[-1].body
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", body).group(1)
    page.goto(path)
    page.get_by_role("button", name="Confirm").click()

    # Log out and back in with the new password.
    page.get_by_role("button", name="Log out").click()
    expect(page.locator(".nav-user").get_by_role("link", name="Log in")).to_be_visible()
    log_in(page, "newtrader@example.com", PASSWORD)
    expect(page.locator("h1")).to_contain_text("Welcome back, new_trader")

    # Set the location by ZIP on the settings page.
    page.get_by_role("link", name="Settings", exact=True).first.click()
    page.get_by_label("ZIP / postal code").fill("98101")
    page.get_by_label("Trade radius (km)").fill("25")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".messages")).to_contain_text("Settings saved.")
    user = User.objects.get(email="newtrader@example.com")
    assert (user.postal_code, str(user.latitude), user.trade_radius_km) == ("98101", "47.611400", 25)

    # A bad ZIP is refused on the page, and nothing changes.
    page.get_by_label("ZIP / postal code").fill("00000")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".errorlist")).to_contain_text("We could not find the ZIP code 00000.")
    assert User.objects.get(pk=user.pk).postal_code == "98101"

    # See the public profile.
    page.goto("/u/new_trader/")
    expect(page.locator("h1")).to_have_text("new_trader")
    expect(page.locator(".badge.tier-new")).to_be_visible()
    expect(page.get_by_test_id("reputation-score")).to_have_text("10.00")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_without_two_factor_is_refused_admin(page):
    UserFactory(email="staff@example.com", username="staffer", is_staff=True, is_superuser=True)
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=(/|%2F)admin"))
    page.locator("input[name=login]").fill("staff@example.com")
    page.locator("input[name=password]").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("h1")).to_have_text("Two-factor authentication required")
    expect(page.get_by_role("link", name="Set up an authenticator app")).to_be_visible()
