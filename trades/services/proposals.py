"""Trade proposals: create, view, accept, decline, counter, cancel, expire.

Every status change goes through `_transition`, which locks the proposal row, re-reads it,
checks the move against PROPOSAL_TRANSITIONS, applies it and writes a ProposalEvent. So when
accept, decline, cancel and expiry race, the first to take the lock wins and the others see
the new status and fail cleanly (or return early when they asked for the same thing).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from core.money import DEFAULT_CURRENCY, quantize_money
from lists.enums import ListKind
from lists.models import HaveItem
from lists.selectors import have_items_by_id, lists_visible_to
from lists.services.reservations import HaveMove, haves_reserve
from notifications.enums import NotificationKind
from notifications.services import notification_send
from trades import locks
from trades.enums import PROPOSAL_OPEN_STATUSES, PROPOSAL_TRANSITIONS, ProposalSide, ProposalStatus
from trades.models import ProposalEvent, ProposalItem, TradeProposal
from trades.selectors import current_prices
from trades.selectors.proposals import offered_printings

from .messaging import message_record, system_message_post, thread_open

PROPOSER = "proposer"
RECIPIENT = "recipient"
SYSTEM = "system"


def proposal_expiry_days() -> int:
    return int(getattr(settings, "PROPOSAL_EXPIRY_DAYS", 7))


# --- The one transition function -----------------------------------------------------------


def _transition(
    *,
    proposal_id: int,
    to_status: str,
    actor=None,
    role: str,
    note: str = "",
    guard: Callable[[TradeProposal], None] | None = None,
    changes: dict | None = None,
) -> tuple[TradeProposal, bool]:
    """Lock, re-read, check, apply, audit. Returns (proposal, changed); changed is False on replay.

    `role` says who may make the move: the proposer, the recipient, or the system (expiry).
    Must run inside a transaction (the callers are @transaction.atomic).
    """
    try:
        proposal = locks.proposal_for_update(proposal_id=proposal_id)
    except TradeProposal.DoesNotExist:
        raise NotFound("No such proposal.") from None
    if role == PROPOSER and (actor is None or actor.pk != proposal.proposer_id):
        raise NotAllowed("Only the trader who sent this proposal can do that.")
    if role == RECIPIENT and (actor is None or actor.pk != proposal.recipient_id):
        raise NotAllowed("Only the trader who received this proposal can do that.")
    if proposal.status == to_status:
        return proposal, False
    if to_status not in PROPOSAL_TRANSITIONS[proposal.status]:
        raise InvalidTransition(
            f"This proposal is {proposal.get_status_display().lower()}; it can no longer be "
            f"{ProposalStatus(to_status).label.lower()}."
        )
    if guard is not None:
        guard(proposal)
    from_status = proposal.status
    proposal.status = to_status
    fields = ["status", "updated_at"]
    for name, value in (changes or {}).items():
        setattr(proposal, name, value)
        fields.append(name)
    proposal.save(update_fields=fields)
    ProposalEvent.objects.create(
        proposal=proposal, actor=actor, from_status=from_status, to_status=to_status, note=note[:500]
    )
    return proposal, True


# --- Validation of a proposal's content ----------------------------------------------------


@dataclass(frozen=True)
class _Line:
    have: HaveItem
    quantity: int
    side: str


def _money(value, field: str) -> Decimal:
    try:
        amount = quantize_money(Decimal(str(value if value not in (None, "") else "0")))
    except (InvalidOperation, ValueError):
        raise DomainError("Enter an amount like 12.50.", field=field) from None
    if amount < 0:
        raise DomainError("Cash cannot be negative.", field=field)
    if amount >= Decimal("10000000000"):
        raise DomainError("That amount is too large.", field=field)
    return amount


def _validated_content(
    *,
    proposer,
    recipient,
    offer: dict[int, int],
    request: dict[int, int],
    cash_from_proposer,
    cash_from_recipient,
    offered: dict[tuple, int] | None = None,
) -> tuple[list[_Line], Decimal, Decimal]:
    """Check the terms against both have lists as the proposer may see them.

    The recipient's items count only if their have list is public, or (in a counter) if they
    offered that printing in the proposal being answered (`offered`: printing → quantity), up
    to what they offered. Anything else is answered exactly like an id that does not exist, so
    a private list's contents cannot be probed through proposals.
    """
    if proposer.pk == recipient.pk:
        raise DomainError("You cannot propose a trade to yourself.", field="recipient")
    if not recipient.is_active:
        raise DomainError("This trader's account is not active.", field="recipient")
    if not proposer.is_active:
        raise DomainError("Your account is not active.")
    cash_out = _money(cash_from_proposer, "cash_from_proposer")
    cash_in = _money(cash_from_recipient, "cash_from_recipient")
    if cash_out > 0 and cash_in > 0:
        raise DomainError("Cash can go one way only: either you add cash or you ask for it.", field="cash")
    wanted = {**{("offer", k): v for k, v in offer.items()}, **{("request", k): v for k, v in request.items()}}
    for (field, _), quantity in wanted.items():
        if int(quantity) < 1:
            raise DomainError("Quantities must be at least 1.", field=field)
    haves = have_items_by_id(ids=[*offer.keys(), *request.keys()])
    their_list_public = ListKind.HAVE in lists_visible_to(viewer=proposer, owner_ids=[recipient.pk])[recipient.pk]
    offered = offered or {}
    lines: list[_Line] = []
    for item_ids, owner, side, field, whose in (
        (offer, proposer, ProposalSide.PROPOSER, "offer", "your"),
        (request, recipient, ProposalSide.RECIPIENT, "request", f"{recipient.username}'s"),
    ):
        for have_id, quantity in item_ids.items():
            have = haves.get(int(have_id))
            limit = have.available if have is not None else 0
            if have is not None and side == ProposalSide.RECIPIENT and not their_list_public:
                key = (have.card_id, have.condition, have.finish, have.language)
                if key in offered:
                    # Known only through their offer: say what they offered, never what is left.
                    if int(quantity) > offered[key]:
                        raise DomainError(
                            f"{recipient.username} offered only {offered[key]} × {have.card.name}.",
                            field=field,
                            code="not_available",
                        )
                    if int(quantity) > have.available:
                        raise DomainError(
                            f"{have.card.name} is no longer available on {whose} have list.",
                            field=field,
                            code="not_available",
                        )
                else:
                    limit = None
            if have is None or have.owner_id != owner.pk or limit is None:
                raise DomainError(f"One of the cards is not on {whose} have list.", field=field)
            if int(quantity) > limit:
                raise DomainError(
                    f"Only {limit} × {have.card.name} available on {whose} have list.",
                    field=field,
                    code="not_available",
                )
            lines.append(_Line(have=have, quantity=int(quantity), side=side))
    if not lines and cash_out == 0 and cash_in == 0:
        raise DomainError("Add at least one card or some cash.", field="offer")
    return lines, cash_out, cash_in


def _write_proposal(
    *, proposer, recipient, thread, lines, cash_out, cash_in, message, countered_from=None
) -> TradeProposal:
    prices = current_prices(card_ids=[line.have.card_id for line in lines])
    unit_values = {
        line.have.pk: quantize_money(prices.get((line.have.card_id, line.have.finish), Decimal("0"))) for line in lines
    }
    side_value = {
        side: quantize_money(
            sum((unit_values[ln.have.pk] * ln.quantity for ln in lines if ln.side == side), Decimal(0))
        )
        for side in (ProposalSide.PROPOSER, ProposalSide.RECIPIENT)
    }
    now = timezone.now()
    proposal = TradeProposal.objects.create(
        proposer=proposer,
        recipient=recipient,
        thread=thread,
        countered_from=countered_from,
        status=ProposalStatus.PENDING,
        message=message,
        cash_from_proposer=cash_out,
        cash_from_recipient=cash_in,
        currency=DEFAULT_CURRENCY,
        proposer_value=side_value[ProposalSide.PROPOSER],
        recipient_value=side_value[ProposalSide.RECIPIENT],
        expires_at=now + timedelta(days=proposal_expiry_days()),
    )
    ProposalItem.objects.bulk_create(
        [
            ProposalItem(
                proposal=proposal,
                side=line.side,
                card_id=line.have.card_id,
                quantity=line.quantity,
                condition=line.have.condition,
                finish=line.have.finish,
                language=line.have.language,
                unit_value=unit_values[line.have.pk],
            )
            for line in lines
        ]
    )
    ProposalEvent.objects.create(
        proposal=proposal, actor=proposer, from_status="", to_status=ProposalStatus.PENDING, note="sent"
    )
    return proposal


def _proposal_url(proposal: TradeProposal) -> str:
    return reverse("trades:proposal_detail", args=[proposal.pk])


# --- Public services -------------------------------------------------------------------------


@transaction.atomic
def proposal_create(
    *,
    proposer,
    recipient,
    offer: dict[int, int],
    request: dict[int, int],
    cash_from_proposer: Decimal | str | int = 0,
    cash_from_recipient: Decimal | str | int = 0,
    message: str = "",
) -> TradeProposal:
    """Send a proposal: `offer` and `request` map HaveItem ids (mine, theirs) to quantities.

    Values are frozen at today's market prices. Opens the negotiation's thread.
    """
    message = (message or "").strip()[:2000]
    lines, cash_out, cash_in = _validated_content(
        proposer=proposer,
        recipient=recipient,
        offer=offer,
        request=request,
        cash_from_proposer=cash_from_proposer,
        cash_from_recipient=cash_from_recipient,
    )
    thread = thread_open(users=[proposer, recipient])
    proposal = _write_proposal(
        proposer=proposer,
        recipient=recipient,
        thread=thread,
        lines=lines,
        cash_out=cash_out,
        cash_in=cash_in,
        message=message,
    )
    system_message_post(thread=thread, body=f"{proposer.username} sent a trade proposal.", actor=proposer)
    if message:
        message_record(thread=thread, sender=proposer, body=message)
    notification_send(
        recipient=recipient,
        kind=NotificationKind.PROPOSAL_RECEIVED,
        title=f"{proposer.username} sent you a trade proposal",
        body=message[:500],
        url=_proposal_url(proposal),
    )
    return proposal


@transaction.atomic
def proposal_mark_viewed(*, proposal_id: int, actor) -> TradeProposal:
    """The recipient opened it: pending → viewed (once; any other state is left alone)."""
    proposal = TradeProposal.objects.only("status", "recipient_id").get(pk=proposal_id)
    if proposal.status != ProposalStatus.PENDING or proposal.recipient_id != actor.pk:
        return proposal
    try:
        proposal, _ = _transition(
            proposal_id=proposal_id,
            to_status=ProposalStatus.VIEWED,
            actor=actor,
            role=RECIPIENT,
            changes={"viewed_at": timezone.now()},
        )
    except InvalidTransition:
        # Answered or expired between the read and the lock: nothing to mark.
        proposal = TradeProposal.objects.get(pk=proposal_id)
    return proposal


def _proposal_moves(proposal: TradeProposal) -> list[HaveMove]:
    """The have-list copies an accepted proposal moves, by giver."""
    owners = {ProposalSide.PROPOSER: proposal.proposer_id, ProposalSide.RECIPIENT: proposal.recipient_id}
    return [
        HaveMove(owners[item.side], item.card_id, item.condition, item.finish, item.language, item.quantity)
        for item in proposal.items.all()
    ]


def _reserve_items(proposal: TradeProposal) -> None:
    """Under the proposal's lock: promise every copy it moves, or refuse the accept (409, nothing written).

    The recipient is accepting: counts on the proposer's list are said only if it is public.
    """
    haves_reserve(moves=_proposal_moves(proposal), viewer=proposal.recipient)


@transaction.atomic
def proposal_accept(*, proposal_id: int, actor):
    """The recipient agrees: the proposal is accepted and the agreed Trade is opened."""
    from .trades import trade_open_from_proposal

    proposal, changed = _transition(
        proposal_id=proposal_id,
        to_status=ProposalStatus.ACCEPTED,
        actor=actor,
        role=RECIPIENT,
        guard=_reserve_items,
        changes={"responded_at": timezone.now()},
    )
    if not changed:
        return proposal.trade
    trade = trade_open_from_proposal(proposal=proposal)
    system_message_post(
        thread=proposal.thread, body=f"{actor.username} accepted the proposal. The trade is agreed.", actor=actor
    )
    notification_send(
        recipient=proposal.proposer,
        kind=NotificationKind.PROPOSAL_ACCEPTED,
        title=f"{actor.username} accepted your trade proposal",
        url=reverse("trades:trade_detail", args=[trade.pk]),
    )
    return trade


@transaction.atomic
def proposal_decline(*, proposal_id: int, actor, reason: str = "") -> TradeProposal:
    reason = (reason or "").strip()[:500]
    proposal, changed = _transition(
        proposal_id=proposal_id,
        to_status=ProposalStatus.DECLINED,
        actor=actor,
        role=RECIPIENT,
        note=reason,
        changes={"responded_at": timezone.now(), "decline_reason": reason},
    )
    if changed:
        system_message_post(
            thread=proposal.thread,
            body=f"{actor.username} declined the proposal." + (f" Reason: {reason}" if reason else ""),
            actor=actor,
        )
        notification_send(
            recipient=proposal.proposer,
            kind=NotificationKind.PROPOSAL_DECLINED,
            title=f"{actor.username} declined your trade proposal",
            body=reason,
            url=_proposal_url(proposal),
        )
    return proposal


@transaction.atomic
def proposal_cancel(*, proposal_id: int, actor) -> TradeProposal:
    proposal, changed = _transition(
        proposal_id=proposal_id, to_status=ProposalStatus.CANCELLED, actor=actor, role=PROPOSER
    )
    if changed:
        system_message_post(thread=proposal.thread, body=f"{actor.username} withdrew the proposal.", actor=actor)
        notification_send(
            recipient=proposal.recipient,
            kind=NotificationKind.PROPOSAL_CANCELLED,
            title=f"{actor.username} withdrew their trade proposal",
            body="",
            url=_proposal_url(proposal),
        )
    return proposal


@transaction.atomic
def proposal_counter(
    *,
    proposal_id: int,
    actor,
    offer: dict[int, int],
    request: dict[int, int],
    cash_from_proposer: Decimal | str | int = 0,
    cash_from_recipient: Decimal | str | int = 0,
    message: str = "",
) -> TradeProposal:
    """The recipient answers with their own terms: a new proposal from them, in the same thread.

    `offer`/`request` are from the counter-proposer's point of view (offer = the actor's haves).
    The original becomes countered; the new one links back to it.
    """
    original, _ = _transition(
        proposal_id=proposal_id,
        to_status=ProposalStatus.COUNTERED,
        actor=actor,
        role=RECIPIENT,
        changes={"responded_at": timezone.now()},
    )
    if hasattr(original, "counter_proposal"):
        return original.counter_proposal  # replay: the counter already exists
    counter_to = original.proposer
    message = (message or "").strip()[:2000]
    lines, cash_out, cash_in = _validated_content(
        proposer=actor,
        recipient=counter_to,
        offer=offer,
        request=request,
        cash_from_proposer=cash_from_proposer,
        cash_from_recipient=cash_from_recipient,
        offered=offered_printings(original),
    )
    counter = _write_proposal(
        proposer=actor,
        recipient=counter_to,
        thread=original.thread,
        lines=lines,
        cash_out=cash_out,
        cash_in=cash_in,
        message=message,
        countered_from=original,
    )
    system_message_post(thread=original.thread, body=f"{actor.username} made a counter-offer.", actor=actor)
    if message:
        message_record(thread=original.thread, sender=actor, body=message)
    notification_send(
        recipient=counter_to,
        kind=NotificationKind.PROPOSAL_COUNTERED,
        title=f"{actor.username} countered your trade proposal",
        body=message[:500],
        url=_proposal_url(counter),
    )
    return counter


def _expiry_due(proposal: TradeProposal) -> None:
    if proposal.expires_at is None or proposal.expires_at > timezone.now():
        raise InvalidTransition("This proposal has not expired yet.")


@transaction.atomic
def proposal_expire(*, proposal_id: int) -> TradeProposal:
    """Beat's move: an open proposal past expires_at expires (checked again under the lock)."""
    proposal, changed = _transition(
        proposal_id=proposal_id,
        to_status=ProposalStatus.EXPIRED,
        role=SYSTEM,
        note="expired",
        guard=_expiry_due,
    )
    if changed:
        system_message_post(thread=proposal.thread, body="The proposal expired without an answer.")
        for user in (proposal.proposer, proposal.recipient):
            notification_send(
                recipient=user,
                kind=NotificationKind.PROPOSAL_EXPIRED,
                title="A trade proposal expired",
                body=f"The proposal between {proposal.proposer.username} and {proposal.recipient.username} "
                "expired without an answer.",
                url=_proposal_url(proposal),
            )
    return proposal


def proposals_expire_due(*, now=None, limit: int = 500) -> int:
    """Expire open proposals past their date, one transaction each. Returns how many expired."""
    now = now or timezone.now()
    due_ids = list(
        TradeProposal.objects.filter(status__in=PROPOSAL_OPEN_STATUSES, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    expired = 0
    for proposal_id in due_ids:
        try:
            proposal = proposal_expire(proposal_id=proposal_id)
        except InvalidTransition:
            continue  # answered meanwhile
        expired += proposal.status == ProposalStatus.EXPIRED
    return expired


@transaction.atomic
def proposal_mark_completed(*, proposal_id: int, actor=None) -> TradeProposal:
    """The agreed trade completed: accepted → completed (called by the trade service)."""
    proposal, _ = _transition(
        proposal_id=proposal_id, to_status=ProposalStatus.COMPLETED, actor=actor, role=SYSTEM, note="trade completed"
    )
    return proposal
