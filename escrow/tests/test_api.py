"""The escrow API's exact shapes, validation errors and access rules."""

from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from escrow.models import EscrowTransaction, PayoutAccount

from .factories import cash_trade, escrow_row, onboarded

pytestmark = pytest.mark.django_db


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_payout_account_none_then_pending_then_enabled(client, emulator):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/api/v1/payout-account/").json() == {
        "account_id": None,
        "status": "none",
        "onboarding_url": None,
    }
    created = _post(client, "/api/v1/payout-account/")
    assert created.status_code == 200
    body = created.json()
    account = PayoutAccount.objects.get(user=user)
    assert body["account_id"] == account.stripe_account_id and body["status"] == "pending"
    assert body["onboarding_url"].startswith(emulator.base_url + "/setup/e/")
    emulator.complete_onboarding(account.stripe_account_id)
    from escrow import services

    services.payout_account_sync(stripe_account_id=account.stripe_account_id)
    assert client.get("/api/v1/payout-account/").json()["status"] == "enabled"
    again = _post(client, "/api/v1/payout-account/")
    assert again.status_code == 409 and again.json()["code"] == "already_enabled"


def test_create_escrow_returns_the_exact_shape_for_the_payer(client, emulator):
    trade = cash_trade(payee=onboarded(emulator))
    client.force_login(trade.party_a)
    response = _post(client, f"/api/v1/trades/{trade.pk}/escrow/")
    assert response.status_code == 201, response.json()
    body = response.json()
    escrow = EscrowTransaction.objects.get(trade=trade)
    assert {k: body[k] for k in ["id", "trade", "status", "amount", "fee", "total", "currency", "payer", "payee"]} == {
        "id": escrow.pk,
        "trade": trade.pk,
        "status": "pending_payment",
        "amount": "150.00",
        "fee": "4.50",
        "total": "154.50",
        "currency": "USD",
        "payer": trade.party_a.username,
        "payee": trade.party_b.username,
    }
    assert body["checkout_url"] == escrow.checkout_url and body["checkout_url"].startswith(emulator.base_url)
    assert body["expires_at"] and [e["kind"] for e in body["events"]] == ["created", "checkout_opened"]


def test_payee_creating_gets_no_checkout_url(client, emulator):
    trade = cash_trade(payee=onboarded(emulator))
    client.force_login(trade.party_b)
    body = _post(client, f"/api/v1/trades/{trade.pk}/escrow/").json()
    assert body["checkout_url"] is None and body["payer"] == trade.party_a.username
    assert EscrowTransaction.objects.get(pk=body["id"]).stripe_checkout_session_id is None
    client.force_login(trade.party_a)
    assert client.get(f"/api/v1/escrows/{body['id']}/").json()["checkout_url"] is None  # not opened yet


def test_create_escrow_400s_and_409(client, emulator):
    no_cash = cash_trade(payee=onboarded(emulator), cash="0")
    client.force_login(no_cash.party_a)
    response = _post(client, f"/api/v1/trades/{no_cash.pk}/escrow/")
    assert response.status_code == 400 and response.json()["code"] == "no_cash"
    not_onboarded = cash_trade(payer=no_cash.party_a)
    response = _post(client, f"/api/v1/trades/{not_onboarded.pk}/escrow/")
    assert response.status_code == 400 and response.json()["code"] == "payee_not_onboarded"
    assert "payout account" in response.json()["detail"]
    live = cash_trade(payer=no_cash.party_a, payee=no_cash.party_b)
    assert _post(client, f"/api/v1/trades/{live.pk}/escrow/").status_code == 201
    response = _post(client, f"/api/v1/trades/{live.pk}/escrow/")
    assert response.status_code == 409 and response.json()["code"] == "escrow_exists"
    assert EscrowTransaction.objects.count() == 1


def test_outsiders_get_404_and_nothing_is_written(client, emulator):
    trade = cash_trade(payee=onboarded(emulator))
    escrow = escrow_row(trade=trade)
    client.force_login(UserFactory())
    assert _post(client, f"/api/v1/trades/{trade.pk}/escrow/").status_code == 404
    assert client.get(f"/api/v1/escrows/{escrow.pk}/").status_code == 404
    assert client.get("/api/v1/escrows/").json()["results"] == []
    assert EscrowTransaction.objects.count() == 1
    assert client.get("/api/v1/escrows/abc/").status_code == 404


def test_anonymous_is_refused(client):
    for url in ["/api/v1/payout-account/", "/api/v1/escrows/", "/api/v1/escrows/1/"]:
        assert client.get(url).status_code in (401, 403)
    assert _post(client, "/api/v1/trades/1/escrow/").status_code in (401, 403)
    assert _post(client, "/api/v1/payout-account/").status_code in (401, 403)


def test_staff_can_read_any_escrow(client):
    escrow = escrow_row()
    client.force_login(UserFactory(is_staff=True))
    assert client.get(f"/api/v1/escrows/{escrow.pk}/").json()["id"] == escrow.pk


def test_list_is_cursor_paged_and_filters_by_status(client):
    trade = cash_trade()
    first = escrow_row(trade=trade, status="cancelled")
    second = escrow_row(trade=trade)
    client.force_login(trade.party_b)
    body = client.get("/api/v1/escrows/").json()
    assert set(body) == {"next", "previous", "results"}
    assert [row["id"] for row in body["results"]] == [second.pk, first.pk]
    filtered = client.get("/api/v1/escrows/?status=cancelled").json()["results"]
    assert [row["id"] for row in filtered] == [first.pk]
    bad = client.get("/api/v1/escrows/?status=AAA")
    assert bad.status_code == 400 and "status" in (bad.json().get("errors") or bad.json())
    assert Decimal(body["results"][0]["total"]) == Decimal("154.50")
