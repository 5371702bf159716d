"""Row locks for escrow. Lock order, when more than one: trade, then escrow, then payout account."""

from .models import EscrowTransaction, PayoutAccount


def escrow_for_update(*, escrow_id: int) -> EscrowTransaction:
    return EscrowTransaction.objects.select_for_update().get(pk=escrow_id)


def payout_account_for_update(*, stripe_account_id: str) -> PayoutAccount | None:
    return PayoutAccount.objects.select_for_update().filter(stripe_account_id=stripe_account_id).first()
