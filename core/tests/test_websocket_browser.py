"""In Chromium against the real ASGI server and Redis channel layer: signing out in one tab
closes the live sockets of every tab of that session, and they stay closed."""

import time

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory

PASSWORD = "correct-horse-battery-staple"

WATCH_SOCKET = """() => {
    window.socketEvents = [];
    document.body.addEventListener("htmx:wsOpen", () => window.socketEvents.push("open"));
    document.body.addEventListener("htmx:wsClose", (event) => {
        window.socketEvents.push("close:" + event.detail.event.code);
    });
}"""


def _wait_for_events(page, predicate, *, timeout: float) -> bool:
    """Poll from Python: Playwright's wait_for_function evaluates strings in the page, which
    the Content-Security-Policy (rightly) refuses."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate(page.evaluate("window.socketEvents")):
            return True
        page.wait_for_timeout(100)
    return False


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_signing_out_in_one_tab_closes_the_other_tabs_sockets(new_page):
    user = UserFactory()
    first = new_page()
    first.goto("/accounts/login/")
    first.fill("input[name=login]", user.email)
    first.fill("input[name=password]", PASSWORD)
    first.click("form button[type=submit]")
    first.wait_for_url("**/")
    second = first.context.new_page()  # same browser, same session
    second.goto("/notifications/")
    second.evaluate(WATCH_SOCKET)
    expect(second.locator(".nav-badges[hx-ext=ws]")).to_have_count(1)
    second.wait_for_timeout(500)  # the socket opens on load

    first.goto("/accounts/logout/")
    first.get_by_role("button", name="Sign Out").click()

    assert _wait_for_events(second, lambda events: "close:4001" in events, timeout=10)
    # 4001 is not a code the htmx ws extension reconnects on: the stale tab stays disconnected.
    second.wait_for_timeout(2000)
    events = second.evaluate("window.socketEvents")
    assert "open" not in events[events.index("close:4001") + 1 :], events
