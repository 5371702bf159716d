"""The escrow ledger: each money movement is written once as legs that sum to zero.

Accounts (LedgerAccount), signed so that money into an account is positive:
- payment:      payer_funds -total, escrow_held +amount, platform_fees +fee
- stripe_fee:   platform_fees -processing fee, stripe_fees +processing fee (from the charge's
                balance transaction)
- release:      escrow_held -released, payee_funds +released (the Transfer)
- refund:       escrow_held -refunded, platform_fees -fee (when the fee goes back too),
                payer_funds +what the Refund returned
- chargeback:   payer_funds +disputed, stripe_fees +dispute fee, platform_loss -both
- reversal:     payee_funds -reversed, platform_loss +reversed (a Transfer reversal)
"""

from decimal import Decimal

from django.db.models import Sum

from .enums import LedgerAccount
from .models import EscrowTransaction, LedgerEntry


class UnbalancedMovement(ValueError):
    pass


def ledger_write(*, escrow: EscrowTransaction, movement: str, legs: dict[str, Decimal]) -> list[LedgerEntry]:
    """Write one movement (zero legs are left out). A movement already written is not written again."""
    legs = {account: Decimal(amount) for account, amount in legs.items() if Decimal(amount) != 0}
    if sum(legs.values(), Decimal("0")) != 0:
        raise UnbalancedMovement(f"{movement}: legs {legs} do not sum to zero")
    movement = movement[:40]
    if LedgerEntry.objects.filter(escrow=escrow, movement=movement).exists():
        return []
    return LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(escrow=escrow, movement=movement, account=account, amount=amount, currency=escrow.currency)
            for account, amount in legs.items()
        ]
    )


def ledger_balances(*, escrow_id: int) -> dict[str, Decimal]:
    """Each account's balance for one escrow (accounts without entries are 0)."""
    rows = dict(LedgerEntry.objects.filter(escrow_id=escrow_id).values_list("account").annotate(total=Sum("amount")))
    return {account: rows.get(account, Decimal("0.00")) for account in LedgerAccount.values}


def unbalanced_movements(*, escrow_id: int | None = None) -> list[tuple[int, str, Decimal]]:
    """(escrow, movement, sum) for every movement whose legs do not sum to zero."""
    entries = LedgerEntry.objects.all()
    if escrow_id is not None:
        entries = entries.filter(escrow_id=escrow_id)
    return list(
        entries.values("escrow_id", "movement")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .values_list("escrow_id", "movement", "total")
    )


def ledger_move(*, escrow: EscrowTransaction, movement: str, amount: Decimal, out_of: str, into: str) -> None:
    """A two-leg movement: `amount` leaves `out_of` and arrives in `into`."""
    ledger_write(escrow=escrow, movement=movement, legs={out_of: -amount, into: amount})
