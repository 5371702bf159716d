"""Celery tasks for negotiations: ids in (or none), one service call each."""

from celery import shared_task

from trades.services.proposals import proposals_expire_due


@shared_task(time_limit=300, soft_time_limit=240)
def expire_due_proposals() -> int:
    """Beat: open proposals past expires_at become expired (idempotent: a second run finds none)."""
    return proposals_expire_due()
