"""A busy live conversation in Chromium, two traders side by side: the reader stays at the
newest message through 30 arrivals, gets a "new messages" jump when scrolled up, the page
reopens at the newest, older messages load on scrolling up with the reader's place kept, and
no bell item is made for messages the reader watched arrive."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from notifications.models import Notification
from trades.selectors import threads as thread_selectors
from trades.tests.factories import thread_between

PASSWORD = "correct-horse-battery-staple"


def _log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("h1")).to_contain_text("Welcome back")


def _at_bottom(box) -> bool:
    return box.evaluate("el => el.scrollHeight - el.scrollTop - el.clientHeight <= 2")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_thirty_message_live_thread_stays_at_the_newest(new_page, monkeypatch):
    monkeypatch.setattr(thread_selectors, "THREAD_PAGE_SIZE", 20)
    reader, writer = UserFactory(username="reader"), UserFactory(username="writer")
    thread = thread_between(reader, writer)
    page_reader, page_writer = new_page(), new_page()
    page_reader.set_viewport_size({"width": 390, "height": 844})
    errors = []
    page_reader.on("console", lambda message: message.type == "error" and errors.append(message.text))
    _log_in(page_reader, reader.email)
    _log_in(page_writer, writer.email)
    url = f"/trades/threads/{thread.pk}/"
    page_reader.goto(url)
    page_writer.goto(url)
    box = page_reader.locator(f"#thread-{thread.pk}-messages")
    field, send = page_writer.get_by_label("Message", exact=True), page_writer.get_by_role("button", name="Send")

    for number in range(1, 31):
        field.fill(f"message {number}")
        send.click()
        expect(field).to_have_value("")
    expect(box.locator("li").last).to_contain_text("message 30")
    page_reader.wait_for_timeout(200)
    assert _at_bottom(box)
    expect(box.locator("li").last).to_be_in_viewport()
    assert not Notification.objects.filter(recipient=reader).exists()  # read live: no bell, no email

    # Scrolled up to read back: a new message does not move the reader, it offers a jump.
    box.evaluate("el => { el.scrollTop = 0; }")
    page_reader.wait_for_timeout(100)
    top_before = box.evaluate("el => el.scrollTop")
    field.fill("message 31")
    send.click()
    jump = page_reader.get_by_role("button", name="New messages ↓")
    expect(jump).to_be_visible()
    assert box.evaluate("el => el.scrollTop") <= top_before + 400  # older messages may load above
    jump.click()
    expect(jump).to_be_hidden()
    assert _at_bottom(box)

    # Reopened, the conversation starts at the newest; scrolling up loads older ones in place.
    page_reader.reload()
    expect(box.locator("li").last).to_contain_text("message 31")
    assert _at_bottom(box)
    first_message = box.locator(".message-body", has_text=re.compile(r"^message 1$"))
    expect(first_message).to_have_count(0)
    first_shown_id = box.locator("li.thread-message").first.get_attribute("id")
    box.evaluate("el => { el.scrollTop = 0; }")  # 31 messages, 20 a page: one older page, then none
    expect(box.locator("li.thread-message")).to_have_count(31)
    expect(first_message).to_have_count(1)
    expect(box.locator("[data-thread-older]")).to_have_count(0)
    expect(page_reader.locator(f"#{first_shown_id}")).to_be_in_viewport()  # the reader's place is kept
    assert box.evaluate("el => el.scrollTop") > 0
    assert errors == []
