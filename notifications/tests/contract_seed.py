"""Notifications for the API contract run (core/tests/contract.py)."""

from notifications.services import notification_send


def seed(*, user, other):
    ids = []
    for recipient in (user, other):
        for index in range(3):
            notification = notification_send(
                recipient=recipient, kind="proposal_received", title=f"Proposal {index}", url="/"
            )
            ids.append(notification.pk)
    return {"notifications": ids}
