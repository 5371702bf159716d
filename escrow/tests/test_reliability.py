"""Reliability on PostgreSQL with real threads: webhook replays and races, signature checks,
timeouts after Stripe did the work, overlapping expiry runs."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from djstripe.models import Event, WebhookEventTrigger

from escrow import services
from escrow.enums import EscrowStatus
from escrow.models import EscrowEvent, EscrowTransaction, LedgerEntry, PayoutAccount
from escrow.stripe_api import PaymentProviderUnavailable

from .factories import cash_trade, onboarded

pytestmark = pytest.mark.django_db(transaction=True)


def in_threads(count: int, work) -> list:
    """Run work(i) in `count` threads released together; returns results (or exceptions)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # reported to the test, not swallowed
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def paid_session(emulator, webhooks):
    """An escrow whose Checkout Session the payer has just paid; its webhooks are still pending."""
    trade = cash_trade(payee=onboarded(emulator))
    escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=trade.party_a)
    webhooks.pending()  # drop the onboarding events
    emulator.pay(escrow.stripe_checkout_session_id, "4242424242424242")
    events = {item["type"]: item["payload"] for item in webhooks.pending()}
    return escrow, events


def assert_paid_once(escrow):
    escrow.refresh_from_db()
    assert escrow.status == EscrowStatus.PAYMENT_RECEIVED
    assert EscrowEvent.objects.filter(escrow=escrow, to_status=EscrowStatus.PAYMENT_RECEIVED).count() == 1
    assert LedgerEntry.objects.filter(escrow=escrow).count() == 5  # payment (3 legs) + Stripe's fee (2)


def test_same_webhook_ten_times_in_a_row_changes_state_once(paid_session, webhooks):
    escrow, events = paid_session
    payload = events["checkout.session.completed"]
    statuses = [webhooks.post(payload).status_code for _ in range(10)]
    assert statuses == [200] * 10
    assert_paid_once(escrow)
    assert Event.objects.filter(type="checkout.session.completed").count() == 1
    assert WebhookEventTrigger.objects.filter(valid=True, processed=True).count() == 10


def test_same_webhooks_ten_times_concurrently_change_state_once(paid_session, webhooks):
    escrow, events = paid_session
    payloads = [events["checkout.session.completed"], events["payment_intent.succeeded"]] * 10

    def deliver(index):
        return webhooks.post(payloads[index], client=Client()).status_code

    results = in_threads(len(payloads), deliver)
    assert results == [200] * len(payloads)
    assert_paid_once(escrow)
    assert Event.objects.filter(type__in=["checkout.session.completed", "payment_intent.succeeded"]).count() == 2


@pytest.mark.parametrize(
    ("signature", "age"),
    [(None, 0), ("t=1700000000,v1=deadbeef", 0), ("wrong-secret", 0), ("sign", 301)],
    ids=["missing", "garbage", "wrong-secret", "stale"],
)
def test_bad_signatures_are_400_and_change_nothing(paid_session, webhooks, signature, age):
    escrow, events = paid_session
    payload = events["checkout.session.completed"]
    if signature == "wrong-secret":
        from tools.stripe_emulator import sign_payload

        signature = sign_payload(payload, "whsec_someone_else")
    response = webhooks.post(payload, signature=signature, timestamp=int(time.time()) - age if age else None)
    assert response.status_code == 400
    escrow.refresh_from_db()
    assert escrow.status == EscrowStatus.PENDING_PAYMENT
    assert not Event.objects.filter(type="checkout.session.completed").exists()
    assert not EscrowEvent.objects.filter(escrow=escrow, kind="paid").exists()


def test_a_signature_just_inside_the_tolerance_is_accepted(paid_session, webhooks):
    escrow, events = paid_session
    response = webhooks.post(events["checkout.session.completed"], timestamp=int(time.time()) - 290)
    assert response.status_code == 200
    assert_paid_once(escrow)


def test_declined_payment_webhook_records_the_reason_once(emulator, webhooks):
    trade = cash_trade(payee=onboarded(emulator))
    escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=trade.party_a)
    webhooks.pending()
    emulator.pay(escrow.stripe_checkout_session_id, "4000000000000002")
    failed = [item["payload"] for item in webhooks.pending() if item["type"] == "payment_intent.payment_failed"]
    assert [webhooks.post(failed[0]).status_code for _ in range(3)] == [200, 200, 200]
    escrow.refresh_from_db()
    assert escrow.status == EscrowStatus.PENDING_PAYMENT
    assert escrow.payment_failure_reason == "Your card was declined."
    assert EscrowEvent.objects.filter(escrow=escrow, kind="payment_failed").count() == 1


def test_account_updated_webhook_enables_the_payout_account(emulator, webhooks):
    from accounts.tests.factories import UserFactory

    user = UserFactory()
    services.payout_account_connect(user=user)
    account = PayoutAccount.objects.get(user=user)
    webhooks.pending()
    emulator.complete_onboarding(account.stripe_account_id)
    [update] = webhooks.pending()
    assert [webhooks.post(update["payload"]).status_code for _ in range(2)] == [200, 200]  # same event twice
    assert Event.objects.filter(id=webhooks.event(update)["id"]).count() == 1
    account.refresh_from_db()
    assert account.account_status == "enabled" and account.payouts_enabled
    assert account.djstripe_account_id == account.stripe_account_id  # dj-stripe's mirror, linked


def test_events_about_other_payments_are_accepted_and_ignored(emulator, webhooks):
    import stripe

    session = stripe.checkout.Session.create(
        mode="payment",
        success_url="http://elsewhere.test/ok",
        line_items=[
            {"price_data": {"currency": "usd", "unit_amount": 500, "product_data": {"name": "x"}}, "quantity": 1}
        ],
    )
    webhooks.pending()
    emulator.pay(session.id, "4242424242424242")
    assert {status for _, status in webhooks.deliver_all()} == {200}
    assert not EscrowEvent.objects.exists()


def test_checkout_call_that_times_out_after_the_work_then_retried_makes_one_session(emulator, settings):
    trade = cash_trade(payee=onboarded(emulator))
    escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    from escrow import stripe_api

    stripe_api.configure()
    emulator.failures.append({"status": "timeout", "path": "/v1/checkout/sessions", "delay": 0})
    with pytest.raises(PaymentProviderUnavailable):
        services.escrow_checkout_start(escrow_id=escrow.pk, actor=trade.party_a)
    assert EscrowTransaction.objects.get(pk=escrow.pk).stripe_checkout_session_id is None
    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=trade.party_a)  # the user retries
    sessions = [
        o
        for o in emulator.objects.values()
        if o["object"] == "checkout.session" and o["metadata"].get("escrow_id") == str(escrow.pk)
    ]
    assert [s["id"] for s in sessions] == [escrow.stripe_checkout_session_id]


def test_stripe_pythons_own_retry_after_a_timeout_makes_one_session(emulator):
    trade = cash_trade(payee=onboarded(emulator))
    escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    emulator.failures.append({"status": "timeout", "path": "/v1/checkout/sessions", "delay": 0})
    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=trade.party_a)
    sessions = [
        o
        for o in emulator.objects.values()
        if o["object"] == "checkout.session" and o["metadata"].get("escrow_id") == str(escrow.pk)
    ]
    assert [s["id"] for s in sessions] == [escrow.stripe_checkout_session_id]


def test_payout_account_create_that_times_out_then_retried_makes_one_account(emulator, settings):
    from accounts.tests.factories import UserFactory
    from escrow import stripe_api

    user = UserFactory()
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    stripe_api.configure()
    emulator.failures.append({"status": "timeout", "path": "/v1/accounts", "delay": 0})
    with pytest.raises(PaymentProviderUnavailable):
        services.payout_account_connect(user=user)
    services.payout_account_connect(user=user)
    made = [
        o
        for o in emulator.objects.values()
        if o["object"] == "account" and o["metadata"].get("bazaar_user_id") == str(user.pk)
    ]
    assert [a["id"] for a in made] == [PayoutAccount.objects.get(user=user).stripe_account_id]


def test_two_tabs_opening_checkout_at_once_make_one_session(emulator):
    trade = cash_trade(payee=onboarded(emulator))
    escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    results = in_threads(
        4, lambda i: services.escrow_checkout_start(escrow_id=escrow.pk, actor=trade.party_a).stripe_checkout_session_id
    )
    assert len(set(results)) == 1 and results[0].startswith("cs_test_")


def test_two_overlapping_expiry_runs_never_act_twice(emulator):
    payee = onboarded(emulator)
    escrows = []
    for _ in range(4):
        trade = cash_trade(payee=payee)
        escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
        escrows.append(services.escrow_checkout_start(escrow_id=escrow.pk, actor=trade.party_a))
    EscrowTransaction.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    expire_calls_before = sum(1 for r in emulator.requests_log if r["path"].endswith("/expire"))
    results = in_threads(2, lambda i: services.escrow_expire_due())
    assert all(isinstance(result, int) for result in results), results
    assert sum(results) == 4  # each escrow expired by exactly one of the two runs
    for escrow in escrows:
        assert EscrowEvent.objects.filter(escrow=escrow, kind="expired").count() == 1
        assert EscrowTransaction.objects.get(pk=escrow.pk).status == EscrowStatus.CANCELLED
    expire_calls = sum(1 for r in emulator.requests_log if r["path"].endswith("/expire")) - expire_calls_before
    assert expire_calls == 4
