"""Writes for notifications. Every notification is an in-app row; email and the live bell follow commit."""

from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.realtime import send_to_group_now, user_group

from .enums import NotificationKind
from .models import Notification, NotificationPreference
from .selectors import email_enabled_for, nav_badge_counts, notifications_unread_about


def _push_badges_now(user_id: int) -> None:
    from accounts.models import User

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    html = render_to_string("notifications/partials/_badges_oob.html", {"badges": nav_badge_counts(user=user)})
    send_to_group_now(user_group(user_id), {"type": "badges.update", "html": html})


def badges_push_on_commit(*, user_id: int) -> None:
    """After commit, send the user's fresh nav counts to every tab they have open.

    Counts are read after commit (not passed in) so that two quick events never leave a
    stale number on screen.
    """
    transaction.on_commit(lambda: _push_badges_now(user_id))


def _email_batch_key(notification: Notification) -> str:
    return f"notifications:email-batch:{notification.recipient_id}:{notification.kind}:{notification.url}"


def _email_schedule(notification: Notification, *, coalesce: bool) -> None:
    """Queue the email task. Coalesced kinds send one email per (kind, url) per quiet period.

    The first notification of a batch claims the batch key (cache.add is atomic across
    processes) and schedules the task at the end of the quiet period; later ones find the key
    taken and ride along — the task emails every notification of the batch still unread then.
    """
    from django.conf import settings
    from django.core.cache import cache

    from .tasks import notification_email_send

    if not coalesce:
        notification_email_send.delay(notification.pk)
        return
    quiet = settings.NOTIFICATION_EMAIL_QUIET_SECONDS
    if cache.add(_email_batch_key(notification), notification.pk, timeout=quiet):
        notification_email_send.apply_async((notification.pk,), countdown=quiet)


@transaction.atomic
def notification_send(
    *, recipient, kind: str, title: str, body: str = "", url: str = "", coalesce_email: bool = False
) -> Notification:
    """Record the notification; on commit, refresh the bell live and email it unless the user opted out.

    `coalesce_email` (messages): notifications of this kind and url share one email per quiet period.
    """
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, title=title[:200], body=body, url=url[:500]
    )
    badges_push_on_commit(user_id=recipient.pk)
    if recipient.email and email_enabled_for(user_id=recipient.pk, kind=kind):
        transaction.on_commit(lambda: _email_schedule(notification, coalesce=coalesce_email))
    return notification


@transaction.atomic
def notifications_mark_read_for(*, user, kind: str, url: str) -> int:
    """The user has seen what these notifications point at (e.g. opened the conversation)."""
    count = notifications_unread_about(user=user, kind=kind, url=url).update(read_at=timezone.now())
    if count:
        badges_push_on_commit(user_id=user.pk)
    return count


def notification_email_deliver(*, notification_id: int) -> bool:
    """Send the email once: rows are claimed by setting emailed_at, so a redelivered task does nothing.

    A coalesced batch (same recipient, kind and url, still unread and not emailed) goes out as
    one email listing each; what the recipient read in the meantime is not emailed at all.
    """
    from django.conf import settings
    from django.core.cache import cache
    from django.core.mail import send_mail

    first = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if first is None:
        return False
    cache.delete(_email_batch_key(first))  # what arrives from now on waits for the next batch's email
    batch = Notification.objects.filter(
        recipient_id=first.recipient_id, kind=first.kind, url=first.url, emailed_at__isnull=True
    ).filter(models.Q(pk=first.pk) | models.Q(read_at__isnull=True))
    if first.read_at is not None and first.kind == NotificationKind.MESSAGE_RECEIVED:
        batch = batch.exclude(pk=first.pk)  # seen in the conversation meanwhile: nothing to tell
    now = timezone.now()
    ids = list(batch.order_by("created_at", "pk").values_list("pk", flat=True))
    claimed = Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(emailed_at=now)
    if claimed == 0 or claimed != len(ids):
        if claimed:
            Notification.objects.filter(pk__in=ids, emailed_at=now).update(emailed_at=None)
        return False
    notifications = list(Notification.objects.filter(pk__in=ids).order_by("created_at", "pk"))
    if not email_enabled_for(user_id=first.recipient_id, kind=first.kind):
        return False
    context = {
        "notification": notifications[-1],
        "notifications": notifications,
        "site_url": settings.SITE_URL.rstrip("/"),
    }
    subject = notifications[0].title if len(notifications) == 1 else f"{len(notifications)} × {notifications[-1].title}"
    try:
        send_mail(
            subject=f"[Bazaar] {subject}",
            message=render_to_string("notifications/email/notification.txt", context),
            from_email=None,
            recipient_list=[first.recipient.email],
        )
    except Exception:
        # Release the claim so the retry can send it.
        Notification.objects.filter(pk__in=ids).update(emailed_at=None)
        raise
    return True


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        badges_push_on_commit(user_id=notification.recipient_id)
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    count = Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        badges_push_on_commit(user_id=user.pk)
    return count


@transaction.atomic
def notification_preferences_update(*, user, email_kinds: set[str]) -> None:
    """Email on for exactly the kinds in `email_kinds`, off for the rest (one upsert per kind)."""
    for kind in NotificationKind.values:
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email_enabled": kind in email_kinds}
        )
