"""The Content-Security-Policy in a real browser: it blocks inline script, and the pages whose
scripts moved into static files still work under it (every browser test also fails on any
CSP violation reported on the console, see conftest.new_page)."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, CardPriceFactory
from lists.tests.factories import HaveItemFactory

PASSWORD = "correct-horse-battery-staple"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/")


def test_the_policy_blocks_injected_inline_script_and_the_check_sees_it(page, csp_violations):
    page.goto("/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injectedRan = true";
            document.body.appendChild(script);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.injectedRan === undefined")
    assert any("inline script" in message for message in csp_violations), csp_violations
    csp_violations.clear()  # provoked on purpose


def test_htmx_runs_without_eval_or_swapped_scripts(page):
    page.goto("/")
    assert page.evaluate(
        "[htmx.config.allowEval, htmx.config.allowScriptTags, htmx.config.includeIndicatorStyles]"
    ) == [
        False,
        False,
        False,
    ]


def test_api_docs_render_under_the_policy(page):
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Bazaar API")


def test_a_card_image_that_fails_shows_the_placeholder(page, asgi_live_server):
    card = CardFactory(name="Black Lotus", image_url=f"{asgi_live_server.url}/static/img/no-such-card.jpg")
    page.goto(f"/cards/{card.pk}/")
    expect(page.locator(".card-image-placeholder")).to_be_visible()
    expect(page.locator("img.card-image")).to_be_hidden()


def test_settings_page_script_offers_the_browser_location(page):
    log_in(page, UserFactory())
    page.goto("/settings/")
    expect(page.locator("#use-my-location")).to_be_visible()


def test_proposal_form_totals_follow_the_quantities(page):
    proposer, recipient = UserFactory(), UserFactory()
    bolt, rhystic = CardFactory(name="Lightning Bolt"), CardFactory(name="Rhystic Study")
    CardPriceFactory(card=bolt, price=Decimal("1.50"))
    CardPriceFactory(card=rhystic, price=Decimal("40.00"))
    HaveItemFactory(owner=proposer, card=bolt, quantity=4)
    HaveItemFactory(owner=recipient, card=rhystic, quantity=1)
    log_in(page, proposer)
    page.goto(f"/trades/propose/{recipient.username}/")
    page.fill("[data-testid=offer-lightning-bolt]", "3")
    page.fill("[data-testid=request-rhystic-study]", "1")
    expect(page.locator("[data-total=offer]")).to_have_text("$4.50")
    expect(page.locator("[data-total=request]")).to_have_text("$40.00")
    expect(page.locator("[data-balance]")).to_have_text("-$35.50")


def test_typing_after_picking_a_card_unpicks_it(page):
    CardFactory(name="Sol Ring")
    log_in(page, UserFactory())
    page.goto("/trades/lists/")
    page.fill("#have-card-q", "Sol Ri")
    page.locator(".card-option", has_text="Sol Ring").click()
    hidden = page.locator(".list-add-form [data-card-picker-value]").first
    assert hidden.input_value() != ""
    page.locator("#have-card-q").press("End")
    page.locator("#have-card-q").type("x")
    expect(hidden).to_have_value("")


def test_email_page_with_a_pending_change_renders_under_the_policy(page):
    user = UserFactory()
    log_in(page, user)
    page.goto("/accounts/email/")
    page.fill("input[name=email]", "new-address@example.com")
    page.get_by_role("button", name="Change Email").click()
    expect(page.get_by_text("Your email address is still pending verification.")).to_be_visible()
    expect(page.locator("form#pending-email")).to_be_hidden()


def test_two_factor_enrolment_shows_its_qr_code_under_the_policy(page):
    log_in(page, UserFactory())
    page.goto("/accounts/2fa/totp/activate/")
    # allauth asks for the password again before a two-factor change.
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/2fa/totp/activate/")
    qr = page.locator("img[src^='data:']").first
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
