"""Notifications' routes that name an object, for the resolver-wide access test (docs/api.md)."""

from accounts.tests.factories import UserFactory
from core.tests.access import OWNER, AccessRoute, Target
from notifications.services import notification_send


def _notification():
    recipient = UserFactory()
    notification = notification_send(recipient=recipient, kind="proposal_received", title="Hi", body="", url="/")
    return Target(kwargs={"pk": notification.pk}, owners=[recipient])


ROUTES = [
    AccessRoute("notifications:read", _notification, OWNER),
    AccessRoute("notification-detail", _notification, OWNER),
    AccessRoute("notification-read", _notification, OWNER),
]
