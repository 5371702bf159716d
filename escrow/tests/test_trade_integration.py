"""Escrow in the trades app's own surfaces: the guard on confirm/cancel, `escrow` in the trade API,
and the trade page's panel (through the registries, so trades never imports escrow)."""

import pytest
from django.urls import reverse

from core.errors import InvalidTransition
from escrow import services
from escrow.models import EscrowEvent
from trades.enums import TradeStatus
from trades.models import Trade
from trades.services import trade_confirm, trade_request_cancel

from .factories import cash_trade, escrow_row, onboarded

pytestmark = pytest.mark.django_db


def test_live_escrow_makes_the_trades_confirm_and_cancel_409(client, emulator):
    trade = cash_trade(payee=onboarded(emulator))
    escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    with pytest.raises(InvalidTransition):
        trade_confirm(trade_id=trade.pk, actor=trade.party_a)
    with pytest.raises(InvalidTransition):
        trade_request_cancel(trade_id=trade.pk, actor=trade.party_b, reason="no")
    client.force_login(trade.party_a)
    confirm = client.post(f"/api/v1/trades/{trade.pk}/confirm/", content_type="application/json")
    assert confirm.status_code == 409 and confirm.json()["code"] == "escrow_in_progress"
    cancel = client.post(f"/api/v1/trades/{trade.pk}/cancel/", {"reason": "x"}, content_type="application/json")
    assert cancel.status_code == 409
    trade.refresh_from_db()
    assert (trade.status, trade.a_confirmed_at, trade.b_requested_cancel_at) == (TradeStatus.ACTIVE, None, None)
    services.escrow_cancel(escrow_id=escrow.pk, actor=trade.party_a)
    trade_confirm(trade_id=trade.pk, actor=trade.party_a)  # no live escrow: the trade's own flow again
    assert Trade.objects.get(pk=trade.pk).a_confirmed_at is not None


def test_trade_api_carries_the_live_escrow_id(client, django_assert_max_num_queries):
    trade = cash_trade()
    client.force_login(trade.party_a)
    assert client.get(f"/api/v1/trades/{trade.pk}/").json()["escrow"] is None
    escrow_row(trade=trade, status="cancelled")
    live = escrow_row(trade=trade)
    assert client.get(f"/api/v1/trades/{trade.pk}/").json()["escrow"] == live.pk
    for _ in range(5):
        cash_trade(payer=trade.party_a)
    with django_assert_max_num_queries(12) as few:
        listed = client.get("/api/v1/trades/").json()["results"]
    for _ in range(10):
        escrow_row(trade=cash_trade(payer=trade.party_a))
    with django_assert_max_num_queries(len(few.captured_queries)):
        listed = client.get("/api/v1/trades/").json()["results"]
    assert {row["id"]: row["escrow"] for row in listed}[trade.pk] == live.pk
    assert sum(1 for row in listed if row["escrow"]) == 11


def test_trade_page_renders_the_escrow_panel_with_a_bounded_query_count(
    client, emulator, django_assert_max_num_queries
):
    trade = cash_trade(payee=onboarded(emulator))
    client.force_login(trade.party_a)
    url = reverse("trades:trade_detail", args=[trade.pk])
    page = client.get(url).content.decode()
    assert 'id="escrow-title"' in page and "Use escrow for this trade" in page and "$4.50" in page
    assert f'id="escrow-panel-{trade.pk}"' in page
    escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    with django_assert_max_num_queries(40) as one_event:
        page = client.get(url).content.decode()
    assert "Waiting for payment" in page and f"/escrow/{escrow.pk}/pay/" in page
    EscrowEvent.objects.bulk_create([EscrowEvent(escrow=escrow, kind="note") for _ in range(10)])
    with django_assert_max_num_queries(len(one_event.captured_queries)):
        client.get(url)
