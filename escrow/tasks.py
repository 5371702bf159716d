"""Escrow tasks: ids in, one service call, retry only when Stripe is unreachable."""

from celery import shared_task

from . import services
from .stripe_api import PaymentProviderUnavailable

RETRY = {
    "autoretry_for": (PaymentProviderUnavailable,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": 8,
    "time_limit": 120,
    "soft_time_limit": 100,
}


@shared_task(**RETRY)
def escrow_sync_payment(escrow_id: int, stripe_event_id: str = "") -> None:
    services.escrow_sync_payment(escrow_id=escrow_id, stripe_event_id=stripe_event_id)


@shared_task(**RETRY)
def payout_account_sync(stripe_account_id: str) -> None:
    services.payout_account_sync(stripe_account_id=stripe_account_id)


@shared_task(time_limit=600, soft_time_limit=540)
def expire_unpaid_escrows() -> int:
    return services.escrow_expire_due()


@shared_task(time_limit=600, soft_time_limit=540)
def auto_confirm_receipts() -> dict:
    """Reminders first (a recipient at the deadline gets no reminder after being deemed to confirm)."""
    return {
        "reminded": services.escrow_remind_due(),
        "auto_confirmed": services.escrow_auto_confirm_due(),
        "released": services.escrow_release_due(),
    }


@shared_task(**RETRY)
def escrow_sync_charge(escrow_id: int, stripe_event_id: str = "") -> None:
    services.escrow_sync_charge(escrow_id=escrow_id, stripe_event_id=stripe_event_id)


@shared_task(**RETRY)
def escrow_sync_charge_by_id(charge_id: str, stripe_event_id: str = "") -> None:
    services.escrow_sync_charge_by_id(charge_id=charge_id, stripe_event_id=stripe_event_id)
