"""Notifications for the API contract run (core/tests/contract.py)."""

from notifications.services import notification_send


def seed(*, user, other):
    for recipient in (user, other):
        for index in range(3):
            notification_send(recipient=recipient, kind="proposal_received", title=f"Proposal {index}", url="/")
