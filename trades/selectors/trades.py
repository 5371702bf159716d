"""Reads for agreed trades: access (only the two parties), lists, the trade page and its panels."""

from datetime import timedelta

from django.conf import settings
from django.db.models import F, Func, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import User
from trades.enums import PROPOSAL_OPEN_STATUSES, TradeStatus
from trades.models import Trade, TradeItem, TradeProposal, TradeReview
from trades.selectors.proposals import with_line_values


def access_trade(*, user, pk: int) -> Trade:
    if not user.is_authenticated:
        raise Http404("No such trade.")
    try:
        return (
            Trade.objects.select_related("party_a__reputation", "party_b__reputation", "proposal")
            .prefetch_related(
                Prefetch("items", queryset=TradeItem.objects.select_related("card", "giver").order_by("pk")),
                Prefetch("reviews", queryset=TradeReview.objects.select_related("reviewer", "reviewee")),
            )
            .get(Q(party_a=user) | Q(party_b=user), pk=pk)
        )
    except Trade.DoesNotExist:
        raise Http404("No such trade.") from None


def trade_list(*, user, status: str = "all") -> QuerySet[Trade]:
    trades = Trade.objects.filter(Q(party_a=user) | Q(party_b=user))
    if status in TradeStatus.values:
        trades = trades.filter(status=status)
    return (
        trades.select_related("party_a", "party_b")
        .prefetch_related(Prefetch("items", queryset=TradeItem.objects.select_related("card", "giver").order_by("pk")))
        .order_by("-created_at", "-pk")
    )


def trades_index_counts(*, user) -> dict[str, int]:
    """The trades page's header, in one query: proposals waiting for my answer, my active trades."""

    def count(queryset) -> Subquery:
        return Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"))

    me = OuterRef("pk")
    return (
        User.objects.filter(pk=user.pk)
        .annotate(
            needs_action=count(TradeProposal.objects.filter(recipient=me, status__in=PROPOSAL_OPEN_STATUSES)),
            active_trades=count(Trade.objects.filter(Q(party_a=me) | Q(party_b=me), status=TradeStatus.ACTIVE)),
        )
        .values("needs_action", "active_trades")
        .get()
    )


def review_window_days() -> int:
    return int(getattr(settings, "TRADE_REVIEW_WINDOW_DAYS", 30))


def review_window_open(*, trade: Trade, now=None) -> bool:
    if trade.completed_at is None:
        return False
    return (now or timezone.now()) <= trade.completed_at + timedelta(days=review_window_days())


def trade_view_for(*, trade: Trade, user) -> dict:
    """Everything the trade page needs about the viewer's side of it."""
    is_a = trade.party_a_id == user.pk
    with_line_values(trade.items.all())
    me, other = (trade.party_a, trade.party_b) if is_a else (trade.party_b, trade.party_a)
    my_review = next((r for r in trade.reviews.all() if r.reviewer_id == user.pk), None)
    their_review = next((r for r in trade.reviews.all() if r.reviewer_id != user.pk), None)
    return {
        "me": me,
        "other": other,
        "i_give": [i for i in trade.items.all() if i.giver_id == me.pk],
        "i_get": [i for i in trade.items.all() if i.giver_id == other.pk],
        "cash_i_pay": trade.cash_a_to_b if is_a else trade.cash_b_to_a,
        "cash_i_get": trade.cash_b_to_a if is_a else trade.cash_a_to_b,
        "i_confirmed_at": trade.a_confirmed_at if is_a else trade.b_confirmed_at,
        "they_confirmed_at": trade.b_confirmed_at if is_a else trade.a_confirmed_at,
        "i_requested_cancel_at": trade.a_requested_cancel_at if is_a else trade.b_requested_cancel_at,
        "they_requested_cancel_at": trade.b_requested_cancel_at if is_a else trade.a_requested_cancel_at,
        "my_review": my_review,
        "their_review": their_review,
        "can_review": trade.status == TradeStatus.COMPLETED and my_review is None and review_window_open(trade=trade),
    }


def trade_panels(*, trade: Trade, viewer) -> list[dict]:
    """Sections other apps add to the trade page (settings.TRADE_PANELS), in that order.

    Each provider is `f(*, trade, viewer) -> {"template": str, **context} | None`.
    """
    panels = []
    for path in settings.TRADE_PANELS:
        panel = import_string(path)(trade=trade, viewer=viewer)
        if panel:
            panels.append(panel)
    return panels


def profile_panel(*, profile_user, viewer) -> dict | None:
    """Public profile: a way to start a proposal, and the latest reviews this trader received."""
    reviews = list(
        TradeReview.objects.filter(reviewee=profile_user).select_related("reviewer").order_by("-created_at", "-pk")[:5]
    )
    can_propose = viewer.is_authenticated and viewer.pk != profile_user.pk and profile_user.is_active
    if not reviews and not can_propose:
        return None
    return {
        "template": "trades/partials/_profile_reviews.html",
        "reviews": reviews,
        "can_propose": can_propose,
        "profile_user": profile_user,
    }
