"""Celery tasks for signals: ids in, one service call, idempotent (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task


@shared_task(name="signals.tasks.evaluate_signals", time_limit=30 * 60, soft_time_limit=25 * 60)
def evaluate_signals() -> dict:
    """Evaluate every signal whose target date has arrived, then rebuild the leaderboard."""
    from .evaluation import evaluation_run

    return evaluation_run()


@shared_task(name="signals.tasks.recompute_leaderboard", time_limit=10 * 60, soft_time_limit=9 * 60)
def recompute_leaderboard() -> dict:
    from .evaluation import leaderboard_recompute

    return leaderboard_recompute()


@shared_task(name="signals.tasks.generate_system_signals", time_limit=10 * 60, soft_time_limit=9 * 60)
def generate_system_signals() -> int:
    from .system import system_signals_generate

    return system_signals_generate()


@shared_task(
    name="signals.tasks.notify_signal_published",
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=5 * 60,
    soft_time_limit=4 * 60,
)
def notify_signal_published(signal_id: int) -> int:
    from .notify import signal_published_notify

    return signal_published_notify(signal_id=signal_id)


@shared_task(
    name="signals.tasks.notify_signals_evaluated",
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=10 * 60,
    soft_time_limit=9 * 60,
)
def notify_signals_evaluated(signal_ids: list[int]) -> int:
    from .notify import signals_evaluated_notify

    return signals_evaluated_notify(signal_ids=signal_ids)
