"""Reads for proposals: access (only the two parties), lists, chains, the form's pickable items."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404

from core.money import quantize_money
from lists.enums import ListKind
from lists.models import HaveItem
from lists.selectors import list_items_for, lists_visible_to
from trades.enums import PROPOSAL_OPEN_STATUSES, ProposalSide
from trades.models import ProposalItem, TradeProposal
from trades.selectors.threads import thread_proposals


def current_prices(*, card_ids) -> dict[tuple[int, str], Decimal]:
    """{(card_id, finish): price} at current market prices (one query, cards' selector)."""
    from cards.selectors import card_prices_current

    card_ids = list(set(card_ids))
    if not card_ids:
        return {}
    return {key: price.price for key, price in card_prices_current(card_ids=card_ids).items()}


def _party_filter(user) -> Q:
    return Q(proposer=user) | Q(recipient=user)


def access_proposal(*, user, pk: int) -> TradeProposal:
    """The proposal if `user` is its proposer or recipient; anyone else gets 404."""
    if not user.is_authenticated:
        raise Http404("No such proposal.")
    try:
        return (
            TradeProposal.objects.select_related(
                "proposer__reputation", "recipient__reputation", "countered_from", "thread"
            )
            .prefetch_related(_items_prefetch())
            .get(_party_filter(user), pk=pk)
        )
    except TradeProposal.DoesNotExist:
        raise Http404("No such proposal.") from None


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
    return thread_proposals(thread_id=proposal.thread_id)


@dataclass
class PickableItem:
    have: HaveItem
    unit_value: Decimal
    selected_quantity: int = 0
    available: int = 0  # the most a proposal may ask for: copies not promised (and, if private, offered)


@dataclass
class ProposalFormData:
    mine: list[PickableItem] = field(default_factory=list)
    theirs: list[PickableItem] = field(default_factory=list)
    theirs_private: bool = False


def offered_printings(proposal: TradeProposal) -> dict[tuple, int]:
    """What the proposer put on the table: {(card, condition, finish, language): quantity}."""
    offered: dict[tuple, int] = {}
    for item in proposal.items.all():
        if item.side == ProposalSide.PROPOSER:
            key = (item.card_id, item.condition, item.finish, item.language)
            offered[key] = offered.get(key, 0) + item.quantity
    return offered


def proposal_pickable_items(*, proposer, recipient, offered: dict[tuple, int] | None = None) -> ProposalFormData:
    """What a proposal can be made of: my available haves, and theirs as I may see them.

    Their have list counts only if it is public; if it is private, only the printings they
    offered in the proposal I am answering (`offered`: printing → quantity), up to that much.
    Copies promised in agreed trades are not available. Two queries.
    """
    their_list_public = ListKind.HAVE in lists_visible_to(viewer=proposer, owner_ids=[recipient.pk])[recipient.pk]
    offered = offered or {}
    owners = [proposer.pk, recipient.pk]
    haves = list(
        list_items_for(kind=ListKind.HAVE, owner_ids=owners)
        .filter(quantity__gt=F("reserved"))
        .select_related("card")
        .order_by("card__name", "card__set_code", "pk")
    )
    prices = current_prices(card_ids=[item.card_id for item in haves])
    data = ProposalFormData(theirs_private=not their_list_public)
    for item in haves:
        available = item.available
        if item.owner_id != proposer.pk and not their_list_public:
            key = (item.card_id, item.condition, item.finish, item.language)
            if key not in offered or available < offered[key]:
                continue  # not offered, or no longer all there: showing less would tell what is left
            available = offered[key]
        pickable = PickableItem(
            have=item, unit_value=prices.get((item.card_id, item.finish), Decimal("0")), available=available
        )
        (data.mine if item.owner_id == proposer.pk else data.theirs).append(pickable)
    return data


def with_line_values(items) -> None:
    for item in items:
        item.line_value = quantize_money(item.unit_value * item.quantity)


def proposal_side_totals(*, proposal: TradeProposal) -> dict:
    """Values of each side at the proposal's recorded prices, and the balance for the viewer."""
    with_line_values(proposal.items.all())
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
