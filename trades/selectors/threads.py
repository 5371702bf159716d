"""Reads for conversation threads: access (only participants), unread counts, messages."""

from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dates import MONTHS_3

from trades.models import Message, Thread, ThreadParticipant, Trade, TradeProposal


def access_thread(*, user, pk: int) -> Thread:
    """The thread if `user` takes part in it (used by the websocket consumer too)."""
    if not user.is_authenticated:
        raise Http404("No such conversation.")
    try:
        return Thread.objects.get(pk=pk, memberships__user=user)
    except Thread.DoesNotExist:
        raise Http404("No such conversation.") from None


def _unread_memberships(*, user) -> QuerySet[ThreadParticipant]:
    return ThreadParticipant.objects.filter(user=user, thread__last_message_at__isnull=False).filter(
        Q(last_read_at__isnull=True) | Q(thread__last_message_at__gt=F("last_read_at"))
    )


def thread_unread_count(*, user) -> int:
    """Conversations with messages newer than the user last read them (one indexed count)."""
    return _unread_memberships(user=user).count()


def nav_badges(*, user) -> dict[str, int]:
    """Trades' badge in the nav (settings.NAV_BADGES): conversations with unread messages."""
    return {"threads": thread_unread_count(user=user)}


def thread_list(*, user) -> QuerySet[Thread]:
    """My conversations, latest activity first, with the other party, the latest proposal and unread flag."""
    me = ThreadParticipant.objects.filter(thread=OuterRef("pk"), user=user)
    unread = me.filter(
        Q(last_read_at__isnull=True, thread__last_message_at__isnull=False)
        | Q(thread__last_message_at__gt=F("last_read_at"))
    )
    return (
        Thread.objects.filter(memberships__user=user)
        .annotate(is_unread=Exists(unread), message_count=Count("messages", distinct=True))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=ThreadParticipant.objects.select_related("user").order_by("user__username"),
            ),
            Prefetch("proposals", queryset=TradeProposal.objects.order_by("-created_at", "-pk")),
        )
        .order_by(F("last_message_at").desc(nulls_last=True), "-pk")
    )


THREAD_PAGE_SIZE = 50


def thread_messages(
    *, thread: Thread, before: int | None = None, limit: int | None = None
) -> tuple[list[Message], bool]:
    """The latest `limit` messages (older than message `before` if given), oldest first, and
    whether there are older ones still. One query: it reads one row more than it shows."""
    limit = limit or THREAD_PAGE_SIZE
    rows = Message.objects.filter(thread=thread).select_related("sender").order_by("-created_at", "-pk")
    if before is not None:
        anchor = Message.objects.filter(thread=thread, pk=before).values_list("created_at", flat=True).first()
        if anchor is None:
            return [], False
        rows = rows.filter(Q(created_at__lt=anchor) | Q(created_at=anchor, pk__lt=before))
    latest = list(rows[: limit + 1])
    has_older = len(latest) > limit
    latest = latest[:limit]
    latest.reverse()
    return with_sent_labels(latest), has_older


def with_sent_labels(messages: list[Message]) -> list[Message]:
    """Each message's time as the conversation shows it (`sent_iso`, `sent_label` "Dec 1, 14:05"),
    in the current time zone: one pass here instead of two date filters per message."""
    zone = timezone.get_current_timezone()
    for message in messages:
        local = timezone.localtime(message.created_at, zone)
        message.sent_iso = local.isoformat()
        message.sent_label = f"{MONTHS_3[local.month].title()} {local.day}, {local:%H:%M}"
    return messages


def thread_proposals(*, thread_id: int) -> list[TradeProposal]:
    """Every proposal of the negotiation (oldest first): they share the thread."""
    return list(
        TradeProposal.objects.filter(thread_id=thread_id)
        .select_related("proposer", "recipient")
        .order_by("created_at", "pk")
    )


def thread_context(*, thread: Thread, user, proposals: list[TradeProposal] | None = None) -> dict:
    """The thread with its negotiation: every proposal of the chain and the trade if agreed.

    `proposals`, when the caller already read them (thread_proposals), saves reading them again.
    """
    if proposals is None:
        proposals = thread_proposals(thread_id=thread.pk)
    trade = Trade.objects.filter(thread=thread).only("pk", "status", "thread_id").first()
    others = [m.user for m in thread.memberships.select_related("user") if m.user_id != user.pk]
    messages, has_older = thread_messages(thread=thread)
    return {
        "thread": thread,
        "thread_messages": messages,
        "has_older": has_older,
        "proposals": proposals,
        "trade": trade,
        "other": others[0] if others else None,
    }


def thread_last_read_at(*, thread: Thread, user) -> datetime | None:
    return ThreadParticipant.objects.filter(thread=thread, user=user).values_list("last_read_at", flat=True).first()
