"""Escrow reads: access checks, lists, the trade-page panel, the settings section, the trade guard."""

from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from core.errors import InvalidTransition

from .enums import LIVE_STATUSES, PAID_STATUSES, EscrowStatus, PayoutAccountStatus
from .fees import escrow_fee
from .models import EscrowEvent, EscrowTransaction, PayoutAccount


def payout_account_for(*, user) -> PayoutAccount | None:
    return PayoutAccount.objects.filter(user=user).first()


def payout_status(*, user) -> str:
    account = payout_account_for(user=user)
    return account.account_status if account else PayoutAccountStatus.NONE


def _escrows() -> QuerySet[EscrowTransaction]:
    return EscrowTransaction.objects.select_related("payer", "payee", "trade").prefetch_related(
        Prefetch("events", queryset=EscrowEvent.objects.select_related("actor").order_by("created_at", "pk"))
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
    return {"template": "escrow/partials/_trade_panel.html", **context}


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
