"""Release, refund and split against the Stripe emulator: the Transfer and Refund Stripe holds,
the balanced ledger, the trade's end, and replays that change nothing."""

from decimal import Decimal

import pytest

from core.errors import DomainError, InvalidTransition
from escrow import services
from escrow.enums import EscrowStatus, LedgerAccount
from escrow.ledger import ledger_balances, unbalanced_movements
from escrow.models import EscrowEvent, EscrowTransaction, LedgerEntry
from trades.enums import CancelFault, TradeStatus

from .factories import paid_escrow, stripe_objects

pytestmark = pytest.mark.django_db


def at_status(escrow, status):
    """Skip the shipping steps (tested on their own) for money tests."""
    EscrowTransaction.objects.filter(pk=escrow.pk).update(status=status)
    escrow.refresh_from_db()
    return escrow


def transfers_of(emulator, escrow):
    return [t for t in stripe_objects(emulator, "transfer") if t["transfer_group"] == escrow.transfer_group]


def refunds_of(emulator, escrow):
    return [r for r in stripe_objects(emulator, "refund") if r["payment_intent"] == escrow.stripe_payment_intent_id]


def test_payment_books_stripes_processing_fee_from_the_balance_transaction(emulator):
    escrow = paid_escrow(emulator)
    charge = emulator.objects[escrow.stripe_charge_id]
    txn = emulator.objects[charge["balance_transaction"]]
    balances = ledger_balances(escrow_id=escrow.pk)
    assert balances[LedgerAccount.STRIPE_FEES] == Decimal(txn["fee"]) / 100
    assert balances[LedgerAccount.PLATFORM_FEES] == escrow.fee_amount - Decimal(txn["fee"]) / 100
    assert balances[LedgerAccount.ESCROW_HELD] == escrow.amount
    assert unbalanced_movements() == []


def test_release_transfers_the_amount_with_source_transaction_and_completes_the_trade(emulator):
    escrow = at_status(paid_escrow(emulator), EscrowStatus.ITEMS_RECEIVED)
    escrow = services.escrow_release(escrow_id=escrow.pk, cause="Both parties confirmed receipt.")
    assert escrow.status == EscrowStatus.RELEASED
    assert escrow.released_amount == Decimal("150.00") and escrow.refunded_amount == Decimal("0.00")
    (transfer,) = transfers_of(emulator, escrow)
    assert transfer["id"] == escrow.stripe_transfer_id
    assert transfer["amount"] == 15000 and transfer["source_transaction"] == escrow.stripe_charge_id
    assert transfer["destination"] == escrow.payee.payout_account.stripe_account_id
    assert escrow.trade.__class__.objects.get(pk=escrow.trade_id).status == TradeStatus.COMPLETED
    balances = ledger_balances(escrow_id=escrow.pk)
    assert balances[LedgerAccount.ESCROW_HELD] == 0
    assert balances[LedgerAccount.PAYEE_FUNDS] == Decimal("150.00")
    assert unbalanced_movements() == []
    assert escrow.payee.notifications.filter(kind="escrow_updated").exists()


def test_release_again_and_from_the_wrong_state_changes_nothing(emulator):
    escrow = paid_escrow(emulator)
    with pytest.raises(InvalidTransition):
        services.escrow_release(escrow_id=escrow.pk, cause="too early")
    assert transfers_of(emulator, escrow) == []
    at_status(escrow, EscrowStatus.ITEMS_RECEIVED)
    services.escrow_release(escrow_id=escrow.pk, cause="received")
    entries = LedgerEntry.objects.filter(escrow=escrow).count()
    services.escrow_release(escrow_id=escrow.pk, cause="received")
    assert len(transfers_of(emulator, escrow)) == 1
    assert LedgerEntry.objects.filter(escrow=escrow).count() == entries
    assert EscrowEvent.objects.filter(escrow=escrow, to_status=EscrowStatus.RELEASED).count() == 1
    with pytest.raises(InvalidTransition):
        services.escrow_refund(escrow_id=escrow.pk, cause="late", refund_fee=True)


def test_release_needs_a_cause(emulator):
    escrow = at_status(paid_escrow(emulator), EscrowStatus.ITEMS_RECEIVED)
    with pytest.raises(DomainError):
        services.escrow_release(escrow_id=escrow.pk, cause=" ")
    assert transfers_of(emulator, escrow) == []


def test_refund_with_the_fee_returns_the_total_and_cancels_the_trade_without_penalty(emulator):
    escrow = paid_escrow(emulator)
    escrow = services.escrow_refund(escrow_id=escrow.pk, cause="Both parties cancelled.", refund_fee=True)
    assert escrow.status == EscrowStatus.REFUNDED
    assert escrow.refunded_amount == Decimal("150.00") and escrow.fee_refunded
    (refund,) = refunds_of(emulator, escrow)
    assert refund["amount"] == 15450 and refund["id"] == escrow.stripe_refund_id
    trade = escrow.trade.__class__.objects.get(pk=escrow.trade_id)
    assert trade.status == TradeStatus.CANCELLED and trade.cancel_fault == CancelFault.NONE
    for user in (escrow.payer, escrow.payee):
        user.reputation.refresh_from_db()
        assert user.reputation.cancelled_trades == 0
    balances = ledger_balances(escrow_id=escrow.pk)
    assert balances[LedgerAccount.ESCROW_HELD] == 0
    assert balances[LedgerAccount.PAYER_FUNDS] == 0  # paid the total, got the total back
    assert unbalanced_movements() == []


def test_refund_against_the_payer_keeps_the_fee_and_counts_only_against_them(emulator):
    escrow = at_status(paid_escrow(emulator), EscrowStatus.DISPUTED)
    escrow = services.escrow_refund(
        escrow_id=escrow.pk, cause="Staff: refund", refund_fee=False, at_fault_user_id=escrow.payer_id
    )
    (refund,) = refunds_of(emulator, escrow)
    assert refund["amount"] == 15000 and not escrow.fee_refunded
    assert ledger_balances(escrow_id=escrow.pk)[LedgerAccount.PAYER_FUNDS] == -escrow.fee_amount
    escrow.payer.reputation.refresh_from_db()
    escrow.payee.reputation.refresh_from_db()
    assert escrow.payer.reputation.cancelled_trades == 1
    assert escrow.payee.reputation.cancelled_trades == 0
    assert escrow.dispute_resolved_at is not None


def test_refund_refuses_a_stranger_as_the_party_at_fault(emulator):
    from accounts.tests.factories import UserFactory

    escrow = at_status(paid_escrow(emulator), EscrowStatus.DISPUTED)
    with pytest.raises(DomainError):
        services.escrow_refund(escrow_id=escrow.pk, cause="x", refund_fee=False, at_fault_user_id=UserFactory().pk)
    assert refunds_of(emulator, escrow) == []


def test_split_transfers_and_refunds_the_parts_keeps_the_fee_and_ends_released(emulator):
    escrow = at_status(paid_escrow(emulator), EscrowStatus.DISPUTED)
    escrow = services.escrow_split(
        escrow_id=escrow.pk,
        released_amount=Decimal("100.00"),
        refunded_amount=Decimal("50.00"),
        actor=None,
        cause="Half the cards arrived damaged.",
    )
    assert escrow.status == EscrowStatus.RELEASED
    assert (escrow.released_amount, escrow.refunded_amount) == (Decimal("100.00"), Decimal("50.00"))
    assert [t["amount"] for t in transfers_of(emulator, escrow)] == [10000]
    assert [r["amount"] for r in refunds_of(emulator, escrow)] == [5000]
    balances = ledger_balances(escrow_id=escrow.pk)
    assert balances[LedgerAccount.ESCROW_HELD] == 0
    assert balances[LedgerAccount.PAYEE_FUNDS] == Decimal("100.00")
    assert balances[LedgerAccount.PAYER_FUNDS] == Decimal("-104.50")
    assert unbalanced_movements() == []
    assert escrow.trade.__class__.objects.get(pk=escrow.trade_id).status == TradeStatus.COMPLETED
    services.escrow_split(
        escrow_id=escrow.pk, released_amount=Decimal("100.00"), refunded_amount=Decimal("50.00"), actor=None, cause="x"
    )
    assert len(transfers_of(emulator, escrow)) == 1 and len(refunds_of(emulator, escrow)) == 1


@pytest.mark.parametrize(("released", "refunded"), [("100.00", "49.99"), ("150.00", "0.00"), ("-1.00", "151.00")])
def test_split_amounts_must_be_positive_and_add_up_to_the_held_amount(emulator, released, refunded):
    escrow = at_status(paid_escrow(emulator), EscrowStatus.DISPUTED)
    with pytest.raises(DomainError):
        services.escrow_split(
            escrow_id=escrow.pk,
            released_amount=Decimal(released),
            refunded_amount=Decimal(refunded),
            actor=None,
            cause="x",
        )
    escrow.refresh_from_db()
    assert escrow.status == EscrowStatus.DISPUTED and escrow.released_amount is None
    assert transfers_of(emulator, escrow) == [] and refunds_of(emulator, escrow) == []


def test_split_only_from_disputed(emulator):
    escrow = at_status(paid_escrow(emulator), EscrowStatus.ITEMS_RECEIVED)
    with pytest.raises(InvalidTransition):
        services.escrow_split(
            escrow_id=escrow.pk, released_amount=Decimal("75"), refunded_amount=Decimal("75"), actor=None, cause="x"
        )


def test_a_release_that_times_out_after_stripe_did_the_work_then_retried_makes_one_transfer(emulator, settings):
    escrow = at_status(paid_escrow(emulator), EscrowStatus.ITEMS_RECEIVED)
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    services.stripe_api.configure()
    emulator.failures.append({"status": "timeout", "path": "/v1/transfers", "delay": 0})
    with pytest.raises(services.stripe_api.PaymentProviderUnavailable):
        services.escrow_release(escrow_id=escrow.pk, cause="received")
    escrow.refresh_from_db()
    assert escrow.status == EscrowStatus.ITEMS_RECEIVED
    assert not LedgerEntry.objects.filter(escrow=escrow, movement__startswith="release:").exists()
    assert len(transfers_of(emulator, escrow)) == 1  # Stripe made it; we did not hear back
    escrow = services.escrow_release(escrow_id=escrow.pk, cause="received")
    assert escrow.status == EscrowStatus.RELEASED
    (transfer,) = transfers_of(emulator, escrow)
    assert transfer["id"] == escrow.stripe_transfer_id
