"""The emulator against Stripe's documented semantics, driven through stripe-python itself.

References: https://docs.stripe.com/api/errors, /api/idempotent_requests, /testing (cards),
/webhooks#verify-events (signatures), /api/checkout/sessions, /api/transfers, /api/refunds,
/connect/express-accounts (account links are single-use).
"""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import stripe

from tools.stripe_emulator import Emulator, sign_payload
from tools.stripe_emulator.forms import decode

API_KEY = "sk_test_" + "e" * 24


@pytest.fixture(scope="module")
def emulator():
    emulator = Emulator(webhook_secret="whsec_test", retry_delays=(0.1, 0.2, 0.3)).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def client(emulator):
    """A StripeClient pointed at the emulator (no global state shared with the Django tests)."""
    emulator.outbox.clear()
    emulator.failures.clear()
    emulator.webhook_url = None
    return stripe.StripeClient(
        API_KEY, base_addresses={"api": emulator.base_url, "connect": emulator.base_url}, max_network_retries=2
    )


def session_params(**overrides):
    params = {
        "mode": "payment",
        "success_url": "http://shop.test/ok?cs={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://shop.test/back",
        "line_items": [
            {"price_data": {"currency": "usd", "unit_amount": 15450, "product_data": {"name": "Escrow"}}, "quantity": 1}
        ],
        "payment_intent_data": {"transfer_group": "escrow-7", "metadata": {"escrow_id": "7"}},
        "metadata": {"escrow_id": "7"},
    }
    params.update(overrides)
    return params


def onboarded_account(client, emulator):
    account = client.v1.accounts.create({"type": "express", "capabilities": {"transfers": {"requested": True}}})
    emulator.complete_onboarding(account.id)
    return account


def paid_intent(client, emulator):
    session = client.v1.checkout.sessions.create(session_params())
    result = emulator.pay(session.id, "4242424242424242")
    return session, client.v1.payment_intents.retrieve(result["payment_intent"]["id"])


# --- encoding, auth, errors -------------------------------------------------------------------
def test_form_decoding_matches_stripes_encoding():
    body = "a[b][c]=1&items[0][x]=y&items[1][x]=z&expand[]=p&expand[]=q&plain=v&metadata[k]="
    assert decode(body) == {
        "a": {"b": {"c": "1"}},
        "items": [{"x": "y"}, {"x": "z"}],
        "expand": ["p", "q"],
        "plain": "v",
        "metadata": {"k": ""},
    }


def test_missing_or_malformed_key_is_401_authentication_error(emulator):
    response = requests.get(f"{emulator.base_url}/v1/account", timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"
    bad = requests.get(f"{emulator.base_url}/v1/account", headers={"Authorization": "Bearer nope"}, timeout=5)
    assert bad.status_code == 401


def test_unknown_object_is_404_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.retrieve("pi_doesnotexist")
    assert raised.value.http_status == 404
    assert raised.value.code == "resource_missing"
    assert raised.value.param == "id"


def test_missing_required_param_is_400_parameter_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create({"mode": "payment", "line_items": session_params()["line_items"]})
    assert raised.value.http_status == 400
    assert raised.value.code == "parameter_missing"
    assert raised.value.param == "success_url"


# --- idempotency --------------------------------------------------------------------------------
def test_idempotent_request_replays_the_first_response(client, emulator):
    first = client.v1.checkout.sessions.create(session_params(), {"idempotency_key": "k-replay"})
    again = client.v1.checkout.sessions.create(session_params(), {"idempotency_key": "k-replay"})
    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    sessions = [o for o in emulator.objects.values() if o["object"] == "checkout.session" and o["id"] == first.id]
    assert len(sessions) == 1


def test_same_key_with_other_parameters_is_an_idempotency_error(client):
    client.v1.checkout.sessions.create(session_params(), {"idempotency_key": "k-reuse"})
    with pytest.raises(stripe.IdempotencyError) as raised:
        client.v1.checkout.sessions.create(session_params(metadata={"escrow_id": "8"}), {"idempotency_key": "k-reuse"})
    assert raised.value.http_status == 400
    assert "same parameters" in raised.value.user_message


def test_validation_errors_are_not_saved_under_the_key(client):
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(session_params(success_url=""), {"idempotency_key": "k-invalid"})
    session = client.v1.checkout.sessions.create(session_params(), {"idempotency_key": "k-invalid"})
    assert session.id.startswith("cs_test_")


def test_idempotency_keys_are_scoped_to_the_api_key(client, emulator):
    first = client.v1.checkout.sessions.create(session_params(), {"idempotency_key": "k-scope"})
    other = stripe.StripeClient("sk_test_" + "f" * 24, base_addresses={"api": emulator.base_url})
    second = other.v1.checkout.sessions.create(session_params(), {"idempotency_key": "k-scope"})
    assert second.id != first.id


# --- injected failures ------------------------------------------------------------------------
def test_injected_500_is_retried_by_stripe_python_and_makes_one_object(client, emulator):
    before = sum(1 for o in emulator.objects.values() if o["object"] == "checkout.session")
    requests.post(
        f"{emulator.base_url}/_emulator/fail-next", json={"status": 500, "path": "/v1/checkout/sessions"}, timeout=5
    )
    session = client.v1.checkout.sessions.create(session_params(), {"idempotency_key": "k-500"})
    assert session.id.startswith("cs_test_")
    assert sum(1 for o in emulator.objects.values() if o["object"] == "checkout.session") == before + 1


def test_timeout_after_the_work_then_retry_returns_the_same_object(emulator):
    requests.post(
        f"{emulator.base_url}/_emulator/fail-next",
        json={"status": "timeout", "path": "/v1/checkout/sessions"},
        timeout=5,
    )
    no_retries = stripe.StripeClient(API_KEY, base_addresses={"api": emulator.base_url}, max_network_retries=0)
    with pytest.raises(stripe.APIConnectionError):
        no_retries.v1.checkout.sessions.create(session_params(), {"idempotency_key": "k-timeout"})
    made = [
        o
        for o in emulator.objects.values()
        if o["object"] == "checkout.session"
        and emulator.idempotency.get((API_KEY, None, "k-timeout"), {}).get("body", {}).get("id") == o["id"]
    ]
    assert len(made) == 1  # the emulator did the work before the answer was lost
    retried = no_retries.v1.checkout.sessions.create(session_params(), {"idempotency_key": "k-timeout"})
    assert retried.id == made[0]["id"]
    assert retried.last_response.headers["Idempotent-Replayed"] == "true"


def test_fail_next_rejects_unknown_modes(emulator):
    response = requests.post(f"{emulator.base_url}/_emulator/fail-next", json={"status": 418}, timeout=5)
    assert response.status_code == 400


# --- Connect accounts and onboarding ------------------------------------------------------------
def test_new_express_account_is_not_enabled_and_lists_requirements(client):
    account = client.v1.accounts.create({"type": "express", "email": "b@example.test"})
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (False, False, False)
    assert "external_account" in account.requirements.currently_due
    assert account.requirements.disabled_reason == "requirements.past_due"


def test_onboarding_link_is_single_use_and_completes_the_account(client, emulator):
    account = client.v1.accounts.create({"type": "express"})
    link = client.v1.account_links.create(
        {
            "account": account.id,
            "refresh_url": "http://shop.test/refresh",
            "return_url": "http://shop.test/done",
            "type": "account_onboarding",
        }
    )
    assert link.expires_at - link.created == 300
    page = requests.get(link.url, timeout=5)
    assert page.status_code == 200 and "Set up payouts" in page.text
    revisit = requests.get(link.url, allow_redirects=False, timeout=5)
    assert revisit.status_code == 303 and revisit.headers["Location"] == "http://shop.test/refresh"
    token = page.text.split("name=form_token value='")[1].split("'")[0]
    done = requests.post(link.url, data={"form_token": token, "name": "Test"}, allow_redirects=False, timeout=5)
    assert done.headers["Location"] == "http://shop.test/done"
    account = client.v1.accounts.retrieve(account.id)
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (True, True, True)
    assert account.requirements.currently_due == []
    updates = [json.loads(i["payload"]) for i in emulator.outbox if i["type"] == "account.updated"]
    assert updates[-1]["account"] == account.id
    assert updates[-1]["data"]["previous_attributes"]["payouts_enabled"] is False


def test_expired_account_link_redirects_to_refresh_url(client, emulator):
    account = client.v1.accounts.create({"type": "express"})
    link = client.v1.account_links.create(
        {
            "account": account.id,
            "refresh_url": "http://shop.test/refresh",
            "return_url": "http://shop.test/done",
            "type": "account_onboarding",
        }
    )
    token = link.url.rsplit("/", 1)[1]
    emulator.account_links[token]["expires_at"] = time.time() - 1
    response = requests.get(link.url, allow_redirects=False, timeout=5)
    assert response.headers["Location"] == "http://shop.test/refresh"


# --- Checkout and test cards --------------------------------------------------------------------
def test_checkout_session_has_no_payment_intent_until_paid(client, emulator):
    session = client.v1.checkout.sessions.create(session_params())
    assert (session.status, session.payment_status, session.payment_intent) == ("open", "unpaid", None)
    assert session.amount_total == 15450 and session.url.endswith(session.id)
    result = emulator.pay(session.id, "4242 4242 4242 4242")
    assert result["error"] is None
    intent = client.v1.payment_intents.retrieve(result["payment_intent"]["id"])
    assert intent.status == "succeeded"
    assert intent.transfer_group == "escrow-7" and intent.metadata["escrow_id"] == "7"
    session = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent"]})
    assert (session.status, session.payment_status) == ("complete", "paid")
    assert session.payment_intent.id == intent.id
    assert [i["type"] for i in emulator.outbox][-3:] == [
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.completed",
    ]


@pytest.mark.parametrize(
    ("card", "decline_code", "message"),
    [
        ("4000000000000002", "generic_decline", "Your card was declined."),
        ("4000000000009995", "insufficient_funds", "Your card has insufficient funds."),
    ],
)
def test_declined_test_cards_leave_the_session_open(client, emulator, card, decline_code, message):
    session = client.v1.checkout.sessions.create(session_params())
    result = emulator.pay(session.id, card)
    assert result["error"]["decline_code"] == decline_code and result["error"]["message"] == message
    intent = client.v1.payment_intents.retrieve(result["payment_intent"]["id"])
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.decline_code == decline_code
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert charge.status == "failed" and charge.balance_transaction is None
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    retry = emulator.pay(session.id, "4242424242424242")
    assert retry["error"] is None and retry["payment_intent"]["id"] == intent.id


def test_hosted_checkout_page_shows_the_decline_and_redirects_on_success(client):
    session = client.v1.checkout.sessions.create(session_params())
    page = requests.get(session.url, timeout=5)
    assert "Pay 154.50 USD" in page.text and "Card number" in page.text
    declined = requests.post(session.url, data={"card": "4000 0000 0000 0002"}, allow_redirects=False, timeout=5)
    assert declined.status_code == 402 and "Your card was declined." in declined.text
    paid = requests.post(session.url, data={"card": "4242424242424242"}, allow_redirects=False, timeout=5)
    assert paid.status_code == 303 and paid.headers["Location"] == f"http://shop.test/ok?cs={session.id}"


def test_expired_session_cannot_be_paid(client, emulator):
    session = client.v1.checkout.sessions.create(session_params())
    expired = client.v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)
    response = requests.post(
        f"{emulator.base_url}/_emulator/checkout/sessions/{session.id}/pay",
        json={"card": "4242424242424242"},
        timeout=5,
    )
    assert response.status_code == 400


def test_session_below_stripes_minimum_is_refused(client):
    items = [{"price_data": {"currency": "usd", "unit_amount": 49, "product_data": {"name": "x"}}, "quantity": 1}]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(session_params(line_items=items))


def test_charge_expands_its_balance_transaction(client, emulator):
    _, intent = paid_intent(client, emulator)
    charge = client.v1.charges.retrieve(intent.latest_charge, {"expand": ["balance_transaction"]})
    txn = charge.balance_transaction
    assert txn.object == "balance_transaction" and txn.amount == 15450
    assert txn.fee == (15450 * 29 + 500) // 1000 + 30 and txn.net == txn.amount - txn.fee


# --- transfers, reversals, refunds --------------------------------------------------------------
def test_transfer_needs_an_active_transfers_capability(client, emulator):
    _, intent = paid_intent(client, emulator)
    pending = client.v1.accounts.create({"type": "express"})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.transfers.create(
            {"amount": 1000, "currency": "usd", "destination": pending.id, "source_transaction": intent.latest_charge}
        )
    assert raised.value.code == "insufficient_capabilities_for_transfer"


def test_transfer_from_source_transaction_is_capped_and_reversible(client, emulator):
    _, intent = paid_intent(client, emulator)
    payee = onboarded_account(client, emulator)
    transfer = client.v1.transfers.create(
        {
            "amount": 15000,
            "currency": "usd",
            "destination": payee.id,
            "source_transaction": intent.latest_charge,
            "transfer_group": "escrow-7",
        }
    )
    assert transfer.destination == payee.id and transfer.transfer_group == "escrow-7"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.create(
            {"amount": 451, "currency": "usd", "destination": payee.id, "source_transaction": intent.latest_charge}
        )
    reversal = client.v1.transfers.reversals.create(transfer.id, {"amount": 5000})
    assert reversal.amount == 5000
    transfer = client.v1.transfers.retrieve(transfer.id)
    assert (transfer.amount_reversed, transfer.reversed) == (5000, False)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.reversals.create(transfer.id, {"amount": 10001})


def test_refunds_cannot_exceed_the_charge(client, emulator):
    _, intent = paid_intent(client, emulator)
    refund = client.v1.refunds.create({"payment_intent": intent.id, "amount": 450})
    assert (refund.status, refund.amount, refund.charge) == ("succeeded", 450, intent.latest_charge)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create({"payment_intent": intent.id, "amount": 15001})
    rest = client.v1.refunds.create({"payment_intent": intent.id})
    assert rest.amount == 15000
    assert client.v1.charges.retrieve(intent.latest_charge).refunded is True
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create({"payment_intent": intent.id})
    assert raised.value.code == "charge_already_refunded"


# --- events and webhooks ----------------------------------------------------------------------
def test_events_can_be_listed_and_retrieved(client, emulator):
    session, _ = paid_intent(client, emulator)
    listed = client.v1.events.list({"type": "checkout.session.completed", "limit": 1})
    event = client.v1.events.retrieve(listed.data[0].id)
    assert event.data.object.id == session.id and event.api_version


class _Receiver(BaseHTTPRequestHandler):
    statuses: list[int] = []
    received: list[tuple[str, str]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        type(self).received.append((self.headers["Stripe-Signature"], body))
        status = type(self).statuses.pop(0) if type(self).statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhooks_are_signed_and_retried_until_2xx(client, emulator):
    receiver = type("Receiver", (_Receiver,), {"statuses": [500, 400], "received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        emulator.webhook_url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        account = client.v1.accounts.create({"type": "express"})
        deadline = time.time() + 5
        while len(receiver.received) < 3 and time.time() < deadline:
            time.sleep(0.05)
        assert len(receiver.received) == 3  # 500, 400, then 200: no more
        time.sleep(0.5)
        assert len(receiver.received) == 3
        header, body = receiver.received[-1]
        timestamp, signature = (part.split("=", 1)[1] for part in header.split(","))
        expected = hmac.new(b"whsec_test", f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
        assert signature == expected
        assert abs(int(timestamp) - time.time()) < 10
        event = json.loads(body)
        assert (event["type"], event["data"]["object"]["id"]) == ("account.updated", account.id)
        stripe.WebhookSignature.verify_header(body, header, "whsec_test", 300)  # stripe-python agrees
        attempts = [d for d in emulator.deliveries if d["event_id"] == event["id"]]
        assert [d["status"] for d in attempts] == [500, 400, 200]
    finally:
        emulator.webhook_url = None
        server.shutdown()
        server.server_close()


def test_sign_payload_is_stripes_v1_scheme():
    header = sign_payload('{"id":"evt_1"}', "whsec_x", timestamp=1700000000)
    digest = hmac.new(b"whsec_x", b'1700000000.{"id":"evt_1"}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={digest}"


def test_state_file_keeps_objects_across_restarts(tmp_path):
    path = str(tmp_path / "state.json")
    first = Emulator(state_path=path).start()
    try:
        client = stripe.StripeClient(API_KEY, base_addresses={"api": first.base_url})
        account = client.v1.accounts.create({"type": "express"})
    finally:
        first.stop()
    second = Emulator(state_path=path).start()
    try:
        client = stripe.StripeClient(API_KEY, base_addresses={"api": second.base_url})
        assert client.v1.accounts.retrieve(account.id).id == account.id
    finally:
        second.stop()


def test_account_update_merges_metadata_and_emits_account_updated(client, emulator):
    account = client.v1.accounts.create({"type": "express", "metadata": {"a": "1", "b": "2"}})
    updated = client.v1.accounts.update(account.id, {"metadata": {"b": "", "c": "3"}, "email": "new@example.test"})
    assert updated.metadata.to_dict() == {"a": "1", "c": "3"} and updated.email == "new@example.test"
    event = json.loads(emulator.outbox[-1]["payload"])
    assert event["type"] == "account.updated" and event["data"]["previous_attributes"]["metadata"] == {
        "a": "1",
        "b": "2",
    }


def test_http_helpers_complete_onboarding_and_pay(client, emulator):
    account = client.v1.accounts.create({"type": "express"})
    done = requests.post(f"{emulator.base_url}/_emulator/accounts/{account.id}/complete-onboarding", timeout=5)
    assert done.status_code == 200 and done.json()["payouts_enabled"] is True
    session = client.v1.checkout.sessions.create(session_params())
    declined = requests.post(
        f"{emulator.base_url}/_emulator/checkout/sessions/{session.id}/pay",
        json={"card": "4000000000009995"},
        timeout=5,
    ).json()
    assert declined["error"]["decline_code"] == "insufficient_funds"
    paid = requests.post(
        f"{emulator.base_url}/_emulator/checkout/sessions/{session.id}/pay",
        json={"card": "4242424242424242"},
        timeout=5,
    ).json()
    assert paid["error"] is None and paid["session"]["payment_status"] == "paid"
    missing = requests.post(f"{emulator.base_url}/_emulator/accounts/acct_nope/complete-onboarding", timeout=5)
    assert missing.status_code == 404


def test_requests_on_behalf_of_an_unknown_account_are_refused(emulator):
    response = requests.get(
        f"{emulator.base_url}/v1/account",
        timeout=5,
        headers={"Authorization": f"Bearer {API_KEY}", "Stripe-Account": "acct_nobody"},
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "account_invalid"
