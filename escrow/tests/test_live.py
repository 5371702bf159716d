"""Live escrow status: every change reaches both parties' user sockets as a panel refresh."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import transaction

from accounts.tests.factories import UserFactory
from escrow import services
from escrow.enums import EscrowStatus
from notifications.routing import websocket_urlpatterns

from .factories import escrow_row

pytestmark = pytest.mark.django_db(transaction=True)


def _socket(user):
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/notifications/")
    communicator.scope["user"] = user
    return communicator


@database_sync_to_async
def move(escrow_id, to_status):
    with transaction.atomic():
        services._transition(escrow_id=escrow_id, to_status=to_status)


async def test_both_parties_get_a_panel_refresh_and_outsiders_nothing():
    escrow = await database_sync_to_async(escrow_row)()
    payer, payee = await database_sync_to_async(lambda: (escrow.payer, escrow.payee))()
    stranger = await database_sync_to_async(UserFactory)()
    sockets = [_socket(payer), _socket(payee)]
    outsider = _socket(stranger)
    for socket in [*sockets, outsider]:
        assert (await socket.connect())[0]
    await move(escrow.pk, EscrowStatus.PAYMENT_RECEIVED)
    for socket in sockets:
        html = await socket.receive_from(timeout=5)
        assert f'id="escrow-panel-{escrow.trade_id}" hx-swap-oob="true"' in html
        assert f'hx-get="/escrow/trades/{escrow.trade_id}/panel/"' in html and 'hx-trigger="load"' in html
        await socket.disconnect()
    assert await outsider.receive_nothing(timeout=0.3)
    await outsider.disconnect()
