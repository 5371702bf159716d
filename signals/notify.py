"""Who hears about a signal, through the notifications app. Each recipient is checked with
`access_signal` (the one visibility rule), so a notification never names a signal its
recipient may not see. Replays skip people already told."""

from __future__ import annotations

from django.urls import reverse

from notifications.enums import NotificationKind
from notifications.models import Notification
from notifications.services import notification_send

from .models import CreatorFollow, Recommendation, SignalFollower
from .selectors import can_see_signal


def _already_told(*, kind: str, url: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind, url=url).values_list("recipient_id", flat=True))


def signal_published_notify(*, signal_id: int) -> int:
    """Tell the creator's followers who may see it that a new signal is out."""
    signal = Recommendation.objects.select_related("card", "created_by").filter(pk=signal_id).first()
    if signal is None or signal.created_by is None:
        return 0
    url = reverse("signals:detail", args=[signal.pk])
    told = _already_told(kind=NotificationKind.SIGNAL_PUBLISHED, url=url)
    sent = 0
    for follow in CreatorFollow.objects.filter(creator_id=signal.created_by_id).select_related("follower"):
        follower = follow.follower
        if follower.pk in told or not follower.is_active or not can_see_signal(user=follower, signal_id=signal.pk):
            continue
        notification_send(
            recipient=follower,
            kind=NotificationKind.SIGNAL_PUBLISHED,
            title=f"{signal.created_by.username}: {signal.action} {signal.card.name}",
            body=f"{signal.created_by.username} published a {signal.action} signal on {signal.card.name} "
            f"at ${signal.entry_price}, target {'$' + str(signal.target_price) if signal.target_price else 'none'} "
            f"by {signal.target_date:%Y-%m-%d}.",
            url=url,
        )
        sent += 1
    return sent


def signals_evaluated_notify(*, signal_ids: list[int]) -> int:
    """Tell each signal's current followers (who may still see it) how it turned out."""
    sent = 0
    signals = Recommendation.objects.select_related("card", "created_by").filter(pk__in=signal_ids, status="evaluated")
    for signal in signals:
        url = reverse("signals:detail", args=[signal.pk])
        told = _already_told(kind=NotificationKind.SIGNAL_EVALUATED, url=url)
        follows = SignalFollower.objects.filter(recommendation_id=signal.pk, unfollowed_at__isnull=True).select_related(
            "user"
        )
        for follow in follows:
            if follow.user_id in told or not can_see_signal(user=follow.user, signal_id=signal.pk):
                continue
            result = "hit" if signal.hit else "missed"
            mine = (
                f" Your result: {follow.outcome_profit_pct:+}%."
                if follow.acted_on and follow.outcome_profit_pct is not None
                else ""
            )
            notification_send(
                recipient=follow.user,
                kind=NotificationKind.SIGNAL_EVALUATED,
                title=f"Signal {result}: {signal.action} {signal.card.name}",
                body=f"The {signal.action} signal on {signal.card.name} was evaluated at ${signal.price_at_end} "
                f"(accuracy {signal.accuracy * 100:.0f}%).{mine}",
                url=url,
            )
            sent += 1
    return sent
