"""Reviews of completed trades: one per party, within the review window; reputation follows."""

from django.db import IntegrityError, transaction
from django.urls import reverse

from core.errors import Conflict, DomainError, InvalidTransition, NotFound
from notifications.enums import NotificationKind
from notifications.services import notification_send
from trades import locks
from trades.enums import TradeStatus
from trades.models import Trade, TradeReview
from trades.selectors.trades import review_window_days, review_window_open

from .trades import _party, reputation_sync

RATING_FIELDS = ("overall", "communication", "packaging", "accuracy", "speed")


@transaction.atomic
def review_create(
    *,
    trade_id: int,
    reviewer,
    overall: int,
    communication: int,
    packaging: int,
    accuracy: int,
    speed: int,
    comment: str = "",
) -> TradeReview:
    """A party reviews the other after completion; once, within the window. Reviewee's reputation recomputes."""
    ratings = {"overall": overall, "communication": communication, "packaging": packaging}
    ratings |= {"accuracy": accuracy, "speed": speed}
    for name, value in ratings.items():
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise DomainError("Ratings are whole numbers from 1 to 5.", field=name) from None
        if not 1 <= value <= 5:
            raise DomainError("Ratings are whole numbers from 1 to 5.", field=name)
        ratings[name] = value
    try:
        trade = locks.trade_for_update(trade_id=trade_id)
    except Trade.DoesNotExist:
        raise NotFound("No such trade.") from None
    side = _party(trade, reviewer)
    if trade.status != TradeStatus.COMPLETED:
        raise InvalidTransition("You can review a trade once it is completed.")
    if not review_window_open(trade=trade):
        raise Conflict(f"Reviews are open for {review_window_days()} days after completion.", code="closed")
    if TradeReview.objects.filter(trade=trade, reviewer=reviewer).exists():
        raise Conflict("You already reviewed this trade.", code="duplicate")
    reviewee_id = trade.party_b_id if side == "a" else trade.party_a_id
    try:
        with transaction.atomic():
            review = TradeReview.objects.create(
                trade=trade,
                reviewer=reviewer,
                reviewee_id=reviewee_id,
                comment=(comment or "").strip()[:2000],
                **ratings,
            )
    except IntegrityError:
        raise Conflict("You already reviewed this trade.", code="duplicate") from None
    reputation_sync(user_ids=[reviewee_id, reviewer.pk])
    notification_send(
        recipient=review.reviewee,
        kind=NotificationKind.REVIEW_RECEIVED,
        title=f"{reviewer.username} reviewed your trade: {review.overall}/5",
        body=review.comment[:500],
        url=reverse("trades:trade_detail", args=[trade.pk]),
    )
    return review
