"""Periodic reputation upkeep (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from .services import reputation_recompute_all


@shared_task(name="accounts.tasks.recompute_all_reputations", time_limit=60 * 60, soft_time_limit=55 * 60)
def recompute_all_reputations() -> int:
    """Apply inactivity decay and email verification to every score. Idempotent: a second run changes nothing."""
    return reputation_recompute_all()
