"""Followers hear about signals through the notifications app (in-app row, live bell, email per preference)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from accounts.tests.factories import UserFactory
from notifications.models import Notification, NotificationPreference
from signals import services

from .factories import CreatorFollowFactory, RecommendationFactory, SignalFollowerFactory, creator_factory, priced_card

pytestmark = pytest.mark.django_db


def _publish(creator, visibility):
    return services.signal_create(
        creator=creator,
        card_id=priced_card("10.00", name="Notify Card").pk,
        action="BUY",
        target_price="12.00",
        target_date=(datetime.now(UTC).date() + timedelta(days=9)).isoformat(),
        rationale="Everyone will want this one soon.",
        visibility=visibility,
    )


def test_publishing_notifies_the_creators_followers_once_with_email(django_capture_on_commit_callbacks):
    creator = creator_factory(username="publisher")
    fan, quiet = UserFactory(), UserFactory()
    CreatorFollowFactory(follower=fan, creator=creator)
    CreatorFollowFactory(follower=quiet, creator=creator)
    NotificationPreference.objects.create(user=quiet, kind="signal_published", email_enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        signal = _publish(creator, "followers")
    notes = Notification.objects.filter(kind="signal_published").order_by("recipient_id")
    assert [note.recipient_id for note in notes] == [fan.pk, quiet.pk]
    assert notes[0].title == "publisher: BUY Notify Card" and notes[0].url == f"/signals/{signal.pk}/"
    assert [message.to for message in mail.outbox] == [[fan.email]]
    from signals.notify import signal_published_notify

    assert signal_published_notify(signal_id=signal.pk) == 0  # a redelivered task tells nobody twice


def test_private_signals_notify_nobody_until_widened(django_capture_on_commit_callbacks):
    creator = creator_factory()
    fan = UserFactory()
    CreatorFollowFactory(follower=fan, creator=creator)
    with django_capture_on_commit_callbacks(execute=True):
        signal = _publish(creator, "private")
    assert not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.signal_update(signal_id=signal.pk, actor=creator, changes={"visibility": "followers"})
    assert Notification.objects.filter(recipient=fan, kind="signal_published").count() == 1


def test_evaluation_notifies_signal_followers_with_their_result(django_capture_on_commit_callbacks):
    creator = creator_factory()
    signal = RecommendationFactory(created_by=creator, card=priced_card("10.00"))
    acted, watcher, gone = UserFactory(), UserFactory(), UserFactory()
    services.signal_follow(signal_id=signal.pk, user=acted, acted_on=True)
    services.signal_follow(signal_id=signal.pk, user=watcher)
    SignalFollowerFactory(recommendation=signal, user=gone, unfollowed_at=datetime.now(UTC))
    with django_capture_on_commit_callbacks(execute=True):
        services.signal_close(signal_id=signal.pk, actor=creator)
    notes = {note.recipient_id: note for note in Notification.objects.filter(kind="signal_evaluated")}
    assert set(notes) == {acted.pk, watcher.pk}
    assert "Your result: +0.00%" in notes[acted.pk].body
    assert "Your result" not in notes[watcher.pk].body
