"""Writes for notifications. Every notification is an in-app row; email and the live bell follow commit."""

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.realtime import send_to_group_now, user_group

from .enums import NotificationKind
from .models import Notification, NotificationPreference
from .selectors import email_enabled_for, nav_badge_counts


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


@transaction.atomic
def notification_send(*, recipient, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Record the notification; on commit, refresh the bell live and email it unless the user opted out."""
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, title=title[:200], body=body, url=url[:500]
    )
    badges_push_on_commit(user_id=recipient.pk)
    if recipient.email and email_enabled_for(user_id=recipient.pk, kind=kind):
        from .tasks import notification_email_send

        transaction.on_commit(lambda: notification_email_send.delay(notification.pk))
    return notification


def notification_email_deliver(*, notification_id: int) -> bool:
    """Send the email once: the row is claimed by setting emailed_at, so a redelivered task does nothing."""
    from django.conf import settings
    from django.core.mail import send_mail

    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if claimed != 1:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    if not email_enabled_for(user_id=notification.recipient_id, kind=notification.kind):
        return False
    context = {"notification": notification, "site_url": settings.SITE_URL.rstrip("/")}
    try:
        send_mail(
            subject=f"[Bazaar] {notification.title}",
            message=render_to_string("notifications/email/notification.txt", context),
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
    except Exception:
        # Release the claim so the retry can send it.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
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
