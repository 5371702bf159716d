"""Our ledger against Stripe's objects: every difference, one line each (reconcile_escrow)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from core.money import from_minor_units

from . import stripe_api
from .enums import EscrowStatus, LedgerAccount
from .ledger import ledger_balances, unbalanced_movements
from .models import EscrowTransaction, LedgerEntry

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Difference:
    escrow_id: int
    what: str
    ours: object
    stripes: object

    def __str__(self) -> str:
        return f"escrow {self.escrow_id}: {self.what}: ours {self.ours}, Stripe {self.stripes}"


def _leg(escrow_id: int, prefix: str, account: str) -> Decimal:
    total = LedgerEntry.objects.filter(escrow_id=escrow_id, movement__startswith=prefix, account=account).aggregate(
        total=Sum("amount")
    )["total"]
    return total or ZERO


def _movements(escrow_id: int, prefix: str) -> set[str]:
    names = LedgerEntry.objects.filter(escrow_id=escrow_id, movement__startswith=prefix).values_list(
        "movement", flat=True
    )
    return {name.split(":", 1)[1] for name in names}


def reconcile_one(escrow: EscrowTransaction) -> list[Difference]:
    diffs: list[Difference] = []

    def check(what, ours, stripes):
        if ours != stripes:
            diffs.append(Difference(escrow.pk, what, ours, stripes))

    money = lambda minor: from_minor_units(minor, escrow.currency)  # noqa: E731
    paid = escrow.status not in (EscrowStatus.PENDING_PAYMENT, EscrowStatus.CANCELLED)
    if not escrow.stripe_charge_id:
        check(
            "payment booked", _leg(escrow.pk, "payment:", LedgerAccount.PAYER_FUNDS), ZERO if not paid else "a charge"
        )
        return diffs
    charge = stripe_api.charge_retrieve(charge_id=escrow.stripe_charge_id)
    charged = money(charge["amount"]) if charge["status"] == "succeeded" else ZERO
    check("payment", -_leg(escrow.pk, "payment:", LedgerAccount.PAYER_FUNDS), charged)
    txn = charge.get("balance_transaction")
    if isinstance(txn, dict):
        check("Stripe processing fee", _leg(escrow.pk, "stripe_fee:", LedgerAccount.STRIPE_FEES), money(txn["fee"]))

    transfers = stripe_api.transfers_for(escrow=escrow)
    check("transfer ids", _movements(escrow.pk, "release:"), {t["id"] for t in transfers})
    check(
        "transferred",
        _leg(escrow.pk, "release:", LedgerAccount.PAYEE_FUNDS),
        money(sum(t["amount"] for t in transfers)),
    )
    check(
        "transfers reversed",
        -_leg(escrow.pk, "reversal:", LedgerAccount.PAYEE_FUNDS),
        money(sum(t["amount_reversed"] for t in transfers)),
    )
    check("released_amount", escrow.released_amount or ZERO, money(sum(t["amount"] for t in transfers)))

    refunds = [r for r in stripe_api.refunds_for(escrow=escrow) if r["status"] in ("succeeded", "pending")]
    check("refund ids", _movements(escrow.pk, "refund:"), {r["id"] for r in refunds})
    check("refunded", _leg(escrow.pk, "refund:", LedgerAccount.PAYER_FUNDS), money(charge["amount_refunded"]))

    dispute_ids = {charge["dispute"]} if charge.get("dispute") else set()
    check("chargebacks", _movements(escrow.pk, "chargeback:"), dispute_ids)

    held = ledger_balances(escrow_id=escrow.pk)[LedgerAccount.ESCROW_HELD]
    if escrow.status in (EscrowStatus.RELEASED, EscrowStatus.REFUNDED):
        check("still held after the end", held, ZERO)
    elif paid:
        check("held", held, escrow.amount - money(charge["amount_refunded"]).min(escrow.amount))
    return diffs


def reconcile(*, escrow_ids: list[int] | None = None) -> list[Difference]:
    """Every difference between our books and Stripe, for every escrow that reached Stripe."""
    escrows = EscrowTransaction.objects.exclude(stripe_checkout_session_id=None).select_related("payee")
    if escrow_ids:
        escrows = escrows.filter(pk__in=escrow_ids)
    diffs: list[Difference] = [
        Difference(escrow_id, f"movement {movement} does not balance", total, ZERO)
        for escrow_id, movement, total in unbalanced_movements()
        if not escrow_ids or escrow_id in escrow_ids
    ]
    for escrow in escrows.order_by("pk"):
        diffs += reconcile_one(escrow)
    return diffs
