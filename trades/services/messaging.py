"""Threads and messages: one conversation per negotiation, pushed live to both parties."""

from django.db import transaction
from django.db.models import Exists, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError, NotAllowed
from core.realtime import broadcast_on_commit
from notifications.enums import NotificationKind
from notifications.selectors import notifications_unread_about
from notifications.services import badges_push_on_commit, notification_send, notifications_mark_read_for
from trades.models import Message, Thread, ThreadParticipant
from trades.presence import thread_is_open_by
from trades.selectors.threads import with_sent_labels

MAX_MESSAGE_LENGTH = 5000


def thread_group(thread_id: int) -> str:
    """The Channels group of one conversation (joined only after access_thread allowed it)."""
    return f"thread.{thread_id}"


def thread_changed_on_commit(*, thread_id: int) -> None:
    """Tell every open page of this conversation that its negotiation changed (status, progress).

    The pages fetch their own fresh state (what a viewer may do depends on who they are), so the
    push carries no data: an out-of-band swap of the page's `thread-<id>-changed` marker.
    """
    stamp = timezone.now().isoformat()
    html = f'<div id="thread-{thread_id}-changed" hx-swap-oob="true" data-changed-at="{stamp}" hidden></div>'
    broadcast_on_commit(thread_group(thread_id), {"type": "thread.changed", "html": html})


def thread_open(*, users: list) -> Thread:
    """A new conversation between the given users (called inside the proposal service's transaction)."""
    thread = Thread.objects.create()
    ThreadParticipant.objects.bulk_create([ThreadParticipant(thread=thread, user=user) for user in users])
    return thread


def _publish(message: Message, *, reader_id: int | None) -> None:
    """Append the message live for everyone with the thread open, and refresh the others' badges."""
    html = render_to_string(
        "trades/partials/_message_oob.html", {"message": message, "thread_messages": with_sent_labels([message])}
    )
    broadcast_on_commit(thread_group(message.thread_id), {"type": "thread.message", "html": html})
    others = ThreadParticipant.objects.filter(thread_id=message.thread_id)
    if reader_id:
        others = others.exclude(user_id=reader_id)
    for user_id in others.values_list("user_id", flat=True):
        badges_push_on_commit(user_id=user_id)


def _record(*, thread: Thread, sender, body: str, is_system: bool, actor=None) -> Message:
    message = Message.objects.create(thread=thread, sender=sender, body=body, is_system=is_system)
    Thread.objects.filter(pk=thread.pk).update(last_message_at=message.created_at, updated_at=message.created_at)
    reader = sender or actor
    if reader is not None:
        # Your own message (or the note about what you just did) never counts as unread for you.
        ThreadParticipant.objects.filter(thread=thread, user=reader).update(last_read_at=message.created_at)
    _publish(message, reader_id=reader.pk if reader is not None else None)
    return message


def message_record(*, thread: Thread, sender, body: str) -> Message:
    """A participant's message written inside the caller's transaction (e.g. a proposal's note)."""
    return _record(thread=thread, sender=sender, body=body, is_system=False)


def system_message_post(*, thread: Thread, body: str, actor=None) -> Message:
    """A line written by Bazaar ("alice accepted the proposal") inside the caller's transaction.

    `actor` is whoever caused it: it is not unread for them.
    """
    message = _record(thread=thread, sender=None, body=body, is_system=True, actor=actor)
    thread_changed_on_commit(thread_id=thread.pk)
    return message


@transaction.atomic
def message_send(*, thread: Thread, sender, body: str) -> Message:
    """Post a message from a participant; the other party gets it live, in the bell and by email.

    Someone with the conversation open (a connected socket) only gets it live; the others get
    a bell item, and one email per conversation per quiet period however many messages come.
    """
    body = (body or "").strip()
    if not body:
        raise DomainError("Write a message first.", field="body")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise DomainError(f"Messages are at most {MAX_MESSAGE_LENGTH} characters.", field="body")
    memberships = list(ThreadParticipant.objects.filter(thread=thread).select_related("user"))
    if sender.pk not in {m.user_id for m in memberships}:
        raise NotAllowed("You are not part of this conversation.")
    message = _record(thread=thread, sender=sender, body=body, is_system=False)
    url = reverse("trades:thread_detail", args=[thread.pk])
    for membership in memberships:
        if membership.user_id == sender.pk or thread_is_open_by(thread_id=thread.pk, user_id=membership.user_id):
            continue
        notification_send(
            recipient=membership.user,
            kind=NotificationKind.MESSAGE_RECEIVED,
            title=f"New message from {sender.username}",
            body=body[:500],
            url=url,
            coalesce_email=True,
        )
    return message


def thread_mark_read(*, thread_id: int, user) -> bool:
    """Everything in the thread up to now is read by `user`. Returns whether anything changed.

    Opening a conversation that is already read writes nothing: one read finds out whether the
    membership or the thread's message notifications are unread, and only those are updated.
    """
    url = reverse("trades:thread_detail", args=[thread_id])
    unread_notifications = notifications_unread_about(user=user, kind=NotificationKind.MESSAGE_RECEIVED, url=url)
    state = (
        ThreadParticipant.objects.filter(thread_id=thread_id, user=user)
        .annotate(
            is_unread=Q(thread__last_message_at__isnull=False)
            & (Q(last_read_at__isnull=True) | Q(thread__last_message_at__gt=F("last_read_at"))),
            has_notifications=Exists(unread_notifications),
        )
        .values_list("pk", "is_unread", "has_notifications")
        .first()
    )
    if state is None:
        return False
    membership_id, is_unread, has_notifications = state
    if not (is_unread or has_notifications):
        return False  # nothing to write: no transaction either
    with transaction.atomic():
        updated = 0
        if is_unread:
            updated = (
                ThreadParticipant.objects.filter(pk=membership_id)
                .exclude(last_read_at__gte=F("thread__last_message_at"))
                .update(last_read_at=timezone.now())
            )
        cleared = (
            notifications_mark_read_for(user=user, kind=NotificationKind.MESSAGE_RECEIVED, url=url)
            if has_notifications
            else 0
        )
        if updated and not cleared:
            badges_push_on_commit(user_id=user.pk)
    return bool(updated)
