"""Proposal, conversation and trades pages: a GET writes only what changed (docs/decisions/0035),
counts nothing it can do without, and runs a fixed number of queries."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from notifications.enums import NotificationKind
from notifications.models import Notification
from trades import services
from trades.api.serializers import ProposalSerializer
from trades.enums import ProposalStatus
from trades.models import Message, ProposalEvent, ProposalItem, ThreadParticipant, TradeProposal
from trades.tests.factories import TradeFactory, TradeProposalFactory, thread_between

pytestmark = pytest.mark.django_db

WRITE = re.compile(r"^\s*(UPDATE|INSERT|DELETE)\b", re.IGNORECASE)


def _writes(queries) -> list[str]:
    return [query["sql"] for query in queries if WRITE.match(query["sql"])]


def _get(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, captured.captured_queries


@pytest.fixture
def conversation():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    thread = thread_between(alice, bob)
    services.message_send(thread=thread, sender=alice, body="Still have the Bolt?")
    return alice, bob, thread


def test_opening_a_read_conversation_writes_nothing(client, conversation, django_assert_num_queries):
    _alice, bob, thread = conversation
    services.thread_mark_read(thread_id=thread.pk, user=bob)
    client.force_login(bob)
    url = reverse("trades:thread_detail", args=[thread.pk])

    # session, user, thread, read state, proposals, trade, members, messages, two nav badges
    with django_assert_num_queries(10):
        _, queries = _get(client, url)

    assert _writes(queries) == []


def test_opening_an_unread_conversation_marks_it_read_once(client, conversation):
    _alice, bob, thread = conversation
    client.force_login(bob)
    url = reverse("trades:thread_detail", args=[thread.pk])
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 1

    response, first = _get(client, url)
    _, second = _get(client, url)

    membership = ThreadParticipant.objects.get(thread=thread, user=bob)
    assert membership.last_read_at >= thread.messages.get().created_at
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 0
    assert len(_writes(first)) == 2  # the membership and the message notification
    assert _writes(second) == []
    assert 'data-testid="unread-threads"' not in response.content.decode()


def test_a_new_message_makes_the_next_open_write_again(client, conversation):
    alice, bob, thread = conversation
    services.thread_mark_read(thread_id=thread.pk, user=bob)
    client.force_login(bob)
    services.message_send(thread=thread, sender=alice, body="Ships today.")

    _, queries = _get(client, reverse("trades:thread_detail", args=[thread.pk]))

    assert any("trades_threadparticipant" in sql for sql in _writes(queries))
    assert services.thread_mark_read(thread_id=thread.pk, user=bob) is False


def test_the_thread_shows_each_message_time_in_the_current_zone(client, conversation):
    _alice, bob, thread = conversation
    message = thread.messages.get()
    Message.objects.filter(pk=message.pk).update(created_at=datetime(2026, 3, 4, 5, 6, tzinfo=UTC))
    client.force_login(bob)

    html = client.get(reverse("trades:thread_detail", args=[thread.pk])).content.decode()

    assert '<time class="muted" datetime="2026-03-04T05:06:00+00:00">Mar 4, 05:06</time>' in html


@pytest.fixture
def proposal():
    card = CardFactory(name="Counterspell")
    proposal = TradeProposalFactory(status=ProposalStatus.PENDING, proposer_value=Decimal("2.00"))
    ProposalItem.objects.create(
        proposal=proposal, side="proposer", card=card, quantity=2, condition="NM", unit_value=Decimal("1.00")
    )
    return proposal


def test_the_recipients_first_open_marks_the_proposal_viewed_and_later_opens_write_nothing(
    client, proposal, django_assert_num_queries
):
    client.force_login(proposal.recipient)
    url = reverse("trades:proposal_detail", args=[proposal.pk])

    _, first = _get(client, url)
    # session, user, proposal (+thread), items, read state, prices now, chain, trade, members,
    # messages, two nav badges
    with django_assert_num_queries(12):
        response, second = _get(client, url)

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.VIEWED and proposal.viewed_at is not None
    assert ProposalEvent.objects.filter(proposal=proposal, to_status=ProposalStatus.VIEWED).count() == 1
    assert any("trades_tradeproposal" in sql for sql in _writes(first))
    assert _writes(second) == []
    assert 'data-testid="status">Viewed</span>' in response.content.decode()


def test_the_proposer_opening_a_proposal_writes_nothing(client, proposal, django_assert_num_queries):
    client.force_login(proposal.proposer)

    with django_assert_num_queries(12):
        response, queries = _get(client, reverse("trades:proposal_detail", args=[proposal.pk]))

    assert _writes(queries) == []
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING
    body = response.content.decode()
    assert f'<a href="/cards/{proposal.items.get().card_id}/">Counterspell</a>' in body


def test_trades_index_counts_no_page_and_reads_the_header_in_one_query(client, django_assert_num_queries):
    me = UserFactory()
    for _ in range(3):
        TradeProposalFactory(recipient=me)
    TradeFactory(proposal__proposer=me)
    client.force_login(me)

    # session, user, header counts, nav badges (2), proposals page, their items
    with django_assert_num_queries(7):
        response, queries = _get(client, reverse("trades:index"))

    body = response.content.decode()
    assert "3 proposals waiting for your answer" in body
    assert "(1 active)" in body
    assert not [q for q in queries if 'COUNT(*) AS "__count" FROM "trades_tradeproposal"' in q["sql"]]
    assert body.count('data-testid="status"') == 4  # three received, one accepted (the trade's)
    assert all(f'href="/trades/proposals/{p.pk}/"' in body for p in TradeProposal.objects.all())


def test_trades_index_pages_without_a_count(client):
    me = UserFactory()
    TradeProposalFactory.create_batch(21, recipient=me)
    client.force_login(me)

    first = client.get(reverse("trades:index")).content.decode()
    second = client.get(reverse("trades:index"), {"page": 2}).content.decode()

    assert "Page 1</span>" in first and "page=2" in first and "Older →" in first
    assert "Page 2</span>" in second and "← Newer" in second and "Older →" not in second
    assert second.count("Proposal #") == 1


def test_api_proposals_render_exactly_as_the_generic_serializer(client):
    proposal = TradeProposalFactory(
        status=ProposalStatus.DECLINED,
        cash_from_proposer=Decimal("0"),
        proposer_value=Decimal("3.5"),
        recipient_value=Decimal("12.345"),
        cash_from_recipient=Decimal("1"),
        viewed_at=timezone.now(),
        responded_at=timezone.now(),
        decline_reason="No thanks",
        message="Hi",
    )
    counter = TradeProposalFactory(
        proposer=proposal.recipient, recipient=proposal.proposer, thread=proposal.thread, countered_from=proposal
    )
    for side in ("proposer", "recipient"):
        ProposalItem.objects.create(
            proposal=counter, side=side, card=CardFactory(), quantity=3, finish="foil", unit_value=Decimal("0.5")
        )
    serializer = ProposalSerializer()

    for row in TradeProposal.objects.select_related("proposer", "recipient").prefetch_related("items__card"):
        generic = super(ProposalSerializer, serializer).to_representation(row)
        assert serializer.to_representation(row) == generic


def test_api_proposals_queries_do_not_grow(client, django_assert_num_queries):
    me = UserFactory()
    for _ in range(5):
        proposal = TradeProposalFactory(proposer=me)
        ProposalItem.objects.create(
            proposal=proposal, side="proposer", card=CardFactory(), quantity=1, unit_value=Decimal("1")
        )
    client.force_login(me)

    with django_assert_num_queries(4):  # session, user, proposals, their items with cards
        response = client.get("/api/v1/proposals/")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 5


def test_home_reads_the_unread_counts_once(client, conversation):
    _alice, bob, _thread = conversation
    client.force_login(bob)

    response, queries = _get(client, reverse("core:home"))

    notification_counts = [q for q in queries if 'COUNT(*) AS "__count" FROM "notifications_notification"' in q["sql"]]
    assert len(notification_counts) == 1
    body = response.content.decode()
    assert 'data-testid="unread-notifications">1<' in body
    assert Notification.objects.filter(recipient=bob, kind=NotificationKind.MESSAGE_RECEIVED).count() == 1
