"""Celery tasks: ids in, one service call each. Idempotent (brokers may deliver twice)."""

from celery import shared_task


@shared_task(time_limit=30 * 60, soft_time_limit=28 * 60)
def run_inventory_sync(run_id: int) -> str:
    """A redelivered task finds the run already claimed and does nothing."""
    from .services.syncs import sync_run_execute

    run = sync_run_execute(run_id=run_id)
    return run.status if run else "already claimed"


@shared_task(time_limit=5 * 60)
def sync_due_stores() -> int:
    """Every 5 minutes (CELERY_BEAT_SCHEDULE): fail runs that died, then queue the URL syncs that are due."""
    from .services.syncs import sync_due_claim, sync_runs_fail_stale

    sync_runs_fail_stale()
    return len(sync_due_claim())


@shared_task(time_limit=15 * 60)
def reprice_auto_adjusted_stores() -> int:
    from .services.buylist import buylists_recompute_due
    from .services.pricing import stores_reprice_due

    repriced = len(stores_reprice_due())
    buylists_recompute_due()  # market prices moved: the buylists that cover those cards, batched
    return repriced


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_store_status_email(event_id: int) -> bool:
    from .services.verification import store_status_email_send

    return store_status_email_send(event_id=event_id)


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def recompute_buylist(store_id: int) -> int:
    from .services.buylist import buylist_recompute

    return buylist_recompute(store_id=store_id)


@shared_task(time_limit=60 * 60)
def recompute_all_buylists() -> int:
    """Nightly (CELERY_BEAT_SCHEDULE) and after price imports: every buylist store, one task each.

    First the names of cards the catalog renamed go onto store items and buylist rows.
    """
    from .services.buylist import buylist_recompute_soon, buylist_stores_all
    from .services.inventory import card_names_refresh

    card_names_refresh()
    return len(buylist_recompute_soon(store_ids=buylist_stores_all()))


@shared_task(time_limit=5 * 60, soft_time_limit=4 * 60)
def recompute_buylists_near_user(user_id: int) -> int:
    from .services.buylist import buylist_recompute_soon, buylist_stores_near_user

    return len(buylist_recompute_soon(store_ids=buylist_stores_near_user(user_id=user_id)))
