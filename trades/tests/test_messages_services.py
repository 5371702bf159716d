import pytest
from django.core import mail

from accounts.tests.factories import UserFactory
from core.errors import DomainError
from notifications.models import Notification
from trades import services
from trades.models import Message, ThreadParticipant
from trades.selectors import thread_unread_count
from trades.tests.factories import thread_between

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    return UserFactory(), UserFactory()


def test_message_is_unread_for_the_other_party_only(pair, django_capture_on_commit_callbacks):
    alice, bob = pair
    thread = thread_between(alice, bob)

    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_send(thread=thread, sender=alice, body="  Still have the Bolt?  ")

    assert message.body == "Still have the Bolt?"
    thread.refresh_from_db()
    assert thread.last_message_at == message.created_at
    assert thread_unread_count(user=bob) == 1
    assert thread_unread_count(user=alice) == 0
    notification = Notification.objects.get(recipient=bob)
    assert (notification.kind, notification.url) == ("message_received", f"/trades/threads/{thread.pk}/")
    assert [m.to for m in mail.outbox] == [[bob.email]]


def test_reading_clears_unread(pair):
    alice, bob = pair
    thread = thread_between(alice, bob)
    services.message_send(thread=thread, sender=alice, body="hello")

    assert services.thread_mark_read(thread_id=thread.pk, user=bob) is True
    assert services.thread_mark_read(thread_id=thread.pk, user=bob) is False
    assert thread_unread_count(user=bob) == 0

    services.message_send(thread=thread, sender=alice, body="again")
    assert thread_unread_count(user=bob) == 1


def test_unread_counts_conversations_not_messages(pair):
    alice, bob = pair
    first, second = thread_between(alice, bob), thread_between(alice, bob)
    for thread in (first, first, second):
        services.message_send(thread=thread, sender=alice, body="x")
    assert thread_unread_count(user=bob) == 2


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_invalid_bodies_write_nothing(pair, body):
    alice, bob = pair
    thread = thread_between(alice, bob)
    with pytest.raises(DomainError):
        services.message_send(thread=thread, sender=alice, body=body)
    assert Message.objects.count() == 0
    assert Notification.objects.count() == 0


def test_outsider_cannot_post(pair):
    alice, bob = pair
    thread = thread_between(alice, bob)
    with pytest.raises(DomainError):
        services.message_send(thread=thread, sender=UserFactory(), body="let me in")
    assert Message.objects.count() == 0
    assert ThreadParticipant.objects.filter(thread=thread).count() == 2


def test_email_respects_preference(pair, django_capture_on_commit_callbacks):
    from notifications.services import notification_preferences_update

    alice, bob = pair
    notification_preferences_update(user=bob, email_kinds={"proposal_received"})
    thread = thread_between(alice, bob)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(thread=thread, sender=alice, body="hi")
    assert Notification.objects.filter(recipient=bob).count() == 1
    assert mail.outbox == []


def test_a_note_about_my_own_action_is_not_unread_for_me():
    from trades.tests.factories import trading_pair

    proposer, recipient, mine, _ = trading_pair()
    proposal = services.proposal_create(proposer=proposer, recipient=recipient, offer={mine.pk: 1}, request={})
    assert (thread_unread_count(user=proposer), thread_unread_count(user=recipient)) == (0, 1)
    services.thread_mark_read(thread_id=proposal.thread_id, user=recipient)

    services.proposal_accept(proposal_id=proposal.pk, actor=recipient)

    assert (thread_unread_count(user=proposer), thread_unread_count(user=recipient)) == (1, 0)
