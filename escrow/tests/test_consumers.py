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

from .factories import escrow_row

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def move(escrow_id, to_status):
    with transaction.atomic():
        services._transition(escrow_id=escrow_id, to_status=to_status)


def _communicator(user, trade_id):
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/trades/{trade_id}/escrow/")
    communicator.scope["user"] = user
    return communicator


async def test_both_parties_get_a_panel_refresh_on_a_status_change():
    escrow = await database_sync_to_async(escrow_row)()
    trade = await database_sync_to_async(lambda: escrow.trade)()
    payer, payee = await database_sync_to_async(lambda: (trade.party_a, trade.party_b))()
    sockets = [_communicator(payer, trade.pk), _communicator(payee, trade.pk)]
    for socket in sockets:
        assert (await socket.connect())[0]
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
