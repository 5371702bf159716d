"""Escrow services against the Stripe emulator: fees, creation rules, the state machine, payment,
failure and retry, cancellation and expiry."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.errors import DomainError, InvalidTransition, NotAllowed
from escrow import selectors, services
from escrow.enums import ALLOWED_TRANSITIONS, EscrowStatus, PayoutAccountStatus
from escrow.fees import escrow_fee
from escrow.models import EscrowEvent, EscrowTransaction, LedgerEntry, PayoutAccount
from trades.enums import TradeStatus

from .factories import cash_trade, escrow_row, onboarded

pytestmark = pytest.mark.django_db


def open_escrow(emulator, **trade_kwargs):
    trade = cash_trade(payee=onboarded(emulator), **trade_kwargs)
    escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    return trade, escrow


def paid(emulator, escrow, card="4242424242424242"):
    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=escrow.payer)
    emulator.pay(escrow.stripe_checkout_session_id, card)
    return services.escrow_sync_payment(escrow_id=escrow.pk, stripe_event_id="evt_test")


# --- fee ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("amount", "fee"),
    [
        ("150.00", "4.50"),  # 3 %
        ("10.00", "1.00"),  # 0.30 → minimum
        ("33.35", "1.00"),  # 1.0005 → 1.00
        ("50.17", "1.51"),  # 1.5051 rounds half up once
        ("1666.50", "50.00"),  # 49.995 → 50.00 (half up), at the maximum
        ("5000.00", "50.00"),  # 150 → maximum
    ],
)
def test_fee_is_three_percent_rounded_half_up_and_clamped(amount, fee):
    assert escrow_fee(amount=Decimal(amount)) == Decimal(fee)


def test_fee_follows_settings(settings):
    settings.ESCROW_FEE_PERCENT = Decimal("5")
    settings.ESCROW_FEE_MIN = Decimal("2.00")
    assert escrow_fee(amount=Decimal("20.00")) == Decimal("2.00")
    assert escrow_fee(amount=Decimal("100.00")) == Decimal("5.00")


# --- payout accounts ------------------------------------------------------------------------------
def test_connect_creates_one_express_account_and_returns_a_link(emulator):
    user = UserFactory()
    url = services.payout_account_connect(user=user)
    again = services.payout_account_connect(user=user)
    account = PayoutAccount.objects.get(user=user)
    assert url.startswith(emulator.base_url + "/setup/e/") and again != url
    assert account.account_status == PayoutAccountStatus.PENDING
    assert emulator.objects[account.stripe_account_id]["type"] == "express"
    assert (
        sum(
            1
            for o in emulator.objects.values()
            if o["object"] == "account" and o["metadata"].get("bazaar_user_id") == str(user.pk)
        )
        == 1
    )
    assert "external_account" in account.requirements_due


def test_sync_follows_stripe_to_enabled(emulator):
    user = onboarded(emulator)
    account = PayoutAccount.objects.get(user=user)
    assert account.account_status == PayoutAccountStatus.ENABLED
    assert (account.charges_enabled, account.payouts_enabled, account.requirements_due) == (True, True, [])
    assert selectors.payout_status(user=user) == "enabled"
    assert selectors.payout_status(user=UserFactory()) == "none"
    with pytest.raises(InvalidTransition):
        services.payout_account_connect(user=user)


@pytest.mark.parametrize(
    ("remote", "status"),
    [
        ({"details_submitted": False}, "pending"),
        ({"details_submitted": True, "charges_enabled": True, "payouts_enabled": False}, "restricted"),
        ({"details_submitted": True, "charges_enabled": False, "payouts_enabled": False}, "restricted"),
        ({"details_submitted": True, "charges_enabled": True, "payouts_enabled": True}, "enabled"),
    ],
)
def test_payout_status_from_stripe(remote, status):
    assert services.payout_status_from_stripe(remote)["account_status"] == status


# --- creation -----------------------------------------------------------------------------------
def test_create_holds_the_cash_of_the_party_adding_it(emulator):
    trade, escrow = open_escrow(emulator)
    assert (escrow.payer, escrow.payee) == (trade.party_a, trade.party_b)
    assert (escrow.amount, escrow.fee_amount, escrow.total_charged) == (
        Decimal("150.00"),
        Decimal("4.50"),
        Decimal("154.50"),
    )
    assert escrow.status == EscrowStatus.PENDING_PAYMENT
    assert abs((escrow.expires_at - timezone.now()) - timedelta(hours=48)) < timedelta(minutes=1)
    assert list(escrow.events.values_list("kind", "to_status")) == [("created", "pending_payment")]


def test_payer_is_party_b_when_b_adds_the_cash(emulator):
    payer = UserFactory()
    payee = onboarded(emulator)
    from trades.tests.factories import TradeFactory

    trade = TradeFactory(proposal__proposer=payee, proposal__recipient=payer, cash_b_to_a=Decimal("120.00"))
    escrow = services.escrow_create(trade_id=trade.pk, actor=payee)  # either party may open it
    assert (escrow.payer, escrow.payee, escrow.amount) == (payer, payee, Decimal("120.00"))


def test_create_refuses_a_trade_without_cash(emulator):
    trade = cash_trade(payee=onboarded(emulator), cash="0")
    with pytest.raises(DomainError) as raised:
        services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    assert (raised.value.status_code, raised.value.code) == (400, "no_cash")
    assert not EscrowTransaction.objects.exists()


def test_create_refuses_a_payee_without_enabled_payout_account(emulator):
    trade = cash_trade()
    with pytest.raises(DomainError) as raised:
        services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    assert raised.value.code == "payee_not_onboarded" and "other trader" in raised.value.message
    services.payout_account_connect(user=trade.party_b)  # pending is not enough
    with pytest.raises(DomainError):
        services.escrow_create(trade_id=trade.pk, actor=trade.party_b)
    assert not EscrowTransaction.objects.exists()


def test_create_refuses_outsiders_and_inactive_trades(emulator):
    trade = cash_trade(payee=onboarded(emulator))
    with pytest.raises(NotAllowed):
        services.escrow_create(trade_id=trade.pk, actor=UserFactory())
    done = cash_trade(payee=trade.party_b, status=TradeStatus.COMPLETED)
    with pytest.raises(InvalidTransition):
        services.escrow_create(trade_id=done.pk, actor=done.party_a)
    assert not EscrowTransaction.objects.exists()


def test_one_live_escrow_per_trade_and_a_new_one_after_cancel(emulator):
    trade, escrow = open_escrow(emulator)
    with pytest.raises(InvalidTransition) as raised:
        services.escrow_create(trade_id=trade.pk, actor=trade.party_b)
    assert raised.value.status_code == 409
    services.escrow_cancel(escrow_id=escrow.pk, actor=trade.party_b)
    second = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    assert second.pk != escrow.pk and second.status == EscrowStatus.PENDING_PAYMENT


def test_partial_unique_constraint_backs_the_rule(emulator):
    trade, escrow = open_escrow(emulator)
    with pytest.raises(IntegrityError):
        EscrowTransaction.objects.create(
            trade=trade,
            payer=escrow.payer,
            payee=escrow.payee,
            amount=1,
            fee_amount=1,
            total_charged=2,
            expires_at=timezone.now(),
            status=EscrowStatus.PAYMENT_RECEIVED,
        )


# --- state machine --------------------------------------------------------------------------------
ALLOWED = [(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets]
FORBIDDEN = [
    (a, b) for a in EscrowStatus.values for b in EscrowStatus.values if a != b and b not in ALLOWED_TRANSITIONS[a]
]


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_allowed_transition(from_status, to_status):
    escrow = escrow_row(status=from_status)
    escrow, changed = services._transition(escrow_id=escrow.pk, to_status=to_status)
    assert changed and escrow.status == to_status
    assert escrow.events.filter(from_status=from_status, to_status=to_status).count() == 1


@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN)
def test_forbidden_transition(from_status, to_status):
    escrow = escrow_row(status=from_status)
    with pytest.raises(InvalidTransition):
        services._transition(escrow_id=escrow.pk, to_status=to_status)
    assert EscrowTransaction.objects.get(pk=escrow.pk).status == from_status
    assert escrow.events.count() == 0


def test_same_transition_twice_is_a_replay():
    escrow = escrow_row()
    services._transition(escrow_id=escrow.pk, to_status=EscrowStatus.CANCELLED)
    _, changed = services._transition(escrow_id=escrow.pk, to_status=EscrowStatus.CANCELLED)
    assert changed is False and escrow.events.filter(to_status="cancelled").count() == 1


# --- checkout and payment -------------------------------------------------------------------------
def test_checkout_session_carries_amount_transfer_group_and_metadata(emulator):
    _, escrow = open_escrow(emulator)
    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=escrow.payer)
    session = emulator.objects[escrow.stripe_checkout_session_id]
    assert session["amount_total"] == 15450 and session["currency"] == "usd"
    assert session["_payment_intent_data"] == {
        "transfer_group": f"escrow-{escrow.pk}",
        "metadata": {"escrow_id": str(escrow.pk), "trade_id": str(escrow.trade_id)},
    }
    assert escrow.checkout_url == session["url"]
    key = [r for r in emulator.requests_log if r["path"] == "/v1/checkout/sessions"][-1]["idempotency_key"]
    assert key == f"escrow:{escrow.pk}:checkout-1"
    again = services.escrow_checkout_start(escrow_id=escrow.pk, actor=escrow.payer)
    assert again.stripe_checkout_session_id == escrow.stripe_checkout_session_id  # reused while open


def test_only_the_payer_opens_checkout(emulator):
    _, escrow = open_escrow(emulator)
    with pytest.raises(NotAllowed):
        services.escrow_checkout_start(escrow_id=escrow.pk, actor=escrow.payee)
    assert EscrowTransaction.objects.get(pk=escrow.pk).stripe_checkout_session_id is None


def test_a_new_session_after_the_old_one_expired(emulator):
    _, escrow = open_escrow(emulator)
    first = services.escrow_checkout_start(escrow_id=escrow.pk, actor=escrow.payer)
    EscrowTransaction.objects.filter(pk=escrow.pk).update(checkout_expires_at=timezone.now())
    second = services.escrow_checkout_start(escrow_id=escrow.pk, actor=escrow.payer)
    assert second.stripe_checkout_session_id != first.stripe_checkout_session_id
    assert second.checkout_attempt == 2


def test_payment_moves_to_payment_received_with_balanced_ledger(emulator):
    _, escrow = open_escrow(emulator)
    escrow = paid(emulator, escrow)
    assert escrow.status == EscrowStatus.PAYMENT_RECEIVED and escrow.paid_at
    assert escrow.stripe_payment_intent_id.startswith("pi_") and escrow.stripe_charge_id.startswith("ch_")
    entries = list(
        LedgerEntry.objects.filter(escrow=escrow, movement__startswith="payment:").values_list("account", "amount")
    )
    assert sorted(entries) == sorted(
        [("payer_funds", Decimal("-154.50")), ("escrow_held", Decimal("150.00")), ("platform_fees", Decimal("4.50"))]
    )
    assert sum(amount for _, amount in entries) == 0
    # Stripe's processing fee on 154.50: 2.9 % + 0.30 = 4.78, paid out of the platform's fee.
    fee_legs = LedgerEntry.objects.filter(escrow=escrow, movement__startswith="stripe_fee:")
    assert sorted(fee_legs.values_list("account", "amount")) == [
        ("platform_fees", Decimal("-4.78")),
        ("stripe_fees", Decimal("4.78")),
    ]
    assert escrow.events.filter(kind="paid", stripe_event_id="evt_test").count() == 1
    services.escrow_sync_payment(escrow_id=escrow.pk)  # replay
    assert LedgerEntry.objects.filter(escrow=escrow).count() == 5


def test_a_declined_card_records_the_reason_and_a_retry_succeeds(emulator):
    _, escrow = open_escrow(emulator)
    escrow = paid(emulator, escrow, card="4000000000009995")
    assert escrow.status == EscrowStatus.PENDING_PAYMENT
    assert escrow.payment_failure_reason == "Your card has insufficient funds."
    assert escrow.events.filter(kind="payment_failed").count() == 1
    escrow = paid(emulator, escrow)
    assert escrow.status == EscrowStatus.PAYMENT_RECEIVED and escrow.payment_failure_reason == ""


def test_amount_mismatch_is_flagged_not_accepted(emulator):
    _, escrow = open_escrow(emulator)
    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=escrow.payer)
    EscrowTransaction.objects.filter(pk=escrow.pk).update(
        amount=Decimal("200.00"), fee_amount=Decimal("4.50"), total_charged=Decimal("204.50")
    )
    emulator.pay(escrow.stripe_checkout_session_id, "4242424242424242")
    escrow = services.escrow_sync_payment(escrow_id=escrow.pk)
    assert EscrowTransaction.objects.get(pk=escrow.pk).status == EscrowStatus.PENDING_PAYMENT
    assert EscrowEvent.objects.filter(escrow_id=escrow.pk, kind="amount_mismatch").count() == 1


# --- cancel and expiry ----------------------------------------------------------------------------
def test_cancel_expires_the_checkout_session_first(emulator):
    trade, escrow = open_escrow(emulator)
    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=escrow.payer)
    escrow = services.escrow_cancel(escrow_id=escrow.pk, actor=trade.party_b, reason="changed our minds")
    assert escrow.status == EscrowStatus.CANCELLED and escrow.cancelled_at
    assert emulator.objects[escrow.stripe_checkout_session_id]["status"] == "expired"
    trade.refresh_from_db()
    assert trade.status == TradeStatus.ACTIVE


def test_cancel_after_payment_arrived_records_the_payment(emulator):
    _, escrow = open_escrow(emulator)
    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=escrow.payer)
    emulator.pay(escrow.stripe_checkout_session_id, "4242424242424242")  # webhook not processed yet
    with pytest.raises(InvalidTransition):
        services.escrow_cancel(escrow_id=escrow.pk, actor=escrow.payer)
    assert EscrowTransaction.objects.get(pk=escrow.pk).status == EscrowStatus.PAYMENT_RECEIVED


def test_outsider_cannot_cancel(emulator):
    _, escrow = open_escrow(emulator)
    with pytest.raises(NotAllowed):
        services.escrow_cancel(escrow_id=escrow.pk, actor=UserFactory())
    assert EscrowTransaction.objects.get(pk=escrow.pk).status == EscrowStatus.PENDING_PAYMENT


def test_expiry_cancels_only_due_unpaid_escrows_and_keeps_the_trade(emulator):
    trade, due = open_escrow(emulator)
    _, fresh = open_escrow(emulator)
    _, paid_due = open_escrow(emulator)
    paid(emulator, paid_due)
    due = services.escrow_checkout_start(escrow_id=due.pk, actor=due.payer)
    EscrowTransaction.objects.filter(pk__in=[due.pk, paid_due.pk]).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert services.escrow_expire_due() == 1
    assert EscrowTransaction.objects.get(pk=due.pk).status == EscrowStatus.CANCELLED
    assert EscrowTransaction.objects.get(pk=fresh.pk).status == EscrowStatus.PENDING_PAYMENT
    assert EscrowTransaction.objects.get(pk=paid_due.pk).status == EscrowStatus.PAYMENT_RECEIVED
    assert emulator.objects[due.stripe_checkout_session_id]["status"] == "expired"
    assert EscrowEvent.objects.filter(escrow_id=due.pk, kind="expired").count() == 1
    trade.refresh_from_db()
    assert trade.status == TradeStatus.ACTIVE
    assert services.escrow_expire_due() == 0  # the same job again does nothing


def test_expiry_records_a_last_minute_payment_instead(emulator):
    _, escrow = open_escrow(emulator)
    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=escrow.payer)
    emulator.pay(escrow.stripe_checkout_session_id, "4242424242424242")
    EscrowTransaction.objects.filter(pk=escrow.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert services.escrow_expire_due() == 0
    assert EscrowTransaction.objects.get(pk=escrow.pk).status == EscrowStatus.PAYMENT_RECEIVED


# --- guard and hooks ----------------------------------------------------------------------------
def test_trade_guard_blocks_confirm_and_cancel_while_live(emulator):
    trade, escrow = open_escrow(emulator)
    for action in ("confirm", "cancel"):
        with pytest.raises(InvalidTransition) as raised:
            selectors.trade_guard(trade=trade, action=action)
        assert raised.value.status_code == 409
    assert selectors.trade_escrow_id(trade=trade) == escrow.pk
    services.escrow_cancel(escrow_id=escrow.pk, actor=trade.party_a)
    selectors.trade_guard(trade=trade, action="confirm")  # no escrow live: allowed
    assert selectors.trade_escrow_id(trade=trade) is None
