"""Live prices: coalescing, the OOB swap markup, and the /ws/prices/ socket end to end over Redis."""

from datetime import timedelta
from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from cards.consumers import MAX_CARDS_PER_CONNECTION, parse_card_ids
from cards.live import PriceTick, TickCoalescer, render_tick, watched_only, watchers_add, watchers_remove
from cards.routing import websocket_urlpatterns
from cards.services import price_snapshot_record
from cards.tests.factories import CardFactory, CardPriceFactory


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def tick(card_id, price, finish="nonfoil", direction="up"):
    return PriceTick(card_id, finish, Decimal(price), "USD", direction)


def test_coalescer_sends_first_tick_at_once_and_only_the_newest_after_the_interval():
    sent, clock = [], FakeClock()
    coalescer = TickCoalescer(send=sent.extend, interval=0.25, clock=clock)

    coalescer.offer([tick(1, "1.00")])
    clock.now += 0.05
    coalescer.offer([tick(1, "1.10")])
    coalescer.offer([tick(1, "1.20")])
    assert coalescer.flush_due() == []  # interval not over yet
    clock.now += 0.25
    flushed = coalescer.flush_due()

    assert [t.price for t in sent] == [Decimal("1.00"), Decimal("1.20")]
    assert [t.price for t in flushed] == [Decimal("1.20")]
    assert not coalescer.has_pending()


def test_coalescer_limits_each_card_finish_separately():
    sent, clock = [], FakeClock()
    coalescer = TickCoalescer(send=sent.extend, interval=0.25, clock=clock)

    coalescer.offer([tick(1, "1.00"), tick(2, "2.00"), tick(1, "3.00", finish="foil")])
    coalescer.offer([tick(2, "2.50")])

    assert [(t.card_id, t.finish, t.price) for t in sent] == [
        (1, "nonfoil", Decimal("1.00")),
        (2, "nonfoil", Decimal("2.00")),
        (1, "foil", Decimal("3.00")),
    ]


def test_coalescer_never_exceeds_four_a_second_per_card():
    sent, clock = [], FakeClock()
    coalescer = TickCoalescer(send=sent.extend, interval=0.25, clock=clock)

    for step in range(100):  # 100 ticks over one second
        coalescer.offer([tick(7, f"{step}.00")])
        coalescer.flush_due()
        clock.now += 0.01

    assert len(sent) == 4
    clock.now += 0.25
    coalescer.flush_due()
    assert sent[-1].price == Decimal("99.00")  # the last value always arrives


def test_tick_renders_an_oob_swap_with_direction():
    html = render_tick(tick(42, "1234.50", finish="foil", direction="down"))

    assert html.startswith('<span id="price-42-foil" class="price price-down" data-live-card="42" hx-swap-oob="true">')
    assert "$1,234.50" in html
    assert "(down)" in html


def test_only_watched_cards_tick():
    ticks = [tick(1, "1.00"), tick(2, "2.00"), tick(1, "3.00", finish="foil")]
    assert watched_only(ticks) == []

    watchers_add([1])
    watchers_add([1, 3])
    assert watched_only(ticks) == [ticks[0], ticks[2]]

    watchers_remove([1])
    assert watched_only(ticks) == [ticks[0], ticks[2]]  # one socket still watches card 1
    watchers_remove([1, 3])
    assert watched_only(ticks) == []


def test_parse_card_ids_cleans_and_caps():
    assert parse_card_ids(["3", "x", "-1", "3", 5, None, "0"], limit=10) == [3, 5]
    assert len(parse_card_ids(range(1, 1000), limit=MAX_CARDS_PER_CONNECTION)) == MAX_CARDS_PER_CONNECTION


@database_sync_to_async
def priced_card(price="2.00"):
    card = CardFactory()
    CardPriceFactory(card=card, price=Decimal(price), captured_at=timezone.now() - timedelta(minutes=5))
    return card


@database_sync_to_async
def record_price(card, price):
    price_snapshot_record(
        card_id=card.pk,
        finish="nonfoil",
        source="demo",
        price=Decimal(price),
        currency="USD",
        captured_at=timezone.now(),
    )


def communicator(path):
    return WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)


@pytest.mark.django_db(transaction=True)
async def test_subscriber_receives_the_oob_swap_after_commit():
    card, other = await priced_card("2.00"), await priced_card("9.00")
    socket = communicator(f"/ws/prices/?cards={card.pk}")
    connected, _ = await socket.connect()
    assert connected

    await record_price(other, "9.50")  # not subscribed: nothing arrives
    assert await socket.receive_nothing(timeout=0.5)
    await record_price(card, "2.40")

    html = await socket.receive_from(timeout=5)
    assert html.startswith(f'<span id="price-{card.pk}-nonfoil" class="price price-up"')
    assert 'hx-swap-oob="true"' in html and "$2.40" in html
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_subscribe_and_unsubscribe_messages():
    card = await priced_card("5.00")
    socket = communicator("/ws/prices/")
    await socket.connect()

    await socket.send_json_to({"subscribe": [card.pk, "junk"]})
    await socket.receive_nothing(timeout=0.3)  # let the subscription land
    await record_price(card, "4.00")
    assert "price-down" in await socket.receive_from(timeout=5)

    await socket.send_json_to({"unsubscribe": [card.pk]})
    await socket.receive_nothing(timeout=0.3)
    await record_price(card, "4.50")
    assert await socket.receive_nothing(timeout=0.8)
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_crafted_messages_are_ignored_and_the_connection_lives_on():
    card = await priced_card("5.00")
    socket = communicator("/ws/prices/")
    await socket.connect()
    for crafted in ("[" * 100_000 + "]" * 100_000, "not json", "[1, 2]", '{"subscribe": "1"}'):
        await socket.send_to(text_data=crafted)
    await socket.send_json_to({"subscribe": [card.pk]})
    await socket.receive_nothing(timeout=0.3)
    await record_price(card, "4.00")
    assert "price-down" in await socket.receive_from(timeout=5)
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_connection_cannot_join_more_than_the_cap():
    inside, beyond = await priced_card("1.00"), await priced_card("1.00")
    fillers = [10**9 + number for number in range(MAX_CARDS_PER_CONNECTION - 1)]
    socket = communicator("/ws/prices/?cards=" + ",".join(str(i) for i in [*fillers, inside.pk]))
    await socket.connect()
    await socket.send_json_to({"subscribe": [beyond.pk]})  # the 201st card
    await socket.receive_nothing(timeout=0.3)

    await record_price(beyond, "2.00")
    assert await socket.receive_nothing(timeout=0.8)
    await record_price(inside, "2.00")
    assert f"price-{inside.pk}-nonfoil" in await socket.receive_from(timeout=5)
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_foreign_origin_is_refused(settings):
    from config.asgi import application

    settings.SITE_URL = "http://localhost"

    socket = WebsocketCommunicator(application, "/ws/prices/?cards=1", headers=[(b"origin", b"https://evil.example")])
    connected, _ = await socket.connect()
    assert not connected

    local = WebsocketCommunicator(application, "/ws/prices/?cards=1", headers=[(b"origin", b"http://localhost")])
    connected, _ = await local.connect()
    assert connected
    await local.disconnect()
