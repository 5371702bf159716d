"""Row locks for escrow. Lock order, when more than one: dispute, then the trade's proposal, the trade,
the escrow, then the payout account."""

from .models import Dispute, EscrowTransaction, PayoutAccount


def escrow_for_update(*, escrow_id: int) -> EscrowTransaction:
    return EscrowTransaction.objects.select_for_update().get(pk=escrow_id)


def payout_account_for_update(*, stripe_account_id: str) -> PayoutAccount | None:
    return PayoutAccount.objects.select_for_update().filter(stripe_account_id=stripe_account_id).first()


def dispute_for_update(*, escrow_id: int) -> Dispute | None:
    """Locked before anything the money services lock (trade, escrow): a resolution keeps the order."""
    return Dispute.objects.select_for_update().filter(escrow_id=escrow_id).first()
