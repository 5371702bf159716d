"""Money reliability on PostgreSQL with real threads and the Stripe emulator: concurrent
releases, a mixed race of release/refund/split, every ordering of charge webhooks, overlapping
auto-confirm runs."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
import stripe
from django.conf import settings
from django.utils import timezone

from core.errors import DomainError
from escrow import services
from escrow.enums import EscrowStatus, LedgerAccount
from escrow.ledger import ledger_balances, unbalanced_movements
from escrow.models import EscrowEvent, EscrowTransaction, LedgerEntry
from escrow.reconcile import reconcile

from .factories import paid_escrow, stripe_objects
from .test_reliability import in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def money_out(emulator, escrow) -> int:
    transfers = stripe_objects(emulator, "transfer", transfer_group=escrow.transfer_group)
    refunds = stripe_objects(emulator, "refund", payment_intent=escrow.stripe_payment_intent_id)
    return sum(t["amount"] for t in transfers) + sum(r["amount"] for r in refunds)


def test_twenty_threads_releasing_at_once_make_one_transfer_and_one_set_of_entries(emulator):
    escrow = paid_escrow(emulator)
    EscrowTransaction.objects.filter(pk=escrow.pk).update(status=EscrowStatus.ITEMS_RECEIVED)

    results = in_threads(20, lambda i: services.escrow_release(escrow_id=escrow.pk, cause="received").status)

    assert all(result == EscrowStatus.RELEASED for result in results), results
    escrow.refresh_from_db()
    assert escrow.status == EscrowStatus.RELEASED
    assert len(stripe_objects(emulator, "transfer", transfer_group=escrow.transfer_group)) == 1
    assert LedgerEntry.objects.filter(escrow=escrow, movement__startswith="release:").count() == 2
    assert EscrowEvent.objects.filter(escrow=escrow, to_status=EscrowStatus.RELEASED).count() == 1
    assert unbalanced_movements(escrow_id=escrow.pk) == []
    assert reconcile(escrow_ids=[escrow.pk]) == []


def test_a_mixed_race_of_release_refund_and_split_has_one_outcome(emulator):
    escrow = paid_escrow(emulator)
    EscrowTransaction.objects.filter(pk=escrow.pk).update(status=EscrowStatus.DISPUTED)
    actions = [
        lambda: services.escrow_release(escrow_id=escrow.pk, cause="staff: release"),
        lambda: services.escrow_refund(escrow_id=escrow.pk, cause="staff: refund", refund_fee=False),
        lambda: services.escrow_split(
            escrow_id=escrow.pk,
            released_amount=Decimal("90.00"),
            refunded_amount=Decimal("60.00"),
            actor=None,
            cause="staff: split",
        ),
    ]

    def work(index):
        try:
            return actions[index % 3]().status
        except DomainError as error:
            return type(error).__name__

    results = in_threads(21, work)
    assert not any(isinstance(result, Exception) for result in results), results
    escrow.refresh_from_db()
    assert escrow.status in (EscrowStatus.RELEASED, EscrowStatus.REFUNDED)
    assert EscrowEvent.objects.filter(escrow=escrow, from_status=EscrowStatus.DISPUTED).count() == 1
    charge = emulator.objects[escrow.stripe_charge_id]
    assert money_out(emulator, escrow) <= charge["amount"]
    assert money_out(emulator, escrow) == ((escrow.released_amount + escrow.refunded_amount) * 100)
    assert ledger_balances(escrow_id=escrow.pk)[LedgerAccount.ESCROW_HELD] == 0
    assert reconcile(escrow_ids=[escrow.pk]) == []


def test_two_overlapping_auto_confirm_runs_never_act_twice(emulator):
    escrow = paid_escrow(emulator, sides="b")
    services.escrow_ship(escrow_id=escrow.pk, actor=escrow.payee, carrier="USPS", tracking_number="9400111")
    EscrowTransaction.objects.filter(pk=escrow.pk).update(
        payee_shipped_at=timezone.now() - timedelta(days=settings.ESCROW_INSPECTION_DAYS + 1)
    )
    results = in_threads(2, lambda i: services.escrow_auto_confirm_due())
    assert sorted(results) == [0, 1]
    escrow.refresh_from_db()
    assert escrow.status == EscrowStatus.RELEASED
    assert EscrowEvent.objects.filter(escrow=escrow, kind="auto_confirmed").count() == 1
    assert len(stripe_objects(emulator, "transfer", transfer_group=escrow.transfer_group)) == 1


# --- every ordering of the charge webhooks ---------------------------------------------------------
def _refund_at_stripe(escrow, amount=None):
    """A refund made outside Bazaar (Stripe's dashboard): straight through the API."""
    params = {"payment_intent": escrow.stripe_payment_intent_id}
    if amount:
        params["amount"] = amount
    stripe.Refund.create(api_key=settings.STRIPE_SECRET_KEY, **params)


def _chargeback(emulator, escrow):
    emulator.dispute_create(escrow.stripe_charge_id)


SCENARIOS = {
    # Stripe's objects: refunded in full outside Bazaar → refunded, trade cancelled.
    "refunded": (["payment_intent.succeeded", "charge.refunded"], lambda em, e: _refund_at_stripe(e)),
    # Charged back → disputed and flagged, the loss booked.
    "charged_back": (["payment_intent.succeeded", "charge.dispute.created"], lambda em, e: _chargeback(em, e)),
    # The fee refunded outside Bazaar, then the rest charged back → disputed and flagged.
    "part_refunded_then_charged_back": (
        ["payment_intent.succeeded", "charge.refunded", "charge.dispute.created"],
        lambda em, e: (_refund_at_stripe(e, amount=450), _chargeback(em, e)),
    ),
}
ORDERINGS = [(name, order) for name, (types, _) in SCENARIOS.items() for order in itertools.permutations(types)]


@pytest.mark.parametrize(("scenario", "order"), ORDERINGS, ids=[f"{n}:{'>'.join(o)}" for n, o in ORDERINGS])
def test_every_ordering_of_charge_webhooks_ends_where_stripe_says(emulator, webhooks, scenario, order):
    from .factories import cash_trade, give_cards, onboarded

    trade = give_cards(cash_trade(payee=onboarded(emulator)))
    escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=trade.party_a)
    webhooks.pending()  # drop the onboarding events
    emulator.pay(escrow.stripe_checkout_session_id, "4242424242424242")
    # What Stripe did is known to Stripe only; our row learns it from the webhooks below.
    intent = next(
        o
        for o in emulator.objects.values()
        if o["object"] == "payment_intent" and o["transfer_group"] == escrow.transfer_group
    )
    escrow.stripe_payment_intent_id, escrow.stripe_charge_id = intent["id"], intent["latest_charge"]
    SCENARIOS[scenario][1](emulator, escrow)
    payloads = {item["type"]: item["payload"] for item in webhooks.pending()}
    for event_type in order:
        assert webhooks.post(payloads[event_type]).status_code == 200
    for event_type in order:  # and every one replayed
        assert webhooks.post(payloads[event_type]).status_code == 200

    escrow = EscrowTransaction.objects.get(pk=escrow.pk)
    balances = ledger_balances(escrow_id=escrow.pk)
    if scenario == "refunded":
        assert escrow.status == EscrowStatus.REFUNDED
        assert escrow.trade.status == "cancelled"
        assert balances[LedgerAccount.PAYER_FUNDS] == 0
    else:
        assert escrow.status == EscrowStatus.DISPUTED and escrow.flagged_for_staff
        assert escrow.stripe_dispute_id == emulator.objects[intent["latest_charge"]]["dispute"]
        assert balances[LedgerAccount.PLATFORM_LOSS] < 0
        assert LedgerEntry.objects.filter(escrow=escrow, movement__startswith="chargeback:").count() == 3
    assert unbalanced_movements(escrow_id=escrow.pk) == []
    assert reconcile(escrow_ids=[escrow.pk]) == []


def test_a_chargeback_after_release_books_the_loss_and_reverses_the_transfer(emulator, webhooks):
    escrow = paid_escrow(emulator)
    EscrowTransaction.objects.filter(pk=escrow.pk).update(status=EscrowStatus.ITEMS_RECEIVED)
    escrow = services.escrow_release(escrow_id=escrow.pk, cause="received")
    webhooks.pending()
    _chargeback(emulator, escrow)
    for item in webhooks.pending():
        if item["type"] == "charge.dispute.created":
            assert webhooks.post(item["payload"]).status_code == 200
            assert webhooks.post(item["payload"]).status_code == 200  # replay
    escrow.refresh_from_db()
    assert escrow.status == EscrowStatus.RELEASED and escrow.flagged_for_staff
    (transfer,) = stripe_objects(emulator, "transfer", transfer_group=escrow.transfer_group)
    assert transfer["amount_reversed"] == 15000
    balances = ledger_balances(escrow_id=escrow.pk)
    assert balances[LedgerAccount.PAYEE_FUNDS] == 0
    # Bazaar lost the fee part of the chargeback (4.50) and Stripe's dispute fee (15.00).
    assert balances[LedgerAccount.PLATFORM_LOSS] == Decimal("-19.50")
    assert EscrowEvent.objects.filter(escrow=escrow, kind="transfer_reversed").count() == 1
    assert reconcile(escrow_ids=[escrow.pk]) == []
