"""Reads for notifications: the inbox, unread counts for the nav bell, email preferences."""

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils.module_loading import import_string

from .enums import NotificationKind
from .models import Notification, NotificationPreference


def notification_list(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications


def notifications_unread_about(*, user, kind: str, url: str) -> QuerySet[Notification]:
    """The user's unread notifications of one kind pointing at one page (e.g. a conversation)."""
    return Notification.objects.filter(recipient=user, kind=kind, url=url, read_at__isnull=True)


def notification_unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def access_notification(*, user, pk: int) -> Notification:
    """Another user's notification is simply not there (404)."""
    try:
        return Notification.objects.get(pk=pk, recipient=user)
    except Notification.DoesNotExist:
        raise Http404("No such notification.") from None


def nav_badges(*, user) -> dict[str, int]:
    """Notifications' own badge in the nav: the bell's unread count."""
    return {"notifications": notification_unread_count(user=user)}


def nav_badge_counts(*, user) -> dict[str, int]:
    """The numbers in the signed-in nav, one or more per app listed in settings.NAV_BADGES.

    Each provider is `f(*, user) -> {"<badge>": int}`; the apps above notifications register
    theirs there, so this module never imports them.
    """
    counts: dict[str, int] = {}
    for path in settings.NAV_BADGES:
        counts.update(import_string(path)(user=user))
    return counts


def nav_badge_counts_for_request(*, user) -> dict[str, int]:
    """`nav_badge_counts` once per request: the nav and the home page's panels share one reading.

    Kept on `request.user`, which lives for one request (views' writes happen before the page
    renders, so the reading is fresh); code outside a request calls `nav_badge_counts`.
    """
    counts = getattr(user, "_nav_badge_counts", None)
    if counts is None:
        counts = nav_badge_counts(user=user)
        user._nav_badge_counts = counts
    return counts


def email_preferences_for(*, user) -> list[dict]:
    """One row per kind with the effective setting (no stored row = email on)."""
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email_enabled"))
    return [
        {"kind": kind.value, "label": kind.label, "email_enabled": stored.get(kind.value, True)}
        for kind in NotificationKind
    ]


def email_enabled_for(*, user_id: int, kind: str) -> bool:
    return (
        NotificationPreference.objects.filter(user_id=user_id, kind=kind)
        .values_list("email_enabled", flat=True)
        .first()
        is not False
    )


def dashboard_panel(*, user) -> dict | None:
    """The five latest unread notifications; nothing when the inbox is read."""
    unread = list(notification_list(user=user, unread_only=True)[:5])
    if not unread:
        return None
    return {
        "template": "notifications/partials/_dashboard_panel.html",
        "notifications": unread,
        "unread_count": nav_badge_counts_for_request(user=user)["notifications"],
    }
