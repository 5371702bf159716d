"""dj-stripe webhook receivers (signals are how a third-party app hooks in; STYLE).

dj-stripe's endpoint has verified the signature, stored the Event once (a replayed delivery
never reaches these receivers again) and synced its own mirror. Here we only map the event
to our row and hand off on commit; the task re-fetches the object from Stripe.
"""

import logging

from django.db import transaction
from djstripe.event_handlers import djstripe_receiver

from .models import EscrowTransaction, PayoutAccount

logger = logging.getLogger(__name__)

PAYMENT_EVENTS = [
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
]


def escrow_id_for(obj: dict) -> int | None:
    """Our escrow for a Checkout Session or PaymentIntent payload (by Stripe id, then metadata)."""
    kind, object_id = obj.get("object"), obj.get("id")
    lookup = {"checkout.session": "stripe_checkout_session_id", "payment_intent": "stripe_payment_intent_id"}.get(kind)
    if lookup is None:
        return None
    found = EscrowTransaction.objects.filter(**{lookup: object_id}).values_list("pk", flat=True).first()
    if found:
        return found
    claimed = str((obj.get("metadata") or {}).get("escrow_id") or "")
    if claimed.isdigit():
        # Only a hint: the task re-fetches our escrow's own Checkout Session from Stripe.
        return EscrowTransaction.objects.filter(pk=int(claimed)).values_list("pk", flat=True).first()
    return None


@djstripe_receiver(PAYMENT_EVENTS)
def on_payment_event(sender, event, **kwargs):
    escrow_id = escrow_id_for(event.data.get("object") or {})
    if escrow_id is None:
        logger.info("Stripe event %s (%s) is not about an escrow", event.id, event.type)
        return
    from .tasks import escrow_sync_payment

    event_id = event.id
    transaction.on_commit(lambda: escrow_sync_payment.delay(escrow_id, event_id))


@djstripe_receiver("account.updated")
def on_account_updated(sender, event, **kwargs):
    account_id = (event.data.get("object") or {}).get("id")
    if not account_id or not PayoutAccount.objects.filter(stripe_account_id=account_id).exists():
        return
    from .tasks import payout_account_sync

    transaction.on_commit(lambda: payout_account_sync.delay(account_id))


CHARGE_EVENTS = ["charge.refunded", "charge.refund.updated", "charge.dispute.created", "charge.dispute.funds_withdrawn"]


@djstripe_receiver(CHARGE_EVENTS)
def on_charge_event(sender, event, **kwargs):
    """Refunds made at Stripe and chargebacks: the task re-fetches the charge (and its dispute)."""
    obj = event.data.get("object") or {}
    charge_id = obj.get("charge") if obj.get("object") in ("dispute", "refund") else obj.get("id")
    if not isinstance(charge_id, str) or not charge_id.startswith(("ch_", "py_")):
        return
    from .tasks import escrow_sync_charge, escrow_sync_charge_by_id

    event_id = event.id
    escrow_id = EscrowTransaction.objects.filter(stripe_charge_id=charge_id).values_list("pk", flat=True).first()
    if escrow_id is not None:
        transaction.on_commit(lambda: escrow_sync_charge.delay(escrow_id, event_id))
    else:  # the payment's own webhook may not have arrived yet
        transaction.on_commit(lambda: escrow_sync_charge_by_id.delay(charge_id, event_id))
