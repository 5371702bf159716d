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
