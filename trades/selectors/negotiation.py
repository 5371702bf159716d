"""Reads for proposals, trades and threads. access_* selectors are the one place the
"only the two parties" rule lives: views, the API and websocket consumers all use them."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from core.money import quantize_money
from trades.enums import PROPOSAL_OPEN_STATUSES, ProposalSide, TradeStatus
from trades.models import (
    HaveItem,
    Message,
    ProposalItem,
    Thread,
    ThreadParticipant,
    Trade,
    TradeItem,
    TradeProposal,
    TradeReview,
)

# --- Prices ------------------------------------------------------------------------------------


def current_prices(*, card_ids) -> dict[tuple[int, str], Decimal]:
    """{(card_id, finish): price} at current market prices (one query, cards' selector)."""
    from cards.selectors import card_prices_current

    card_ids = list(set(card_ids))
    if not card_ids:
        return {}
    return {key: price.price for key, price in card_prices_current(card_ids=card_ids).items()}


# --- Access ------------------------------------------------------------------------------------


def _party_filter(user) -> Q:
    return Q(proposer=user) | Q(recipient=user)


def access_proposal(*, user, pk: int) -> TradeProposal:
    """The proposal if `user` is its proposer or recipient; anyone else gets 404."""
    if not user.is_authenticated:
        raise Http404("No such proposal.")
    try:
        return (
            TradeProposal.objects.select_related("proposer__reputation", "recipient__reputation", "countered_from")
            .prefetch_related(_items_prefetch())
            .get(_party_filter(user), pk=pk)
        )
    except TradeProposal.DoesNotExist:
        raise Http404("No such proposal.") from None


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


def access_thread(*, user, pk: int) -> Thread:
    """The thread if `user` takes part in it (used by the websocket consumer too)."""
    if not user.is_authenticated:
        raise Http404("No such conversation.")
    try:
        return Thread.objects.get(pk=pk, memberships__user=user)
    except Thread.DoesNotExist:
        raise Http404("No such conversation.") from None


# --- Proposals ---------------------------------------------------------------------------------


def _items_prefetch() -> Prefetch:
    return Prefetch("items", queryset=ProposalItem.objects.select_related("card").order_by("side", "pk"))


@dataclass
class ProposalActions:
    can_accept: bool = False
    can_decline: bool = False
    can_counter: bool = False
    can_cancel: bool = False

    @property
    def any(self) -> bool:
        return self.can_accept or self.can_decline or self.can_counter or self.can_cancel


def proposal_actions(*, proposal: TradeProposal, user) -> ProposalActions:
    """What this user may do to this proposal now (the services enforce the same rules)."""
    is_open = proposal.status in PROPOSAL_OPEN_STATUSES
    is_recipient = proposal.recipient_id == user.pk
    is_proposer = proposal.proposer_id == user.pk
    return ProposalActions(
        can_accept=is_open and is_recipient,
        can_decline=is_open and is_recipient,
        can_counter=is_open and is_recipient,
        can_cancel=is_open and is_proposer,
    )


def proposal_list(*, user, box: str = "all", status: str = "all") -> QuerySet[TradeProposal]:
    """My proposals: box incoming|outgoing|action|all, status open|closed|all; newest first.

    Rows render their items' cards and both parties, all fetched in a fixed number of queries.
    """
    proposals = TradeProposal.objects.all()
    if box == "incoming":
        proposals = proposals.filter(recipient=user)
    elif box == "outgoing":
        proposals = proposals.filter(proposer=user)
    elif box == "action":
        proposals = proposals.filter(recipient=user, status__in=PROPOSAL_OPEN_STATUSES)
    else:
        proposals = proposals.filter(_party_filter(user))
    if status == "open":
        proposals = proposals.filter(status__in=PROPOSAL_OPEN_STATUSES)
    elif status == "closed":
        proposals = proposals.exclude(status__in=PROPOSAL_OPEN_STATUSES)
    return (
        proposals.select_related("proposer", "recipient")
        .prefetch_related(_items_prefetch())
        .order_by("-created_at", "-pk")
    )


def proposal_chain(*, proposal: TradeProposal) -> list[TradeProposal]:
    """Every proposal of the negotiation (oldest first): they share the thread."""
    return list(
        TradeProposal.objects.filter(thread_id=proposal.thread_id)
        .select_related("proposer", "recipient")
        .order_by("created_at", "pk")
    )


def proposal_open_needing_action_count(*, user) -> int:
    return TradeProposal.objects.filter(recipient=user, status__in=PROPOSAL_OPEN_STATUSES).count()


@dataclass
class PickableItem:
    have: HaveItem
    unit_value: Decimal
    selected_quantity: int = 0


@dataclass
class ProposalFormData:
    mine: list[PickableItem] = field(default_factory=list)
    theirs: list[PickableItem] = field(default_factory=list)


def proposal_pickable_items(*, proposer, recipient) -> ProposalFormData:
    """Both have lists with current unit values: what a proposal can be made of."""
    haves = list(
        HaveItem.objects.filter(owner__in=[proposer, recipient])
        .select_related("card")
        .order_by("card__name", "card__set_code", "pk")
    )
    prices = current_prices(card_ids=[item.card_id for item in haves])
    data = ProposalFormData()
    for item in haves:
        pickable = PickableItem(have=item, unit_value=prices.get((item.card_id, item.finish), Decimal("0")))
        (data.mine if item.owner_id == proposer.pk else data.theirs).append(pickable)
    return data


def _with_line_values(items) -> None:
    for item in items:
        item.line_value = quantize_money(item.unit_value * item.quantity)


def proposal_side_totals(*, proposal: TradeProposal) -> dict:
    """Values of each side at the proposal's recorded prices, and the balance for the viewer."""
    _with_line_values(proposal.items.all())
    proposer_items = [i for i in proposal.items.all() if i.side == ProposalSide.PROPOSER]
    recipient_items = [i for i in proposal.items.all() if i.side == ProposalSide.RECIPIENT]
    proposer_total = proposal.proposer_value + proposal.cash_from_proposer
    recipient_total = proposal.recipient_value + proposal.cash_from_recipient
    return {
        "proposer_items": proposer_items,
        "recipient_items": recipient_items,
        "proposer_total": quantize_money(proposer_total),
        "recipient_total": quantize_money(recipient_total),
        # Positive: the proposer gives more than they get.
        "balance": quantize_money(proposer_total - recipient_total),
    }


def proposal_current_values(*, proposal: TradeProposal) -> dict[str, Decimal]:
    """Each side's card value at today's prices (the page shows both: when sent and now)."""
    prices = current_prices(card_ids=[item.card_id for item in proposal.items.all()])
    totals = {ProposalSide.PROPOSER: Decimal("0"), ProposalSide.RECIPIENT: Decimal("0")}
    for item in proposal.items.all():
        totals[item.side] += prices.get((item.card_id, item.finish), Decimal("0")) * item.quantity
    return {"proposer": quantize_money(totals["proposer"]), "recipient": quantize_money(totals["recipient"])}


# --- Trades ------------------------------------------------------------------------------------


def trade_list(*, user, status: str = "all") -> QuerySet[Trade]:
    trades = Trade.objects.filter(Q(party_a=user) | Q(party_b=user))
    if status in TradeStatus.values:
        trades = trades.filter(status=status)
    return (
        trades.select_related("party_a", "party_b")
        .prefetch_related(Prefetch("items", queryset=TradeItem.objects.select_related("card", "giver").order_by("pk")))
        .order_by("-created_at", "-pk")
    )


def trade_active_count(*, user) -> int:
    return Trade.objects.filter(Q(party_a=user) | Q(party_b=user), status=TradeStatus.ACTIVE).count()


def trade_view_for(*, trade: Trade, user) -> dict:
    """Everything the trade page needs about the viewer's side of it."""
    is_a = trade.party_a_id == user.pk
    _with_line_values(trade.items.all())
    me, other = (trade.party_a, trade.party_b) if is_a else (trade.party_b, trade.party_a)
    my_review = next((r for r in trade.reviews.all() if r.reviewer_id == user.pk), None)
    their_review = next((r for r in trade.reviews.all() if r.reviewer_id != user.pk), None)
    from trades.services.reviews import review_window_open

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


# --- Threads -----------------------------------------------------------------------------------


def _unread_memberships(*, user) -> QuerySet[ThreadParticipant]:
    return ThreadParticipant.objects.filter(user=user, thread__last_message_at__isnull=False).filter(
        Q(last_read_at__isnull=True) | Q(thread__last_message_at__gt=F("last_read_at"))
    )


def thread_unread_count(*, user) -> int:
    """Conversations with messages newer than the user last read them (one indexed count)."""
    return _unread_memberships(user=user).count()


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


def thread_messages(*, thread: Thread, before: int | None = None, limit: int | None = None) -> tuple[list[Message], bool]:
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
    return latest, has_older


def thread_context(*, thread: Thread, user) -> dict:
    """The thread with its negotiation: every proposal of the chain and the trade if agreed."""
    proposals = list(
        TradeProposal.objects.filter(thread=thread).select_related("proposer", "recipient").order_by("created_at", "pk")
    )
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
