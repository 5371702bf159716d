"""Escrow reads: access checks, lists, the trade-page panel, the settings section, the trade guard,
disputes (access, the staff queue, what a resolution moves)."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from core.errors import DomainError, InvalidTransition

from .enums import (
    DISPUTABLE_STATUSES,
    LIVE_STATUSES,
    PAID_STATUSES,
    DisputeOutcome,
    DisputeStatus,
    EscrowStatus,
    PayoutAccountStatus,
)
from .fees import escrow_fee
from .models import Dispute, DisputeEvidence, DisputeMessage, EscrowEvent, EscrowTransaction, PayoutAccount


def payout_account_for(*, user) -> PayoutAccount | None:
    return PayoutAccount.objects.filter(user=user).first()


def payout_status(*, user) -> str:
    account = payout_account_for(user=user)
    return account.account_status if account else PayoutAccountStatus.NONE


def _escrows() -> QuerySet[EscrowTransaction]:
    return EscrowTransaction.objects.select_related("payer", "payee", "trade", "cancel_requested_by").prefetch_related(
        Prefetch("events", queryset=EscrowEvent.objects.select_related("actor").order_by("created_at", "pk")),
        "trade__items",
    )


def access_escrow(*, user, pk: int) -> EscrowTransaction:
    """The escrow for its parties and staff; everyone else gets 404."""
    if not user.is_authenticated:
        raise Http404("No such escrow.")
    escrows = _escrows()
    if not user.is_staff:
        escrows = escrows.filter(Q(payer=user) | Q(payee=user))
    try:
        return escrows.get(pk=pk)
    except EscrowTransaction.DoesNotExist:
        raise Http404("No such escrow.") from None


def escrow_list(*, user, status: str | None = None) -> QuerySet[EscrowTransaction]:
    escrows = _escrows().filter(Q(payer=user) | Q(payee=user))
    if status:
        escrows = escrows.filter(status=status)
    return escrows


def escrow_current_for_trade(*, trade_id: int) -> EscrowTransaction | None:
    """The live escrow of a trade, else its most recent one (e.g. cancelled), else None."""
    escrows = _escrows().filter(trade_id=trade_id)
    return escrows.filter(status__in=LIVE_STATUSES).first() or escrows.order_by("-created_at", "-pk").first()


def trade_escrow_id(*, trade) -> int | None:
    """The id of the trade's live escrow, or None."""
    return (
        EscrowTransaction.objects.filter(trade_id=trade.pk, status__in=LIVE_STATUSES)
        .values_list("pk", flat=True)
        .first()
    )


def trade_escrow_ids(*, trade_ids: list[int]) -> dict[int, int | None]:
    """`escrow` in the trade API (TRADE_API_FIELDS), one query for a whole page of trades."""
    found = dict(
        EscrowTransaction.objects.filter(trade_id__in=trade_ids, status__in=LIVE_STATUSES).values_list("trade_id", "pk")
    )
    return {trade_id: found.get(trade_id) for trade_id in trade_ids}


def trade_guard(*, trade, action: str) -> None:
    """Registered in TRADE_GUARDS: while escrow is live it owns the trade's end (409)."""
    if action in ("confirm", "cancel") and trade_escrow_id(trade=trade):
        raise InvalidTransition(
            "This trade's cash is in escrow: it completes when the escrow releases, and can only be "
            "cancelled through the escrow.",
            code="escrow_in_progress",
        )


def trade_panel(*, trade, viewer) -> dict | None:
    """The escrow section of the trade page (TRADE_PANELS), for trades with a cash part."""
    if not trade.has_cash:
        return None
    context = trade_panel_context(trade=trade, user=viewer)
    owns = (
        "The cash is in escrow: confirm receipt or cancel in the escrow section above; the trade "
        "completes when the escrow releases."
        if context["is_live"]
        else ""
    )
    return {"template": "escrow/partials/_trade_panel.html", "owns_trade_end": owns, **context}


def trade_panel_context(*, trade, user) -> dict:
    amount = trade.cash_a_to_b if trade.cash_a_to_b > 0 else trade.cash_b_to_a
    payer_id = trade.party_a_id if trade.cash_a_to_b > 0 else trade.party_b_id
    payee = trade.party_b if payer_id == trade.party_a_id else trade.party_a
    payer = trade.party_a if payer_id == trade.party_a_id else trade.party_b
    escrow = escrow_current_for_trade(trade_id=trade.pk)
    fee = escrow.fee_amount if escrow else escrow_fee(amount=amount)
    payee_status = payout_status(user=payee)
    is_paid = bool(escrow and escrow.status in PAID_STATUSES)
    other = trade.party_b if user.pk == trade.party_a_id else trade.party_a
    return {
        "trade": trade,
        "viewer": user,
        "escrow": escrow,
        "is_live": bool(escrow and escrow.status in LIVE_STATUSES),
        "is_paid": is_paid,
        "is_payer": user.pk == payer_id,
        "payer": payer,
        "payee": payee,
        "amount": escrow.amount if escrow else amount,
        "fee": fee,
        "total": escrow.total_charged if escrow else amount + fee,
        "currency": trade.currency,
        "suggested": trade.total_value >= Decimal(settings.ESCROW_SUGGEST_ABOVE),
        "payee_enabled": payee_status == PayoutAccountStatus.ENABLED,
        "viewer_is_payee": user.pk == payee.pk,
        "can_create": trade.status == "active" and not (escrow and escrow.status in LIVE_STATUSES),
        "other_address": other.shipping_address if is_paid else "",
        "my_address_missing": is_paid and not user.shipping_address,
        "statuses": EscrowStatus,
        "can_dispute": can_dispute(escrow=escrow, user=user),
        **(escrow_progress(escrow=escrow, viewer=user) if escrow else {}),
    }


EVENT_LABELS = {
    "created": "Escrow opened",
    "checkout_opened": "Payment page opened",
    "paid": "Paid",
    "payment_failed": "Payment failed",
    "shipped": "Shipped",
    "all_shipped": "Everything shipped",
    "receipt_confirmed": "Receipt confirmed",
    "auto_confirmed": "Deemed received (inspection window over)",
    "all_received": "Everything received",
    "reminder": "Reminder sent",
    "released": "Released",
    "refunded": "Refunded",
    "split": "Split by staff",
    "cancel_requested": "Cancel requested",
    "cancelled": "Cancelled",
    "expired": "Expired unpaid",
    "chargeback": "Card chargeback",
    "transfer_reversed": "Transfer reversed",
    "reversal_failed": "Transfer reversal failed",
    "refunded_at_stripe": "Refunded at Stripe",
}
SHIPPING_OPEN = (EscrowStatus.PAYMENT_RECEIVED,)
RECEIPT_OPEN = (EscrowStatus.PAYMENT_RECEIVED, EscrowStatus.ITEMS_SHIPPED)


def escrow_progress(*, escrow, viewer) -> dict:
    """Shipments, who acts next and by when, and which forms the viewer gets."""
    shipments = shipment_states(escrow=escrow)
    steps: list[dict] = []
    if escrow.status == EscrowStatus.PENDING_PAYMENT:
        steps.append({"who": escrow.payer, "what": "pay", "by": escrow.expires_at})
    if escrow.status in RECEIPT_OPEN:
        for row in shipments:
            if not row["shipped_at"]:
                steps.append(
                    {"who": escrow.payer if row["side"] == "payer" else escrow.payee, "what": "ship", "by": None}
                )
            elif not row["received_at"]:
                recipient = escrow.payee if row["side"] == "payer" else escrow.payer
                steps.append({"who": recipient, "what": "confirm", "by": row["inspection_ends_at"]})
    if escrow.status == EscrowStatus.ITEMS_RECEIVED:
        steps.append({"who": None, "what": "release", "by": None})
    if escrow.status == EscrowStatus.DISPUTED:
        steps.append({"who": None, "what": "staff", "by": None})
    mine_to_ship = [r for r in shipments if r["sender_id"] == viewer.pk and not r["shipped_at"]]
    mine_to_confirm = [
        r for r in shipments if r["recipient_id"] == viewer.pk and r["shipped_at"] and not r["received_at"]
    ]
    nothing_shipped = not any(r["shipped_at"] for r in shipments)
    return {
        "shipments": shipments,
        "next_steps": steps,
        "can_ship": escrow.status in SHIPPING_OPEN and bool(mine_to_ship),
        "can_confirm": escrow.status in RECEIPT_OPEN and bool(mine_to_confirm) and not escrow.stripe_dispute_id,
        "confirm_deadline": mine_to_confirm[0]["inspection_ends_at"] if mine_to_confirm else None,
        "can_cancel_paid": escrow.status == EscrowStatus.PAYMENT_RECEIVED and nothing_shipped,
        "cancel_requested_by_me": escrow.cancel_requested_by_id == viewer.pk,
        "cancel_requested_by_other": bool(escrow.cancel_requested_by_id) and escrow.cancel_requested_by_id != viewer.pk,
        "timeline": [
            {"event": event, "label": EVENT_LABELS.get(event.kind, event.kind.replace("_", " ").capitalize())}
            for event in escrow.events.all()
        ],
    }


def settings_panel(*, user) -> dict:
    """The payout section of the settings page (SETTINGS_PANELS): status and what is missing."""
    account = payout_account_for(user=user)
    return {
        "template": "escrow/partials/_settings_panel.html",
        "payout_account": account,
        "payout_status": account.account_status if account else PayoutAccountStatus.NONE,
        "requirements": [item.replace("_", " ").replace(".", " › ") for item in (account.requirements_due or [])]
        if account
        else [],
    }


def shipment_states(*, escrow) -> list[dict]:
    """Each direction of cards the trade ships: sender, recipient, tracking, receipt, deadline."""
    from .shipments import inspection_deadline, shipping_sides

    parties = {"payer": escrow.payer, "payee": escrow.payee}
    rows = []
    for side in sorted(shipping_sides(escrow)):
        recipient = "payee" if side == "payer" else "payer"
        rows.append(
            {
                "side": side,
                "sender": parties[side].username,
                "recipient": parties[recipient].username,
                "sender_id": parties[side].pk,
                "recipient_id": parties[recipient].pk,
                "carrier": getattr(escrow, f"{side}_carrier"),
                "tracking_number": getattr(escrow, f"{side}_tracking"),
                "shipped_at": getattr(escrow, f"{side}_shipped_at"),
                "received_at": getattr(escrow, f"{recipient}_received_at"),
                "inspection_ends_at": inspection_deadline(escrow, recipient),
            }
        )
    return rows


DASHBOARD_ESCROWS = 8


def dashboard_panel(*, user) -> dict | None:
    """The escrows you pay or receive: live ones first, then the latest finished; none, no panel."""
    escrows = escrow_list(user=user).order_by("-created_at", "-pk")
    live = list(escrows.filter(status__in=LIVE_STATUSES)[:DASHBOARD_ESCROWS])
    done = list(escrows.exclude(status__in=LIVE_STATUSES)[: max(0, DASHBOARD_ESCROWS - len(live))])
    if not live and not done:
        return None
    rows = []
    for escrow in live + done:
        steps = escrow_progress(escrow=escrow, viewer=user)["next_steps"] if escrow.status in LIVE_STATUSES else []
        mine = [step for step in steps if step["who"] is not None and step["who"].pk == user.pk]
        rows.append({"escrow": escrow, "is_payer": escrow.payer_id == user.pk, "my_step": mine[0] if mine else None})
    return {"template": "escrow/partials/_dashboard_panel.html", "rows": rows, "live_count": len(live)}


# --- disputes ---------------------------------------------------------------------------------
def _disputes() -> QuerySet[Dispute]:
    return Dispute.objects.select_related(
        "escrow", "escrow__payer", "escrow__payee", "opened_by", "at_fault", "resolved_by"
    ).prefetch_related(
        Prefetch("evidence", queryset=DisputeEvidence.objects.order_by("created_at", "pk")),
        Prefetch("messages", queryset=DisputeMessage.objects.select_related("author").order_by("created_at", "pk")),
    )


def dispute_for_escrow(*, escrow: EscrowTransaction) -> Dispute | None:
    """The escrow's dispute with its evidence and messages (the caller has checked access)."""
    return _disputes().filter(escrow=escrow).first()


def access_dispute(*, user, escrow_pk: int) -> Dispute:
    """The dispute of an escrow its parties and staff may see; 404 for everyone else, or if none."""
    escrow = access_escrow(user=user, pk=escrow_pk)
    dispute = dispute_for_escrow(escrow=escrow)
    if dispute is None:
        raise Http404("This escrow has no dispute.")
    return dispute


def access_dispute_evidence(*, user, pk: int) -> DisputeEvidence:
    """An evidence image for the dispute's two parties and staff; 404 for anyone else."""
    if not user.is_authenticated:
        raise Http404("No such file.")
    evidence = DisputeEvidence.objects.select_related("dispute__escrow")
    if not user.is_staff:
        evidence = evidence.filter(Q(dispute__escrow__payer=user) | Q(dispute__escrow__payee=user))
    try:
        return evidence.get(pk=pk)
    except DisputeEvidence.DoesNotExist:
        raise Http404("No such file.") from None


def dispute_messages(*, dispute: Dispute) -> QuerySet[DisputeMessage]:
    return DisputeMessage.objects.filter(dispute=dispute).select_related("author", "dispute__escrow")


def dispute_queue() -> QuerySet[Dispute]:
    """Open disputes, oldest first: the staff queue."""
    return _disputes().filter(status=DisputeStatus.OPEN).order_by("created_at", "pk")


def can_dispute(*, escrow: EscrowTransaction | None, user) -> bool:
    return bool(escrow and escrow.status in DISPUTABLE_STATUSES and user.pk in (escrow.payer_id, escrow.payee_id))


def dispute_reputation_stats(*, user_id: int) -> dict:
    """Absolute dispute counts for reputation: disputes of the user's escrows, and those lost."""
    mine = Q(escrow__payer_id=user_id) | Q(escrow__payee_id=user_id)
    return {
        "disputes_involved": Dispute.objects.filter(mine).count(),
        "disputes_lost": Dispute.objects.filter(status=DisputeStatus.RESOLVED, at_fault_id=user_id).count(),
    }


@dataclass(frozen=True)
class ResolutionPlan:
    """What a resolution moves, as the confirmation page shows it and the service does it."""

    outcome: str
    currency: str
    held_amount: Decimal
    fee_amount: Decimal
    released_amount: Decimal
    refunded_amount: Decimal
    fee_refunded: bool
    at_fault: object | None

    @property
    def payer_gets(self) -> Decimal:
        return self.refunded_amount + (self.fee_amount if self.fee_refunded else Decimal("0"))

    @property
    def fee_kept(self) -> Decimal:
        return Decimal("0") if self.fee_refunded else self.fee_amount

    @property
    def headline(self) -> str:
        return {
            DisputeOutcome.RELEASE: "released to the payee",
            DisputeOutcome.REFUND: "refunded to the payer",
            DisputeOutcome.SPLIT: "split between you",
        }[self.outcome]

    @property
    def summary(self) -> str:
        fault = self.at_fault.username if self.at_fault else "neither party"
        return (
            f"{self.outcome}: {self.released_amount} {self.currency} to the payee, "
            f"{self.payer_gets} {self.currency} back to the payer, fee {self.fee_kept} kept; at fault: {fault}"
        )


def _amount(value, *, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError("Enter an amount such as 75.00.", field=field) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise DomainError("Enter an amount in whole cents, such as 75.00.", field=field)
    if amount <= 0:
        raise DomainError("A split gives each side more than zero; otherwise release or refund.", field=field)
    return amount


def dispute_resolution_preview(
    *,
    escrow: EscrowTransaction,
    outcome: str,
    at_fault_user_id: int | None,
    released_amount=None,
    refunded_amount=None,
) -> ResolutionPlan:
    """Check a proposed resolution and say what it moves (docs/decisions/0025 for the fee rule).

    Release and refund move the whole held amount. A split's two amounts must add up to exactly
    the held amount. The fee is kept, except on a refund where the payer was not at fault.
    """
    if outcome not in DisputeOutcome.values:
        raise DomainError("Choose release, refund or split.", field="outcome")
    parties = {escrow.payer_id: escrow.payer, escrow.payee_id: escrow.payee}
    if at_fault_user_id is not None and at_fault_user_id not in parties:
        raise DomainError("The party at fault must be one of the two traders, or neither.", field="at_fault")
    held = escrow.amount
    if outcome == DisputeOutcome.SPLIT:
        released = _amount(released_amount, field="released_amount")
        refunded = _amount(refunded_amount, field="refunded_amount")
        if released + refunded != held:
            raise DomainError(
                f"The two amounts add up to {released + refunded} {escrow.currency}; they must add up to the "
                f"{held} {escrow.currency} held.",
                field="refunded_amount",
                code="split_mismatch",
            )
    elif outcome == DisputeOutcome.RELEASE:
        released, refunded = held, Decimal("0.00")
    else:
        released, refunded = Decimal("0.00"), held
    return ResolutionPlan(
        outcome=outcome,
        currency=escrow.currency,
        held_amount=held,
        fee_amount=escrow.fee_amount,
        released_amount=released,
        refunded_amount=refunded,
        fee_refunded=outcome == DisputeOutcome.REFUND and at_fault_user_id != escrow.payer_id,
        at_fault=parties.get(at_fault_user_id),
    )
