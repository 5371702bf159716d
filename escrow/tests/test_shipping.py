"""Shipping and receipt: who ships, all shipped, each recipient confirms, release; the inspection
window with its reminders; the mutual cancel before shipping."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.errors import DomainError, InvalidTransition, NotAllowed
from escrow import services
from escrow.enums import EscrowStatus
from escrow.models import EscrowEvent, EscrowTransaction
from notifications.models import Notification
from trades.enums import CancelFault, TradeStatus

from .factories import paid_escrow, stripe_objects

pytestmark = pytest.mark.django_db


def ship(escrow, user, tracking="1Z999AA10123456784"):
    return services.escrow_ship(escrow_id=escrow.pk, actor=user, carrier="UPS", tracking_number=tracking)


def test_each_shipping_party_enters_tracking_then_items_shipped(emulator):
    escrow = paid_escrow(emulator)
    escrow = ship(escrow, escrow.payer)
    assert escrow.status == EscrowStatus.PAYMENT_RECEIVED
    assert (escrow.payer_carrier, escrow.payer_tracking) == ("UPS", "1Z999AA10123456784")
    assert Notification.objects.filter(recipient=escrow.payee, kind="escrow_updated").exists()
    assert not Notification.objects.filter(recipient=escrow.payer, kind="escrow_updated").exists()
    escrow = ship(escrow, escrow.payee, tracking="9400 1000 0000 0000 0000 00")
    assert escrow.status == EscrowStatus.ITEMS_SHIPPED
    assert escrow.payee_tracking == "9400100000000000000000"
    assert escrow.events.filter(kind="all_shipped", to_status=EscrowStatus.ITEMS_SHIPPED).count() == 1


def test_a_party_who_ships_nothing_is_refused_409(emulator):
    escrow = paid_escrow(emulator, sides="b")  # a pure sale: only the payee ships
    with pytest.raises(InvalidTransition) as refused:
        ship(escrow, escrow.payer)
    assert refused.value.code == "nothing_to_ship"
    escrow = ship(escrow, escrow.payee)
    assert escrow.status == EscrowStatus.ITEMS_SHIPPED  # the one required shipment


@pytest.mark.parametrize(
    ("carrier", "tracking", "field"),
    [
        ("", "1Z999", "carrier"),
        ("UPS", "", "tracking_number"),
        ("UPS", "ab", "tracking_number"),
        ("UPS", "<script>", "tracking_number"),
        ("x" * 51, "1Z999", "carrier"),
    ],
)
def test_bad_shipments_are_refused_and_change_nothing(emulator, carrier, tracking, field):
    escrow = paid_escrow(emulator)
    with pytest.raises(DomainError) as refused:
        services.escrow_ship(escrow_id=escrow.pk, actor=escrow.payer, carrier=carrier, tracking_number=tracking)
    assert refused.value.field == field
    escrow.refresh_from_db()
    assert escrow.payer_shipped_at is None and not escrow.events.filter(kind="shipped").exists()


def test_shipping_twice_replays_or_conflicts_and_outsiders_are_refused(emulator):
    escrow = paid_escrow(emulator)
    ship(escrow, escrow.payer)
    ship(escrow, escrow.payer)  # same again: a replay
    assert escrow.events.filter(kind="shipped").count() == 1
    with pytest.raises(InvalidTransition):
        ship(escrow, escrow.payer, tracking="OTHER1234")
    with pytest.raises(NotAllowed):
        ship(escrow, UserFactory())


def test_shipping_needs_a_paid_escrow(emulator):
    from .factories import cash_trade, give_cards, onboarded

    trade = give_cards(cash_trade(payee=onboarded(emulator)))
    escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    with pytest.raises(InvalidTransition):
        ship(escrow, escrow.payer)


def test_both_recipients_confirm_then_the_escrow_releases_and_the_trade_completes(emulator):
    escrow = paid_escrow(emulator)
    ship(escrow, escrow.payer)
    with pytest.raises(InvalidTransition) as refused:  # the payee's cards are not on their way yet
        services.escrow_confirm_receipt(escrow_id=escrow.pk, actor=escrow.payer)
    assert refused.value.code == "not_shipped"
    ship(escrow, escrow.payee)
    escrow = services.escrow_confirm_receipt(escrow_id=escrow.pk, actor=escrow.payee)
    assert escrow.status == EscrowStatus.ITEMS_SHIPPED and escrow.payee_received_at
    escrow = services.escrow_confirm_receipt(escrow_id=escrow.pk, actor=escrow.payer)
    assert escrow.status == EscrowStatus.RELEASED
    assert [t["amount"] for t in stripe_objects(emulator, "transfer", transfer_group=escrow.transfer_group)] == [15000]
    assert escrow.trade.__class__.objects.get(pk=escrow.trade_id).status == TradeStatus.COMPLETED
    kinds = list(escrow.events.values_list("kind", flat=True))
    assert kinds.index("all_received") < kinds.index("released")
    services.escrow_confirm_receipt(escrow_id=escrow.pk, actor=escrow.payer)  # replay
    assert len(stripe_objects(emulator, "transfer", transfer_group=escrow.transfer_group)) == 1


def test_a_pure_sale_releases_on_the_payers_receipt_alone(emulator):
    escrow = paid_escrow(emulator, sides="b")
    ship(escrow, escrow.payee)
    with pytest.raises(InvalidTransition):  # nothing is shipped to the payee
        services.escrow_confirm_receipt(escrow_id=escrow.pk, actor=escrow.payee)
    escrow = services.escrow_confirm_receipt(escrow_id=escrow.pk, actor=escrow.payer)
    assert escrow.status == EscrowStatus.RELEASED


def test_release_when_stripe_is_down_stays_items_received_and_the_beat_job_finishes_it(emulator, settings):
    escrow = paid_escrow(emulator, sides="b")
    ship(escrow, escrow.payee)
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    services.stripe_api.configure()
    emulator.failures.append({"status": 500, "path": "/v1/transfers", "delay": 0})
    escrow = services.escrow_confirm_receipt(escrow_id=escrow.pk, actor=escrow.payer)
    assert escrow.status == EscrowStatus.ITEMS_RECEIVED
    assert services.escrow_release_due() == 1
    escrow.refresh_from_db()
    assert escrow.status == EscrowStatus.RELEASED


# --- inspection window ---------------------------------------------------------------------------
def shipped_days_ago(escrow, side, days):
    EscrowTransaction.objects.filter(pk=escrow.pk).update(
        **{f"{side}_shipped_at": timezone.now() - timedelta(days=days)}
    )


@pytest.mark.parametrize("window", [14, 3])
def test_a_silent_recipient_is_deemed_to_confirm_after_the_window(emulator, settings, window):
    settings.ESCROW_INSPECTION_DAYS = window
    escrow = paid_escrow(emulator, sides="b")
    ship(escrow, escrow.payee)
    shipped_days_ago(escrow, "payee", window - 1)
    assert services.escrow_auto_confirm_due() == 0
    shipped_days_ago(escrow, "payee", window)
    assert services.escrow_auto_confirm_due() == 1
    escrow.refresh_from_db()
    assert escrow.status == EscrowStatus.RELEASED
    assert escrow.events.get(kind="auto_confirmed").actor is None
    assert services.escrow_auto_confirm_due() == 0


def test_a_disputed_escrow_is_never_auto_confirmed(emulator):
    escrow = paid_escrow(emulator, sides="b")
    ship(escrow, escrow.payee)
    EscrowTransaction.objects.filter(pk=escrow.pk).update(status=EscrowStatus.DISPUTED)
    shipped_days_ago(escrow, "payee", 30)
    assert services.escrow_auto_confirm_due() == 0
    escrow.refresh_from_db()
    assert escrow.payer_received_at is None


def test_reminders_three_days_and_one_day_before_once_each(emulator, settings, mailoutbox):
    settings.ESCROW_INSPECTION_DAYS = 14
    escrow = paid_escrow(emulator, sides="b")
    ship(escrow, escrow.payee)
    shipped_days_ago(escrow, "payee", 10)  # 4 days left
    assert services.escrow_remind_due() == 0
    shipped_days_ago(escrow, "payee", 11.5)  # 2.5 days left
    assert services.escrow_remind_due() == 1
    assert services.escrow_remind_due() == 0
    shipped_days_ago(escrow, "payee", 13.5)  # half a day left
    assert services.escrow_remind_due() == 1
    reminders = Notification.objects.filter(recipient=escrow.payer, kind="escrow_reminder")
    assert reminders.count() == 2
    assert not Notification.objects.filter(recipient=escrow.payee, kind="escrow_reminder").exists()
    assert EscrowEvent.objects.filter(escrow=escrow, kind="reminder").count() == 2


def test_reminder_emails_go_out(emulator, settings, django_capture_on_commit_callbacks):
    escrow = paid_escrow(emulator, sides="b")
    ship(escrow, escrow.payee)
    shipped_days_ago(escrow, "payee", 13.5)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.escrow_remind_due()
    assert any(escrow.payer.email in message.to for message in mail.outbox)


# --- mutual cancel after payment -----------------------------------------------------------------
def test_mutual_cancel_before_shipping_refunds_everything_without_penalty(emulator):
    escrow = paid_escrow(emulator)
    escrow = services.escrow_request_cancel(escrow_id=escrow.pk, actor=escrow.payee)
    assert escrow.status == EscrowStatus.PAYMENT_RECEIVED and escrow.cancel_requested_by == escrow.payee
    services.escrow_request_cancel(escrow_id=escrow.pk, actor=escrow.payee)  # asking again: the same request
    assert stripe_objects(emulator, "refund", payment_intent=escrow.stripe_payment_intent_id) == []
    escrow = services.escrow_request_cancel(escrow_id=escrow.pk, actor=escrow.payer)
    assert escrow.status == EscrowStatus.REFUNDED and escrow.fee_refunded
    (refund,) = stripe_objects(emulator, "refund", payment_intent=escrow.stripe_payment_intent_id)
    assert refund["amount"] == 15450
    trade = escrow.trade.__class__.objects.get(pk=escrow.trade_id)
    assert trade.status == TradeStatus.CANCELLED and trade.cancel_fault == CancelFault.NONE


def test_no_mutual_cancel_once_anything_shipped(emulator):
    escrow = paid_escrow(emulator)
    services.escrow_request_cancel(escrow_id=escrow.pk, actor=escrow.payee)
    ship(escrow, escrow.payer)
    escrow.refresh_from_db()
    assert escrow.cancel_requested_by is None  # shipping ended the request
    with pytest.raises(InvalidTransition):
        services.escrow_request_cancel(escrow_id=escrow.pk, actor=escrow.payer)
    assert stripe_objects(emulator, "refund", payment_intent=escrow.stripe_payment_intent_id) == []


def test_cancel_before_payment_still_cancels_at_once(emulator):
    from .factories import cash_trade, onboarded

    trade = cash_trade(payee=onboarded(emulator))
    escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    escrow = services.escrow_request_cancel(escrow_id=escrow.pk, actor=trade.party_b)
    assert escrow.status == EscrowStatus.CANCELLED


def test_the_trade_reputation_penalty_still_hits_both_on_a_plain_mutual_trade_cancel():
    from trades.services.trades import trade_cancel
    from trades.tests.factories import TradeFactory

    trade = TradeFactory()
    trade_cancel(trade_id=trade.pk, cause="Staff cancelled.")
    for user in (trade.party_a, trade.party_b):
        user.reputation.refresh_from_db()
        assert user.reputation.cancelled_trades == 1


def test_the_payee_hears_of_the_payment_and_both_of_a_chargeback(emulator):
    escrow = paid_escrow(emulator)
    assert (
        Notification.objects.filter(recipient=escrow.payee, kind="escrow_updated", title__contains="paid").count() == 1
    )
    emulator.dispute_create(escrow.stripe_charge_id)
    services.escrow_sync_charge(escrow_id=escrow.pk)
    for user in (escrow.payer, escrow.payee):
        assert Notification.objects.filter(recipient=user, title__contains="disputed with the card issuer").count() == 1
