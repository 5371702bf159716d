"""The live escrow socket on the trade page: parties get a refresh on every change; outsiders never join."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from accounts.tests.factories import UserFactory
from escrow import services
from escrow.enums import EscrowStatus
from escrow.routing import websocket_urlpatterns
from escrow.selectors import panel_version

from .factories import escrow_row

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def move(escrow_id, to_status):
    with transaction.atomic():
        services._transition(escrow_id=escrow_id, to_status=to_status)


def _communicator(user, trade_id, version=None):
    query = "" if version is None else f"?v={version}"
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/trades/{trade_id}/escrow/{query}")
    communicator.scope["user"] = user
    return communicator


async def test_both_parties_get_a_panel_refresh_on_a_status_change():
    escrow = await database_sync_to_async(escrow_row)()
    trade = await database_sync_to_async(lambda: escrow.trade)()
    payer, payee = await database_sync_to_async(lambda: (trade.party_a, trade.party_b))()
    current = await database_sync_to_async(panel_version)(trade_id=trade.pk)
    sockets = [_communicator(payer, trade.pk, version=current), _communicator(payee, trade.pk, version=current)]
    for socket in sockets:
        assert (await socket.connect())[0]
        assert await socket.receive_nothing(timeout=0.2)  # up to date: nothing until a change
    await move(escrow.pk, EscrowStatus.PAYMENT_RECEIVED)
    for socket in sockets:
        html = await socket.receive_from(timeout=5)
        assert 'id="escrow-panel" hx-swap-oob="true"' in html
        assert f'hx-get="/escrow/trades/{trade.pk}/panel/"' in html and 'hx-trigger="load"' in html
        await socket.disconnect()


async def test_outsider_and_anonymous_are_closed():
    escrow = await database_sync_to_async(escrow_row)()
    stranger = await database_sync_to_async(UserFactory)()
    outsider = _communicator(stranger, escrow.trade_id)
    assert not (await outsider.connect())[0]
    assert not (await _communicator(AnonymousUser(), escrow.trade_id).connect())[0]
    await move(escrow.pk, EscrowStatus.CANCELLED)
    assert await outsider.receive_nothing(timeout=0.3)


async def test_a_socket_that_missed_a_change_is_refreshed_on_connect():
    escrow = await database_sync_to_async(escrow_row)()
    payer = await database_sync_to_async(lambda: escrow.payer)()
    current = await database_sync_to_async(panel_version)(trade_id=escrow.trade_id)
    up_to_date = _communicator(payer, escrow.trade_id, version=current)
    assert (await up_to_date.connect())[0]
    assert await up_to_date.receive_nothing(timeout=0.3)
    await up_to_date.disconnect()
    stale = _communicator(payer, escrow.trade_id, version=0)  # rendered before the escrow existed
    assert (await stale.connect())[0]
    assert 'hx-trigger="load"' in await stale.receive_from(timeout=5)
    await stale.disconnect()
