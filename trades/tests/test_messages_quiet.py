"""Quiet notifications: nothing for a conversation the recipient has open; one email per
conversation per quiet period; opening the conversation clears its bell items."""

import time

import pytest
from django.core import mail

from accounts.tests.factories import UserFactory
from notifications.models import Notification
from notifications.services import notification_email_deliver
from trades import services
from trades.presence import thread_is_open_by, thread_presence_clear, thread_presence_mark
from trades.tests.factories import thread_between

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    return UserFactory(username="alice"), UserFactory(username="bob")


def test_no_bell_or_email_while_the_recipient_has_the_thread_open(pair, django_capture_on_commit_callbacks):
    alice, bob = pair
    thread = thread_between(alice, bob)
    thread_presence_mark(thread_id=thread.pk, user_id=bob.pk, channel_name="bob-tab")

    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(thread=thread, sender=alice, body="Still there?")

    assert not Notification.objects.filter(recipient=bob).exists()
    assert mail.outbox == []
    thread_presence_clear(thread_id=thread.pk, user_id=bob.pk, channel_name="bob-tab")
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(thread=thread, sender=alice, body="Hello?")
    assert Notification.objects.filter(recipient=bob).count() == 1


def test_presence_survives_another_tab_closing_and_expires_by_itself(pair, settings):
    alice, bob = pair
    thread = thread_between(alice, bob)
    settings.THREAD_PRESENCE_TTL_SECONDS = 1
    thread_presence_mark(thread_id=thread.pk, user_id=bob.pk, channel_name="tab-1")
    thread_presence_mark(thread_id=thread.pk, user_id=bob.pk, channel_name="tab-2")

    thread_presence_clear(thread_id=thread.pk, user_id=bob.pk, channel_name="tab-1")
    assert thread_is_open_by(thread_id=thread.pk, user_id=bob.pk)  # tab 2 still refreshes it

    time.sleep(1.1)
    assert not thread_is_open_by(thread_id=thread.pk, user_id=bob.pk)


def test_eight_messages_make_one_email_per_quiet_period(pair, django_capture_on_commit_callbacks):
    alice, bob = pair
    thread = thread_between(alice, bob)

    with django_capture_on_commit_callbacks(execute=True):
        for number in range(1, 9):
            services.message_send(thread=thread, sender=alice, body=f"message {number}")

    assert Notification.objects.filter(recipient=bob, kind="message_received").count() == 8
    assert len(mail.outbox) == 1  # one task for the batch, listing all eight
    first = mail.outbox[0]
    assert first.subject == "[Bazaar] 8 × New message from alice"
    assert all(f"message {number}" in first.body for number in range(1, 9))
    assert f"/trades/threads/{thread.pk}/" in first.body
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(thread=thread, sender=alice, body="message 9")

    assert len(mail.outbox) == 2  # a new batch (its task waits out the quiet period; eager here)
    assert mail.outbox[1].subject == "[Bazaar] New message from alice"
    assert "message 9" in mail.outbox[1].body and "message 8" not in mail.outbox[1].body
    assert Notification.objects.filter(recipient=bob, emailed_at__isnull=True).count() == 0


def test_the_batch_email_leaves_out_what_the_recipient_read_meanwhile(pair):
    alice, bob = pair
    thread = thread_between(alice, bob)
    first = Notification.objects.create(
        recipient=bob, kind="message_received", title="New message from alice", url=f"/trades/threads/{thread.pk}/"
    )

    services.thread_mark_read(thread_id=thread.pk, user=bob)  # bob opened the conversation

    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert notification_email_deliver(notification_id=first.pk) is False
    assert mail.outbox == []
