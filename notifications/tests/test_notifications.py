import re

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db import transaction
from django.urls import reverse

from accounts.tests.factories import UserFactory
from notifications.enums import NotificationKind
from notifications.models import Notification, NotificationPreference
from notifications.routing import websocket_urlpatterns
from notifications.services import (
    notification_email_deliver,
    notification_preferences_update,
    notification_send,
)


def _send(user, **kwargs):
    defaults = {"kind": "proposal_received", "title": "Hello", "body": "Body", "url": "/trades/"}
    return notification_send(recipient=user, **{**defaults, **kwargs})


@pytest.mark.django_db
def test_send_records_and_emails_on_commit(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification = _send(user)
    assert Notification.objects.get().pk == notification.pk
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[Bazaar] Hello"
    assert "/trades/" in mail.outbox[0].body
    notification.refresh_from_db()
    assert notification.emailed_at is not None


@pytest.mark.django_db
def test_email_off_for_that_kind_only(django_capture_on_commit_callbacks):
    user = UserFactory()
    notification_preferences_update(user=user, email_kinds={"message_received"})
    with django_capture_on_commit_callbacks(execute=True):
        _send(user, kind="proposal_received")
        _send(user, kind="message_received")
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_email_task_is_idempotent():
    user = UserFactory()
    notification = _send(user)
    assert notification_email_deliver(notification_id=notification.pk) is True
    assert notification_email_deliver(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        _send(UserFactory(), kind="nope")
    assert Notification.objects.count() == 0


@pytest.mark.django_db
def test_center_mark_read_and_all_read(client):
    user, other = UserFactory(), UserFactory()
    mine = [_send(user, title=f"n{i}") for i in range(3)]
    theirs = _send(other)
    client.force_login(user)

    page = client.get(reverse("notifications:list"))
    assert page.status_code == 200
    assert page.content.decode().count("notification-unread") == 3
    assert 'data-testid="unread-notifications">3<' in page.content.decode()

    response = client.post(reverse("notifications:read", args=[mine[0].pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/trades/"
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    client.post(reverse("notifications:read_all"))
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None


@pytest.mark.django_db
def test_center_paginates(client, django_assert_max_num_queries):
    user = UserFactory()
    for i in range(30):
        _send(user, title=f"n{i}")
    client.force_login(user)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("notifications:list"))
    assert page.content.decode().count('class="card-panel notification') == 25
    assert "Page 1 of 2" in page.content.decode()


@pytest.mark.django_db
def test_preferences_page(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("notifications:preferences")).status_code == 200
    client.post(reverse("notifications:preferences"), {"email": ["review_received", "bogus"]})
    prefs = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email_enabled"))
    assert prefs["review_received"] is True
    assert prefs["proposal_received"] is False
    assert len(prefs) == len(NotificationKind.values)  # one row per notification kind


@pytest.mark.django_db
def test_pages_need_login(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_api_list_and_mark_read(client):
    user, other = UserFactory(), UserFactory()
    notification = _send(user)
    theirs = _send(other)
    client.force_login(user)

    listing = client.get("/api/v1/notifications/").json()
    assert [row["id"] for row in listing["results"]] == [notification.pk]
    assert client.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    marked = client.post(f"/api/v1/notifications/{notification.pk}/read/").json()
    assert marked["read_at"] is not None
    assert client.get("/api/v1/notifications/?unread=1").json()["results"] == []
    _send(user)
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}


@pytest.mark.django_db
def test_api_needs_auth(client):
    assert client.get("/api/v1/notifications/").status_code in (401, 403)


@pytest.mark.django_db
def test_dashboard_panel_lists_unread(client):
    user = UserFactory()
    _send(user, title="Look at this")
    client.force_login(user)
    assert "Look at this" in client.get("/").content.decode()


@pytest.mark.django_db(transaction=True)
async def test_bell_updates_live():
    user = await database_sync_to_async(UserFactory)()
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/notifications/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected

    def send():
        with transaction.atomic():
            _send(user)

    from channels.layers import get_channel_layer

    from core.realtime import user_group

    await get_channel_layer().group_send(user_group(user.pk), {"type": "someone.elses.event"})
    await database_sync_to_async(send)()
    html = await communicator.receive_from(timeout=5)
    assert re.search(r'id="nav-bell" [^>]*hx-swap-oob="true"', html)
    assert 'data-testid="unread-notifications">1<' in html
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_bell_socket_refuses_anonymous():
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/notifications/")
    communicator.scope["user"] = AnonymousUser()
    connected, _ = await communicator.connect()
    assert not connected


def stock_badge(*, user):
    return {"stock": len(user.username)}


@pytest.mark.django_db
def test_nav_badges_merge_every_registered_provider(settings):
    from notifications.selectors import nav_badge_counts

    user = UserFactory(username="badger")
    _send(user)
    settings.NAV_BADGES = ["notifications.selectors.nav_badges", "notifications.tests.test_notifications.stock_badge"]

    assert nav_badge_counts(user=user) == {"notifications": 1, "stock": 6}


@pytest.mark.django_db
def test_nav_badges_default_include_unread_threads():
    from notifications.selectors import nav_badge_counts

    user = UserFactory()

    assert nav_badge_counts(user=user) == {"notifications": 0, "threads": 0}
