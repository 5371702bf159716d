"""Conversations open at the newest messages and page backwards on demand."""

import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from trades.models import Message
from trades.selectors.threads import THREAD_PAGE_SIZE
from trades.tests.factories import thread_between

pytestmark = pytest.mark.django_db


@pytest.fixture
def long_thread():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    thread = thread_between(alice, bob)
    Message.objects.bulk_create(
        [
            Message(thread=thread, sender=alice if n % 2 else bob, body=f"note {n:03d}")
            for n in range(THREAD_PAGE_SIZE + 10)
        ]
    )
    return alice, thread


def _bodies(html: str) -> list[str]:
    return re.findall(r"note \d{3}", html)


def test_thread_page_shows_the_newest_page_and_a_marker_for_older(client, long_thread, django_assert_max_num_queries):
    alice, thread = long_thread
    client.force_login(alice)

    with django_assert_max_num_queries(25):
        html = client.get(reverse("trades:thread_detail", args=[thread.pk])).content.decode()

    bodies = _bodies(html)
    assert bodies[0] == "note 010" and bodies[-1] == f"note {THREAD_PAGE_SIZE + 9:03d}"
    assert len(bodies) == THREAD_PAGE_SIZE
    oldest_shown = Message.objects.get(thread=thread, body="note 010")
    assert f"{reverse('trades:thread_older', args=[thread.pk])}?before={oldest_shown.pk}" in html
    assert 'aria-live="polite"' in html and "data-thread-jump" in html


def test_older_page_over_htmx_is_the_rest_without_a_marker(client, long_thread):
    alice, thread = long_thread
    client.force_login(alice)
    oldest_shown = Message.objects.get(thread=thread, body="note 010")

    response = client.get(
        reverse("trades:thread_older", args=[thread.pk]), {"before": oldest_shown.pk}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert _bodies(html) == [f"note {n:03d}" for n in range(10)]
    assert "data-thread-older" not in html
    assert "<html" not in html


def test_older_page_without_htmx_is_a_whole_page(client, long_thread):
    alice, thread = long_thread
    client.force_login(alice)
    oldest_shown = Message.objects.get(thread=thread, body="note 010")

    html = client.get(reverse("trades:thread_older", args=[thread.pk]), {"before": oldest_shown.pk}).content.decode()

    assert "<html" in html and _bodies(html) == [f"note {n:03d}" for n in range(10)]


@pytest.mark.parametrize("before", ["", "abc", "-1"])
def test_older_page_needs_a_message_id(client, long_thread, before):
    alice, thread = long_thread
    client.force_login(alice)
    response = client.get(reverse("trades:thread_older", args=[thread.pk]), {"before": before})
    assert response.status_code == 400


def test_older_page_for_a_message_of_another_thread_is_empty(client, long_thread):
    alice, thread = long_thread
    other = thread_between(alice, UserFactory())
    foreign = Message.objects.create(thread=other, sender=alice, body="elsewhere")
    client.force_login(alice)
    response = client.get(
        reverse("trades:thread_older", args=[thread.pk]), {"before": foreign.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert _bodies(response.content.decode()) == []


def test_negotiation_pages_carry_the_change_marker_and_their_live_region(client):
    from trades import services
    from trades.tests.factories import trading_pair

    proposer, recipient, mine, _ = trading_pair()
    proposal = services.proposal_create(proposer=proposer, recipient=recipient, offer={mine.pk: 1}, request={})
    client.force_login(proposer)

    page = client.get(reverse("trades:proposal_detail", args=[proposal.pk])).content.decode()
    thread_page = client.get(reverse("trades:thread_detail", args=[proposal.thread_id])).content.decode()

    assert f'<div id="thread-{proposal.thread_id}-changed" hidden></div>' in page
    assert f'id="proposal-{proposal.pk}-live" class="negotiation" data-live-refresh="thread"' in page
    assert page.index(f'id="proposal-{proposal.pk}-live"') < page.index("Withdraw proposal")
    assert f'id="thread-{proposal.thread_id}-negotiation" data-live-refresh="thread"' in thread_page
