"""Agreed trades: opened on accept, completed when both parties confirm (or by `trade_complete`
from another app, e.g. escrow), cancelled by mutual agreement.

Other apps may refuse a confirm or a cancel: settings.TRADE_GUARDS lists `f(*, trade, action)`
checks run under the trade's lock before anything is written; raising a DomainError refuses.

Status changes go through `_transition` (lock, re-read, check TRADE_TRANSITIONS, apply,
TradeEvent). Confirmations and cancel requests are audited as TradeEvents too.
"""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count, Max, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from cards.models import Card
from core.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from core.money import quantize_money
from lists.services.reservations import HaveMove, haves_give, haves_release, wants_receive
from notifications.enums import NotificationKind
from notifications.services import notification_send
from trades import locks
from trades.enums import TRADE_TRANSITIONS, CancelFault, ProposalSide, TradeStatus
from trades.models import Trade, TradeEvent, TradeItem, TradeProposal, TradeReview

from .messaging import system_message_post, thread_changed_on_commit


def _transition(
    *, trade_id: int, to_status: str, actor=None, note: str = "", changes: dict | None = None
) -> tuple[Trade, bool]:
    """Lock, re-read, check, apply, audit. Returns (trade, changed); changed is False on replay."""
    trade = locks.trade_for_update(trade_id=trade_id)
    if trade.status == to_status:
        return trade, False
    if to_status not in TRADE_TRANSITIONS[trade.status]:
        raise InvalidTransition(f"This trade is {trade.get_status_display().lower()}; that is no longer possible.")
    from_status = trade.status
    trade.status = to_status
    fields = ["status", "updated_at"]
    for name, value in (changes or {}).items():
        setattr(trade, name, value)
        fields.append(name)
    trade.save(update_fields=fields)
    TradeEvent.objects.create(
        trade=trade, actor=actor, kind="status", from_status=from_status, to_status=to_status, note=note[:500]
    )
    thread_changed_on_commit(thread_id=trade.thread_id)
    return trade, True


def trade_open_from_proposal(*, proposal: TradeProposal) -> Trade:
    """Called by proposal_accept inside its transaction: the agreed terms become a Trade."""
    cash = proposal.cash_from_proposer + proposal.cash_from_recipient
    trade = Trade.objects.create(
        proposal=proposal,
        thread_id=proposal.thread_id,
        party_a_id=proposal.proposer_id,
        party_b_id=proposal.recipient_id,
        status=TradeStatus.ACTIVE,
        cash_a_to_b=proposal.cash_from_proposer,
        cash_b_to_a=proposal.cash_from_recipient,
        currency=proposal.currency,
        value_a_gives=proposal.proposer_value,
        value_b_gives=proposal.recipient_value,
        total_value=quantize_money(proposal.proposer_value + proposal.recipient_value + cash),
    )
    TradeItem.objects.bulk_create(
        [
            TradeItem(
                trade=trade,
                giver_id=proposal.proposer_id if item.side == ProposalSide.PROPOSER else proposal.recipient_id,
                card_id=item.card_id,
                quantity=item.quantity,
                condition=item.condition,
                finish=item.finish,
                language=item.language,
                unit_value=item.unit_value,
            )
            for item in proposal.items.all()
        ]
    )
    TradeEvent.objects.create(trade=trade, kind="agreed", to_status=TradeStatus.ACTIVE, note=f"proposal {proposal.pk}")
    return trade


def _party(trade: Trade, user) -> str:
    if user.pk == trade.party_a_id:
        return "a"
    if user.pk == trade.party_b_id:
        return "b"
    raise NotAllowed("You are not part of this trade.")


def _lock_trade(trade_id: int) -> Trade:
    """Lock in the fixed order: the trade's proposal first, then the trade."""
    try:
        proposal_id = Trade.objects.values_list("proposal_id", flat=True).get(pk=trade_id)
    except Trade.DoesNotExist:
        raise NotFound("No such trade.") from None
    locks.proposal_for_update(proposal_id=proposal_id)
    return locks.trade_for_update(trade_id=trade_id)


def _guard(trade: Trade, action: str) -> None:
    """Ask every app in settings.TRADE_GUARDS whether `action` may happen to this locked trade."""
    for path in settings.TRADE_GUARDS:
        import_string(path)(trade=trade, action=action)


def _trade_moves(trade: Trade) -> list[HaveMove]:
    """The have-list copies this trade moves, by giver (its items, read under the trade's lock)."""
    return [
        HaveMove(item.giver_id, item.card_id, item.condition, item.finish, item.language, item.quantity)
        for item in TradeItem.objects.filter(trade=trade).order_by("pk")
    ]


def _release_reservations(trade: Trade, actor) -> None:
    moves = _trade_moves(trade)
    haves_release(moves=moves)
    if moves:
        TradeEvent.objects.create(
            trade=trade, actor=actor, kind="reservation_released", note=_describe(moves, verb="released")
        )


def _describe(moves, *, verb: str) -> str:
    names = dict(Card.objects.filter(pk__in={m.card_id for m in moves}).values_list("pk", "name"))
    parts = [f"{m.quantity} × {names.get(m.card_id, m.card_id)}" for m in moves]
    return f"{verb}: " + ", ".join(parts)[:480]


def _lists_follow(trade: Trade, actor) -> None:
    """Given cards leave the giver's haves; received cards fill the receiver's wants. One event per move."""
    moves = _trade_moves(trade)
    given = haves_give(moves=moves)
    received = []
    # Receivers in user-id order: two trades between the same traders lock their wants alike.
    pairs = sorted(((trade.party_a_id, trade.party_b_id), (trade.party_b_id, trade.party_a_id)))
    for receiver_id, giver_id in pairs:
        received += wants_receive(owner_id=receiver_id, moves=[m for m in moves if m.owner_id == giver_id])
    names = dict(Card.objects.filter(pk__in={m.card_id for m in given + received}).values_list("pk", "name"))
    usernames = {trade.party_a_id: trade.party_a.username, trade.party_b_id: trade.party_b.username}
    TradeEvent.objects.bulk_create(
        [
            TradeEvent(
                trade=trade,
                actor=actor,
                kind="have_given" if move.kind == "have" else "want_filled",
                note=(
                    f"{usernames[move.owner_id]}'s {move.kind} list: {move.quantity} × {names.get(move.card_id)} "
                    f"(item {move.item_id}) {move.before} → {move.after}" + (", removed" if move.removed else "")
                )[:500],
            )
            for move in given + received
        ]
    )


def reputation_stats(*, user_id: int) -> dict:
    """Absolute trade and review stats of a user, aggregated from Trade and TradeReview rows."""
    mine = Q(party_a_id=user_id) | Q(party_b_id=user_id)
    trades = Trade.objects.filter(mine).aggregate(
        completed=Count("pk", filter=Q(status=TradeStatus.COMPLETED)),
        # A cancellation counts against the parties at fault (both, unless the cancelling app said otherwise).
        cancelled=Count(
            "pk",
            filter=Q(status=TradeStatus.CANCELLED)
            & (
                Q(cancel_fault=CancelFault.BOTH)
                | Q(cancel_fault=CancelFault.PARTY_A, party_a_id=user_id)
                | Q(cancel_fault=CancelFault.PARTY_B, party_b_id=user_id)
            ),
        ),
        value=Sum("total_value", filter=Q(status=TradeStatus.COMPLETED)),
        last_completed=Max("completed_at"),
        last_cancelled=Max("cancelled_at"),
    )
    reviews = TradeReview.objects.filter(reviewee_id=user_id).aggregate(
        count=Count("pk"), average=Avg("overall"), last=Max("created_at")
    )
    given = TradeReview.objects.filter(reviewer_id=user_id).aggregate(last=Max("created_at"))
    moments = [trades["last_completed"], trades["last_cancelled"], reviews["last"], given["last"]]
    return {
        "completed_trades": trades["completed"],
        "cancelled_trades": trades["cancelled"],
        "total_trade_value": quantize_money(trades["value"] or Decimal("0")),
        "review_count": reviews["count"],
        "review_average": quantize_money(Decimal(str(reviews["average"] or 0))),
        "last_activity_at": max((m for m in moments if m is not None), default=None),
    }


@transaction.atomic
def reputation_sync(*, user_ids: list[int]) -> None:
    """Recompute reputation for these users from their trades and reviews (never increments).

    Locks their reputation rows first (user-id order) so that the aggregation below sees every
    committed trade; runs inside the caller's transaction, so it commits or rolls back with it.
    """
    from accounts.models import User
    from accounts.services import reputation_update

    ids = sorted(set(user_ids))
    locks.reputations_for_update(user_ids=ids)
    for user in User.objects.filter(pk__in=ids).order_by("pk"):
        reputation_update(user=user, **reputation_stats(user_id=user.pk))


def _trade_url(trade: Trade) -> str:
    return reverse("trades:trade_detail", args=[trade.pk])


@transaction.atomic
def trade_confirm(*, trade_id: int, actor) -> Trade:
    """`actor` received what was agreed. When both have confirmed the trade completes."""
    trade = _lock_trade(trade_id)
    side = _party(trade, actor)
    field = f"{side}_confirmed_at"
    if getattr(trade, field):
        return trade  # replay
    if trade.status != TradeStatus.ACTIVE:
        raise InvalidTransition(f"This trade is {trade.get_status_display().lower()}; it cannot be confirmed.")
    _guard(trade, "confirm")
    setattr(trade, field, timezone.now())
    trade.save(update_fields=[field, "updated_at"])
    TradeEvent.objects.create(trade=trade, actor=actor, kind="confirmed", note=f"party {side}")
    if trade.a_confirmed_at and trade.b_confirmed_at:
        return trade_complete(trade_id=trade.pk, actor=actor, cause=BOTH_CONFIRMED)
    system_message_post(
        thread=trade.thread, body=f"{actor.username} confirmed receiving their side of the trade.", actor=actor
    )
    return trade


BOTH_CONFIRMED = "Both parties confirmed."


@transaction.atomic
def trade_complete(*, trade_id: int, actor=None, cause: str) -> Trade:
    """Complete an active trade, whether or not both parties have confirmed.

    `trade_confirm` calls it when the second confirmation arrives; other apps (escrow releasing
    a payment, staff resolving a dispute) call it directly. One transaction: the status (with a
    TradeEvent whose note is `cause`), the proposal marked completed, both reputations
    recomputed, a system message and a notification to each party. Completing a completed
    trade again is a no-op; a cancelled trade cannot be completed.
    """
    from .proposals import proposal_mark_completed

    cause = (cause or "").strip()
    if not cause:
        raise DomainError("Say why the trade is completed.", field="cause")
    trade = _lock_trade(trade_id)
    if trade.status == TradeStatus.COMPLETED:
        return trade  # replay
    trade, _ = _transition(
        trade_id=trade.pk,
        to_status=TradeStatus.COMPLETED,
        actor=actor,
        note=cause,
        changes={"completed_at": timezone.now()},
    )
    proposal_mark_completed(proposal_id=trade.proposal_id, actor=actor)
    _lists_follow(trade, actor)
    reputation_sync(user_ids=[trade.party_a_id, trade.party_b_id])
    system_message_post(thread=trade.thread, body=f"{cause} The trade is completed.", actor=actor)
    for user in (trade.party_a, trade.party_b):
        other = trade.party_b if user.pk == trade.party_a_id else trade.party_a
        notification_send(
            recipient=user,
            kind=NotificationKind.TRADE_COMPLETED,
            title=f"Your trade with {other.username} is completed",
            body="You can now leave a review.",
            url=_trade_url(trade),
        )
    return trade


@transaction.atomic
def trade_request_cancel(*, trade_id: int, actor, reason: str = "") -> Trade:
    """`actor` reports the trade as failed. When both parties have asked, it is cancelled."""
    trade = _lock_trade(trade_id)
    side = _party(trade, actor)
    field = f"{side}_requested_cancel_at"
    if getattr(trade, field):
        return trade  # replay
    if trade.status != TradeStatus.ACTIVE:
        raise InvalidTransition(f"This trade is {trade.get_status_display().lower()}; it cannot be cancelled.")
    _guard(trade, "cancel")
    reason = (reason or "").strip()[:500]
    now = timezone.now()
    setattr(trade, field, now)
    fields = [field, "updated_at"]
    if reason and not trade.cancel_reason:
        trade.cancel_reason = reason
        fields.append("cancel_reason")
    trade.save(update_fields=fields)
    TradeEvent.objects.create(trade=trade, actor=actor, kind="cancel_requested", note=reason)
    if trade.a_requested_cancel_at and trade.b_requested_cancel_at:
        return _cancel(trade, actor=actor, note=reason, body="Both parties agreed to cancel. The trade is cancelled.")
    system_message_post(
        thread=trade.thread,
        body=f"{actor.username} reported the trade as failed and asked to cancel it."
        + (f" Reason: {reason}" if reason else "")
        + " It is cancelled when both parties agree.",
        actor=actor,
    )
    return trade


def _cancel(trade: Trade, *, actor, note: str, body: str, fault: str = CancelFault.BOTH) -> Trade:
    """Under the trade's lock: cancelled, promised copies released, reputations, a system message."""
    trade, changed = _transition(
        trade_id=trade.pk,
        to_status=TradeStatus.CANCELLED,
        actor=actor,
        note=note,
        changes={"cancelled_at": timezone.now(), "cancel_fault": fault},
    )
    if changed:
        _release_reservations(trade, actor)
        reputation_sync(user_ids=[trade.party_a_id, trade.party_b_id])
        system_message_post(thread=trade.thread, body=body, actor=actor)
    return trade


@transaction.atomic
def trade_cancel(*, trade_id: int, actor=None, cause: str, at_fault_user_id: int | object | None = ...) -> Trade:
    """Cancel an active trade at once (other apps: an escrow payment that expired unpaid, staff).

    `at_fault_user_id`: left out, the cancellation counts against both parties (as a mutual
    cancel does); a party's id, only against that party; None, against neither.
    Releases the copies it promised. Cancelling a cancelled trade again is a no-op; a completed
    trade cannot be cancelled. Mutual cancellation by the parties is `trade_request_cancel`.
    Like `trade_complete`, it does not ask TRADE_GUARDS: those veto the parties' requests, and
    the caller here is the app that decides.
    """
    cause = (cause or "").strip()
    if not cause:
        raise DomainError("Say why the trade is cancelled.", field="cause")
    trade = _lock_trade(trade_id)
    if trade.status == TradeStatus.CANCELLED:
        return trade  # replay
    if at_fault_user_id is ...:
        fault = CancelFault.BOTH
    elif at_fault_user_id is None:
        fault = CancelFault.NONE
    elif at_fault_user_id == trade.party_a_id:
        fault = CancelFault.PARTY_A
    elif at_fault_user_id == trade.party_b_id:
        fault = CancelFault.PARTY_B
    else:
        raise DomainError("The party at fault must be one of the trade's parties.", field="at_fault_user_id")
    return _cancel(trade, actor=actor, note=cause[:500], body=f"{cause} The trade is cancelled.", fault=fault)


@transaction.atomic
def trade_withdraw_cancel(*, trade_id: int, actor) -> Trade:
    """Take back a cancel request while the other party has not agreed yet."""
    trade = _lock_trade(trade_id)
    side = _party(trade, actor)
    field = f"{side}_requested_cancel_at"
    if trade.status != TradeStatus.ACTIVE or not getattr(trade, field):
        return trade
    setattr(trade, field, None)
    trade.save(update_fields=[field, "updated_at"])
    TradeEvent.objects.create(trade=trade, actor=actor, kind="cancel_withdrawn")
    system_message_post(thread=trade.thread, body=f"{actor.username} withdrew their cancel request.", actor=actor)
    return trade
