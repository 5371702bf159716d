"""The live thread socket: participants receive new messages; nobody else can even join."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from accounts.tests.factories import UserFactory
from trades import services
from trades.routing import websocket_urlpatterns
from trades.selectors import thread_unread_count
from trades.tests.factories import thread_between

pytestmark = pytest.mark.django_db(transaction=True)


def _communicator(user, thread_id):
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/threads/{thread_id}/")
    communicator.scope["user"] = user
    return communicator


@database_sync_to_async
def _setup():
    alice, bob, eve = UserFactory(), UserFactory(), UserFactory()
    return alice, bob, eve, thread_between(alice, bob)


async def test_participant_receives_messages_live_and_they_count_as_read():
    alice, bob, _, thread = await _setup()
    communicator = _communicator(bob, thread.pk)
    connected, _ = await communicator.connect()
    assert connected

    await database_sync_to_async(services.message_send)(thread=thread, sender=alice, body="Deal at 5?")

    html = await communicator.receive_from(timeout=5)
    assert f'id="thread-{thread.pk}-messages" hx-swap-oob="beforeend"' in html
    assert "Deal at 5?" in html
    assert alice.username in html
    await communicator.disconnect()
    assert await database_sync_to_async(thread_unread_count)(user=bob) == 0


async def test_outsider_is_closed_without_joining():
    alice, _, eve, thread = await _setup()
    communicator = _communicator(eve, thread.pk)
    connected, _ = await communicator.connect()
    assert not connected

    await database_sync_to_async(services.message_send)(thread=thread, sender=alice, body="private")
    assert await communicator.receive_nothing(timeout=0.5)


async def test_anonymous_is_closed():
    *_, thread = await _setup()
    connected, _ = await _communicator(AnonymousUser(), thread.pk).connect()
    assert not connected


async def test_unknown_thread_is_closed():
    alice, *_ = await _setup()
    connected, _ = await _communicator(alice, 999999).connect()
    assert not connected


async def test_an_open_socket_marks_the_thread_open_until_it_closes():
    from trades.presence import thread_is_open_by

    _, bob, _, thread = await _setup()
    communicator = _communicator(bob, thread.pk)
    connected, _ = await communicator.connect()
    assert connected
    assert await database_sync_to_async(thread_is_open_by)(thread_id=thread.pk, user_id=bob.pk)

    await communicator.disconnect()

    assert not await database_sync_to_async(thread_is_open_by)(thread_id=thread.pk, user_id=bob.pk)


async def test_a_status_change_tells_open_pages_to_refresh():
    from trades.tests.factories import trading_pair

    def setup():
        proposer, recipient, mine, _ = trading_pair()
        proposal = services.proposal_create(proposer=proposer, recipient=recipient, offer={mine.pk: 1}, request={})
        return proposer, recipient, proposal

    proposer, recipient, proposal = await database_sync_to_async(setup)()
    communicator = _communicator(proposer, proposal.thread_id)
    connected, _ = await communicator.connect()
    assert connected

    await database_sync_to_async(services.proposal_mark_viewed)(proposal_id=proposal.pk, actor=recipient)

    html = await communicator.receive_from(timeout=5)
    assert html.startswith(f'<div id="thread-{proposal.thread_id}-changed" hx-swap-oob="true"')
    await communicator.disconnect()
