"""Escrow writes: payout accounts, escrow creation, payment through Checkout, cancellation, expiry,
disputes (opened by a party, talked through, resolved by staff).

Status changes go through `_transition` (lock, re-read, check ALLOWED_TRANSITIONS, apply,
EscrowEvent). Stripe is called through `stripe_api` only, with idempotency keys
`escrow:{id}:{action}`, so a retried call after a timeout returns the object the first made.
"""

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from core.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from core.money import from_minor_units, quantize_money
from core.realtime import broadcast_on_commit, user_group
from notifications.enums import NotificationKind
from trades.enums import TradeStatus
from trades.models import Trade

from . import locks, stripe_api
from .enums import (
    ALLOWED_TRANSITIONS,
    DISPUTABLE_STATUSES,
    LIVE_STATUSES,
    PAID_STATUSES,
    DisputeOutcome,
    DisputeStatus,
    EscrowStatus,
    LedgerAccount,
    PayoutAccountStatus,
)
from .evidence import CheckedImage, check_evidence
from .fees import escrow_fee
from .ledger import ledger_move, ledger_write
from .models import Dispute, DisputeEvidence, DisputeMessage, EscrowEvent, EscrowTransaction, PayoutAccount
from .shipments import SIDES, inspection_deadline, shipping_sides
from .shipments import other_side as _other

logger = logging.getLogger(__name__)

CHECKOUT_MAX_SECONDS = 24 * 3600  # Stripe: a Checkout Session lives at most 24 h
CHECKOUT_MIN_SECONDS = 30 * 60  # … and at least 30 minutes


def panel_refresh_html(trade_id: int) -> str:
    """An out-of-band placeholder that makes an open trade page load its escrow panel again,
    over HTTP, so each viewer gets their own buttons and CSRF token."""
    return format_html(
        '<div id="escrow-panel-{}" hx-swap-oob="true" hx-get="{}" hx-trigger="load" hx-swap="outerHTML">'
        '<p class="muted">Updating…</p></div>',
        trade_id,
        reverse("escrow:trade_panel", args=[trade_id]),
    )


def _push(escrow: EscrowTransaction) -> None:
    """Both parties' open pages get the placeholder through their user socket (notifications'
    push.html hook); only a page showing this trade's panel has the element it swaps."""
    message = {"type": "push.html", "html": panel_refresh_html(escrow.trade_id)}
    for user_id in (escrow.payer_id, escrow.payee_id):
        broadcast_on_commit(user_group(user_id), message)


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# --- payout accounts --------------------------------------------------------------------------
def payout_status_from_stripe(account) -> dict:
    """Our columns from Stripe's Account object (none is the absence of a row)."""
    requirements = account.get("requirements") or {}
    charges, payouts = bool(account.get("charges_enabled")), bool(account.get("payouts_enabled"))
    submitted = bool(account.get("details_submitted"))
    if charges and payouts:
        status = PayoutAccountStatus.ENABLED
    elif submitted:
        status = PayoutAccountStatus.RESTRICTED
    else:
        status = PayoutAccountStatus.PENDING
    return {
        "account_status": status,
        "charges_enabled": charges,
        "payouts_enabled": payouts,
        "details_submitted": submitted,
        "requirements_due": list(requirements.get("currently_due") or []),
        "disabled_reason": requirements.get("disabled_reason") or "",
    }


def payout_account_connect(*, user) -> str:
    """Create the user's Express account if needed and return a fresh onboarding link.

    The account is created with the key `payout-account:{user}:create`, so two tabs (or a
    retried timeout) get the same Stripe account; the row's unique user keeps one link.
    """
    account = PayoutAccount.objects.filter(user=user).first()
    if account is None:
        remote = stripe_api.account_create(user_id=user.pk, email=user.email, country=user.country or "US")
        try:
            with transaction.atomic():
                account, _ = PayoutAccount.objects.get_or_create(
                    user=user, defaults={"stripe_account_id": remote["id"], **payout_status_from_stripe(remote)}
                )
        except IntegrityError:
            account = PayoutAccount.objects.get(user=user)
    if account.is_enabled:
        raise InvalidTransition("Your payout account is already enabled.", code="already_enabled")
    link = stripe_api.account_link_create(
        account_id=account.stripe_account_id,
        refresh_url=_site_url(reverse("escrow:payout_onboard")),
        return_url=_site_url(reverse("escrow:payout_return")),
    )
    return link["url"]


@transaction.atomic
def payout_account_sync(*, stripe_account_id: str) -> PayoutAccount | None:
    """Re-fetch the account from Stripe (never trust a webhook payload) and update our row."""
    account = locks.payout_account_for_update(stripe_account_id=stripe_account_id)
    if account is None:
        return None
    remote = stripe_api.account_retrieve(account_id=stripe_account_id)
    from djstripe.models import Account

    fields = payout_status_from_stripe(remote)
    for name, value in fields.items():
        setattr(account, name, value)
    account.djstripe_account = Account.objects.filter(id=stripe_account_id).first()
    account.synced_at = timezone.now()
    account.save(update_fields=[*fields, "djstripe_account", "synced_at", "updated_at"])
    return account


# --- escrow state machine ---------------------------------------------------------------------
def _transition(
    *,
    escrow_id: int,
    to_status: str,
    actor=None,
    kind: str = "status",
    note: str = "",
    stripe_event_id: str = "",
    changes: dict | None = None,
) -> tuple[EscrowTransaction, bool]:
    """Lock, re-read, check, apply, audit. Returns (escrow, changed); changed is False on replay."""
    escrow = locks.escrow_for_update(escrow_id=escrow_id)
    if escrow.status == to_status:
        return escrow, False
    if to_status not in ALLOWED_TRANSITIONS[escrow.status]:
        raise InvalidTransition(f"This escrow is {escrow.get_status_display().lower()}; that is no longer possible.")
    from_status = escrow.status
    escrow.status = to_status
    fields = ["status", "updated_at"]
    for name, value in (changes or {}).items():
        setattr(escrow, name, value)
        fields.append(name)
    escrow.save(update_fields=fields)
    EscrowEvent.objects.create(
        escrow=escrow,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        note=note[:500],
        stripe_event_id=stripe_event_id,
    )
    _push(escrow)
    return escrow, True


def _payer_and_amount(trade: Trade) -> tuple[int, int, Decimal]:
    if trade.cash_a_to_b > 0:
        return trade.party_a_id, trade.party_b_id, trade.cash_a_to_b
    return trade.party_b_id, trade.party_a_id, trade.cash_b_to_a


@transaction.atomic
def escrow_create(*, trade_id: int, actor) -> EscrowTransaction:
    """Either party opens escrow on an active trade with cash; the payer then pays through Checkout."""
    from trades import locks as trade_locks

    trade = trade_locks.trade_for_update(trade_id=trade_id)
    if actor.pk not in (trade.party_a_id, trade.party_b_id):
        raise NotAllowed("You are not part of this trade.")
    if trade.status != TradeStatus.ACTIVE:
        raise InvalidTransition("Escrow can only be opened on an active trade.")
    if not trade.has_cash:
        raise DomainError("This trade has no cash part; escrow holds cash only.", code="no_cash", field="trade")
    if EscrowTransaction.objects.filter(trade=trade, status__in=LIVE_STATUSES).exists():
        raise InvalidTransition("This trade already has an escrow in progress.", code="escrow_exists")
    payer_id, payee_id, amount = _payer_and_amount(trade)
    payout = PayoutAccount.objects.filter(user_id=payee_id).first()
    if payout is None or not payout.is_enabled:
        who = "You need" if actor.pk == payee_id else "The other trader needs"
        raise DomainError(
            f"{who} an enabled payout account to receive the cash through escrow.",
            code="payee_not_onboarded",
            field="payee",
        )
    fee = escrow_fee(amount=amount)
    escrow = EscrowTransaction.objects.create(
        trade=trade,
        payer_id=payer_id,
        payee_id=payee_id,
        created_by=actor,
        amount=amount,
        fee_amount=fee,
        total_charged=quantize_money(amount + fee),
        currency=trade.currency,
        expires_at=timezone.now() + timedelta(hours=settings.ESCROW_PAYMENT_HOURS),
    )
    EscrowEvent.objects.create(
        escrow=escrow, actor=actor, kind="created", to_status=escrow.status, note=f"trade {trade.pk}"
    )
    _push(escrow)
    return escrow


@transaction.atomic
def escrow_checkout_start(*, escrow_id: int, actor) -> EscrowTransaction:
    """The payer's Checkout page: reuse the open session, or open a new one (after it expired).

    The row stays locked while Stripe answers, so two clicks make one session; the idempotency
    key (`escrow:{id}:checkout-{attempt}`) makes a retried timeout return that same session.
    """
    escrow = locks.escrow_for_update(escrow_id=escrow_id)
    if actor.pk != escrow.payer_id:
        raise NotAllowed("Only the paying trader can pay this escrow.")
    if escrow.status != EscrowStatus.PENDING_PAYMENT:
        raise InvalidTransition("This escrow is not waiting for payment.")
    now = timezone.now()
    if escrow.expires_at <= now:
        raise InvalidTransition("This escrow has expired.")
    if escrow.stripe_checkout_session_id and escrow.checkout_expires_at and escrow.checkout_expires_at > now:
        return escrow
    seconds = min(CHECKOUT_MAX_SECONDS, int((escrow.expires_at - now).total_seconds()))
    expires_at = int(now.timestamp()) + max(CHECKOUT_MIN_SECONDS, seconds)
    attempt = escrow.checkout_attempt + 1
    session = stripe_api.checkout_session_create(
        escrow=escrow,
        attempt=attempt,
        success_url=_site_url(reverse("escrow:paid", args=[escrow.pk])),
        cancel_url=_site_url(reverse("trades:trade_detail", args=[escrow.trade_id])),
        expires_at=expires_at,
    )
    escrow.checkout_attempt = attempt
    escrow.stripe_checkout_session_id = session["id"]
    escrow.checkout_url = session["url"]
    escrow.checkout_expires_at = datetime.fromtimestamp(session["expires_at"], tz=UTC)
    escrow.save(
        update_fields=[
            "checkout_attempt",
            "stripe_checkout_session_id",
            "checkout_url",
            "checkout_expires_at",
            "updated_at",
        ]
    )
    EscrowEvent.objects.create(escrow=escrow, actor=actor, kind="checkout_opened", note=session["id"])
    return escrow


def _record_payment(*, escrow_id: int, session, stripe_event_id: str) -> tuple[EscrowTransaction, bool]:
    """Inside the caller's transaction: the session is paid → payment_received + ledger."""
    escrow = locks.escrow_for_update(escrow_id=escrow_id)
    if escrow.status != EscrowStatus.PENDING_PAYMENT:
        return escrow, False
    expected = stripe_api.minor_units(escrow.total_charged, escrow.currency)
    if session["amount_total"] != expected or (session["currency"] or "").upper() != escrow.currency:
        logger.error(
            "Escrow %s: paid %s %s, expected %s", escrow.pk, session["amount_total"], session["currency"], expected
        )
        EscrowEvent.objects.create(
            escrow=escrow, kind="amount_mismatch", note=f"paid {session['amount_total']} {session['currency']}"
        )
        return escrow, False
    intent = session["payment_intent"]
    changes = {
        "paid_at": timezone.now(),
        "payment_failure_reason": "",
        "stripe_payment_intent_id": intent["id"] if intent else None,
        "stripe_charge_id": (intent.get("latest_charge") if intent else None) or None,
    }
    if isinstance(changes["stripe_charge_id"], dict):
        changes["stripe_charge_id"] = changes["stripe_charge_id"]["id"]
    escrow, changed = _transition(
        escrow_id=escrow.pk,
        to_status=EscrowStatus.PAYMENT_RECEIVED,
        kind="paid",
        note=f"{from_minor_units(session['amount_total'], escrow.currency)} {escrow.currency}",
        stripe_event_id=stripe_event_id,
        changes=changes,
    )
    if changed:
        ledger_write(
            escrow=escrow,
            movement=f"payment:{changes['stripe_payment_intent_id'] or session['id']}",
            legs={
                LedgerAccount.PAYER_FUNDS: -escrow.total_charged,
                LedgerAccount.ESCROW_HELD: escrow.amount,
                LedgerAccount.PLATFORM_FEES: escrow.fee_amount,
            },
        )
        _record_processing_fee(escrow)
        _notify_parties(
            escrow,
            title=f"{escrow.payer.username} paid the escrow for trade #{escrow.trade_id}",
            body="Bazaar holds the cash. Ship your cards and enter the tracking number on the trade page.",
            exclude_id=escrow.payer_id,
        )
    return escrow, changed


@transaction.atomic
def escrow_sync_payment(*, escrow_id: int, stripe_event_id: str = "") -> EscrowTransaction | None:
    """What a payment webhook hands off to: re-fetch the Checkout Session (and its PaymentIntent)
    from Stripe and act on what Stripe says now, not on the payload. Safe to run any number of times."""
    escrow = locks.escrow_for_update(escrow_id=escrow_id)
    if not escrow.stripe_checkout_session_id or escrow.status != EscrowStatus.PENDING_PAYMENT:
        return escrow
    session = stripe_api.checkout_session_retrieve(session_id=escrow.stripe_checkout_session_id)
    if session["payment_status"] == "paid":
        escrow, _ = _record_payment(escrow_id=escrow.pk, session=session, stripe_event_id=stripe_event_id)
        return escrow
    intent = session["payment_intent"]
    error = intent.get("last_payment_error") if intent else None
    reason = (error or {}).get("message") or ""
    if reason and reason != escrow.payment_failure_reason:
        escrow.payment_failure_reason = reason[:500]
        escrow.stripe_payment_intent_id = intent["id"]
        escrow.save(update_fields=["payment_failure_reason", "stripe_payment_intent_id", "updated_at"])
        EscrowEvent.objects.create(
            escrow=escrow, kind="payment_failed", note=reason[:500], stripe_event_id=stripe_event_id
        )
        _push(escrow)
    if session["status"] == "expired" and escrow.checkout_expires_at and escrow.checkout_expires_at > timezone.now():
        escrow.checkout_expires_at = timezone.now()  # the next "Pay" opens a new session
        escrow.save(update_fields=["checkout_expires_at", "updated_at"])
    return escrow


def _close_checkout(escrow: EscrowTransaction) -> bool:
    """Expire the open Checkout Session before cancelling. False if it was paid meanwhile."""
    if not escrow.stripe_checkout_session_id:
        return True
    session = stripe_api.checkout_session_retrieve(session_id=escrow.stripe_checkout_session_id)
    if session["payment_status"] == "paid":
        return False
    if session["status"] == "open":
        stripe_api.checkout_session_expire(escrow=escrow)
    return True


def escrow_cancel(*, escrow_id: int, actor, reason: str = "") -> EscrowTransaction:
    """Either party cancels before payment; the trade stays active (settle it another way).

    The Checkout Session is expired at Stripe first, so it cannot be paid after we cancel; if
    it was paid meanwhile, the payment is recorded instead and the cancel refused.
    """
    with transaction.atomic():
        escrow = locks.escrow_for_update(escrow_id=escrow_id)
        if actor.pk not in (escrow.payer_id, escrow.payee_id):
            raise NotAllowed("You are not part of this escrow.")
        if escrow.status != EscrowStatus.PENDING_PAYMENT:
            raise InvalidTransition("Only an unpaid escrow can be cancelled.")
        if _close_checkout(escrow):
            escrow, _ = _transition(
                escrow_id=escrow.pk,
                to_status=EscrowStatus.CANCELLED,
                actor=actor,
                kind="cancelled",
                note=reason.strip()[:500],
                changes={"cancelled_at": timezone.now()},
            )
            return escrow
    escrow_sync_payment(escrow_id=escrow_id)
    raise InvalidTransition("The payment has just arrived; this escrow can no longer be cancelled.")


@transaction.atomic
def escrow_expire(*, escrow_id: int) -> bool:
    """Cancel one unpaid escrow past expires_at. True if this call did it (overlapping runs: one)."""
    escrow = locks.escrow_for_update(escrow_id=escrow_id)
    if escrow.status != EscrowStatus.PENDING_PAYMENT or escrow.expires_at > timezone.now():
        return False
    if not _close_checkout(escrow):  # paid at the last moment: record it, do not cancel
        session = stripe_api.checkout_session_retrieve(session_id=escrow.stripe_checkout_session_id)
        _record_payment(escrow_id=escrow.pk, session=session, stripe_event_id="")
        return False
    _, changed = _transition(
        escrow_id=escrow.pk,
        to_status=EscrowStatus.CANCELLED,
        kind="expired",
        note=f"unpaid after {settings.ESCROW_PAYMENT_HOURS} h",
        changes={"cancelled_at": timezone.now()},
    )
    return changed


def escrow_expire_due(*, now=None) -> int:
    """Beat job: each due escrow is expired in its own transaction; returns how many this run did."""
    now = now or timezone.now()
    due = EscrowTransaction.objects.filter(status=EscrowStatus.PENDING_PAYMENT, expires_at__lte=now)
    done = 0
    for escrow_id in due.order_by("expires_at").values_list("pk", flat=True):
        try:
            done += escrow_expire(escrow_id=escrow_id)
        except stripe_api.PaymentProviderUnavailable:
            logger.warning("Escrow %s: Stripe unavailable, expiry retried on the next run", escrow_id)
    return done


# --- money out: release, refund, split --------------------------------------------------------
def _record_processing_fee(escrow: EscrowTransaction) -> None:
    """Stripe's processing fee on the charge, from its balance transaction (written once)."""
    if not escrow.stripe_charge_id:
        return
    charge = stripe_api.charge_retrieve(charge_id=escrow.stripe_charge_id)
    txn = charge.get("balance_transaction")
    if not txn or isinstance(txn, str):
        return
    ledger_move(
        escrow=escrow,
        movement=f"stripe_fee:{escrow.stripe_charge_id}",
        amount=from_minor_units(txn["fee"], escrow.currency),
        out_of=LedgerAccount.PLATFORM_FEES,
        into=LedgerAccount.STRIPE_FEES,
    )


def _lock_for_money(escrow_id: int) -> EscrowTransaction:
    """Lock in the fixed order (the trade's proposal, the trade, then the escrow): release and
    refund end the trade too, so they hold its lock from the start."""
    from trades import locks as trade_locks

    try:
        trade_id = EscrowTransaction.objects.values_list("trade_id", flat=True).get(pk=escrow_id)
    except EscrowTransaction.DoesNotExist:
        raise NotFound("No such escrow.") from None
    proposal_id = Trade.objects.values_list("proposal_id", flat=True).get(pk=trade_id)
    trade_locks.proposal_for_update(proposal_id=proposal_id)
    trade_locks.trade_for_update(trade_id=trade_id)
    return locks.escrow_for_update(escrow_id=escrow_id)


def _ensure_charge(escrow: EscrowTransaction) -> None:
    """The charge id (a Transfer's source_transaction), from the PaymentIntent if we lack it."""
    if escrow.stripe_charge_id or not escrow.stripe_payment_intent_id:
        return
    intent = stripe_api.payment_intent_retrieve(payment_intent_id=escrow.stripe_payment_intent_id)
    charge = intent.get("latest_charge")
    escrow.stripe_charge_id = (charge["id"] if isinstance(charge, dict) else charge) or None
    escrow.save(update_fields=["stripe_charge_id", "updated_at"])


def _cause(cause: str) -> str:
    cause = (cause or "").strip()
    if not cause:
        raise DomainError("Say why the money moves.", field="cause")
    return cause[:500]


def _settle(
    escrow: EscrowTransaction,
    *,
    to_status: str,
    released: Decimal,
    refunded: Decimal,
    refund_fee: bool,
    actor,
    kind: str,
    cause: str,
) -> EscrowTransaction:
    """Under the money lock: move the held amount (Transfer and/or Refund), the ledger, the status.

    Stripe is called with `escrow:{id}:release` / `escrow:{id}:refund`, so a retry after a
    timeout (this transaction rolled back) gets the object the first call made.
    """
    released, refunded = quantize_money(released), quantize_money(refunded)
    if released < 0 or refunded < 0 or released + refunded != escrow.amount:
        raise DomainError(
            f"The amounts must add up to the held {escrow.amount} {escrow.currency}.", field="released_amount"
        )
    if escrow.status not in PAID_STATUSES or not escrow.stripe_payment_intent_id:
        raise InvalidTransition("This escrow holds no payment.")
    _ensure_charge(escrow)
    changes: dict = {"released_amount": released, "refunded_amount": refunded, "fee_refunded": refund_fee}
    notes = []
    if released > 0:
        transfer = stripe_api.transfer_create(escrow=escrow, amount=released)
        if transfer["amount"] != stripe_api.minor_units(released, escrow.currency):
            raise stripe_api.PaymentProviderRefused("Stripe transferred another amount than asked.")
        changes["stripe_transfer_id"] = transfer["id"]
        ledger_move(
            escrow=escrow,
            movement=f"release:{transfer['id']}",
            amount=released,
            out_of=LedgerAccount.ESCROW_HELD,
            into=LedgerAccount.PAYEE_FUNDS,
        )
        notes.append(f"{released} {escrow.currency} to {escrow.payee.username}")
    fee_back = escrow.fee_amount if refund_fee else Decimal("0.00")
    if refunded + fee_back > 0:
        refund = stripe_api.refund_create(escrow=escrow, amount=refunded + fee_back)
        if refund["amount"] != stripe_api.minor_units(refunded + fee_back, escrow.currency):
            raise stripe_api.PaymentProviderRefused("Stripe refunded another amount than asked.")
        changes["stripe_refund_id"] = refund["id"]
        ledger_write(
            escrow=escrow,
            movement=f"refund:{refund['id']}",
            legs={
                LedgerAccount.ESCROW_HELD: -refunded,
                LedgerAccount.PLATFORM_FEES: -fee_back,
                LedgerAccount.PAYER_FUNDS: refunded + fee_back,
            },
        )
        notes.append(f"{refunded + fee_back} {escrow.currency} back to {escrow.payer.username}")
    now = timezone.now()
    changes["released_at" if to_status == EscrowStatus.RELEASED else "cancelled_at"] = now
    if escrow.status == EscrowStatus.DISPUTED:
        changes["dispute_resolved_at"] = now
    escrow, _ = _transition(
        escrow_id=escrow.pk,
        to_status=to_status,
        actor=actor,
        kind=kind,
        note=f"{cause} ({'; '.join(notes)})",
        changes=changes,
    )
    return escrow


def _notify_parties(escrow: EscrowTransaction, *, title: str, body: str = "", exclude_id: int | None = None) -> None:
    """An in-app notification (and email) to each party but `exclude_id` (the one who acted)."""
    from notifications.enums import NotificationKind
    from notifications.services import notification_send

    url = reverse("trades:trade_detail", args=[escrow.trade_id])
    for user in (escrow.payer, escrow.payee):
        if user.pk != exclude_id:
            notification_send(recipient=user, kind=NotificationKind.ESCROW_UPDATED, title=title, body=body, url=url)


@transaction.atomic
def escrow_release(*, escrow_id: int, actor=None, cause: str) -> EscrowTransaction:
    """The whole held amount to the payee (Transfer with source_transaction), then the trade
    completes. From items_received (all receipts confirmed) or disputed (a staff decision).
    Releasing a released escrow again is a no-op."""
    cause = _cause(cause)
    escrow = _lock_for_money(escrow_id)
    if escrow.status == EscrowStatus.RELEASED:
        return escrow
    if escrow.status not in (EscrowStatus.ITEMS_RECEIVED, EscrowStatus.DISPUTED):
        raise InvalidTransition(f"This escrow is {escrow.get_status_display().lower()}; it cannot be released.")
    if escrow.status == EscrowStatus.DISPUTED and not getattr(actor, "is_staff", False):
        # A release that lost the race to a dispute (receipt confirmed, auto-confirm) stops here:
        # a disputed escrow moves only by staff's decision.
        raise InvalidTransition("This escrow is disputed; staff decide where the cash goes.", code="disputed")
    return _pay_out(
        escrow,
        released=escrow.amount,
        refunded=Decimal("0"),
        actor=actor,
        kind="released",
        cause=cause,
        trade_cause=f"Escrow released: {cause}",
        title=f"Escrow for trade #{escrow.trade_id} released",
        body=f"{escrow.amount} {escrow.currency} went to {escrow.payee.username}.",
    )


def _pay_out(escrow, *, released, refunded, actor, kind, cause, trade_cause, title, body) -> EscrowTransaction:
    """Release (all, or a split's part) under the money lock: Stripe, ledger, status, then the
    trade completes and both parties hear of it."""
    from trades.services.trades import trade_complete

    escrow = _settle(
        escrow,
        to_status=EscrowStatus.RELEASED,
        released=released,
        refunded=refunded,
        refund_fee=False,
        actor=actor,
        kind=kind,
        cause=cause,
    )
    trade_complete(trade_id=escrow.trade_id, actor=actor, cause=trade_cause)
    _notify_parties(escrow, title=title, body=body)
    return escrow


@transaction.atomic
def escrow_refund(
    *, escrow_id: int, actor=None, cause: str, refund_fee: bool, at_fault_user_id: int | None = None
) -> EscrowTransaction:
    """The whole held amount back to the payer (plus the fee when `refund_fee`), then the trade
    is cancelled, counting only against `at_fault_user_id` (None: against neither party).
    From payment_received (mutual cancel) or disputed (a staff decision)."""
    from trades.services.trades import trade_cancel

    cause = _cause(cause)
    escrow = _lock_for_money(escrow_id)
    if escrow.status == EscrowStatus.REFUNDED:
        return escrow
    if escrow.status not in (EscrowStatus.PAYMENT_RECEIVED, EscrowStatus.DISPUTED):
        raise InvalidTransition(f"This escrow is {escrow.get_status_display().lower()}; it cannot be refunded.")
    if at_fault_user_id is not None and escrow.party_side(at_fault_user_id) is None:
        raise DomainError("The party at fault must be one of the escrow's parties.", field="at_fault_user_id")
    escrow = _settle(
        escrow,
        to_status=EscrowStatus.REFUNDED,
        released=Decimal("0"),
        refunded=escrow.amount,
        refund_fee=refund_fee,
        actor=actor,
        kind="refunded",
        cause=cause,
    )
    trade_cancel(
        trade_id=escrow.trade_id, actor=actor, cause=f"Escrow refunded: {cause}", at_fault_user_id=at_fault_user_id
    )
    back = escrow.amount + (escrow.fee_amount if refund_fee else Decimal("0"))
    _notify_parties(
        escrow,
        title=f"Escrow for trade #{escrow.trade_id} refunded",
        body=f"{quantize_money(back)} {escrow.currency} went back to {escrow.payer.username}.",
    )
    return escrow


@transaction.atomic
def escrow_split(
    *, escrow_id: int, released_amount: Decimal, refunded_amount: Decimal, actor, cause: str
) -> EscrowTransaction:
    """A staff decision on a disputed escrow: part to the payee (Transfer), part back to the payer
    (Refund); the amounts add up to the held amount and the fee is kept (decision 0023). Ends
    `released` with both amounts recorded; the trade completes."""
    cause = _cause(cause)
    escrow = _lock_for_money(escrow_id)
    if escrow.status == EscrowStatus.RELEASED and escrow.refunded_amount:
        return escrow  # replay of the split
    if escrow.status != EscrowStatus.DISPUTED:
        raise InvalidTransition("Only a disputed escrow can be split.")
    released_amount, refunded_amount = Decimal(released_amount), Decimal(refunded_amount)
    if released_amount <= 0 or refunded_amount <= 0:
        raise DomainError(
            "A split gives each side a positive part; use release or refund instead.", field="released_amount"
        )
    return _pay_out(
        escrow,
        released=released_amount,
        refunded=refunded_amount,
        actor=actor,
        kind="split",
        cause=cause,
        trade_cause=f"Escrow split by staff: {cause}",
        title=f"Escrow for trade #{escrow.trade_id} split",
        body=(
            f"{quantize_money(released_amount)} {escrow.currency} went to {escrow.payee.username}, "
            f"{quantize_money(refunded_amount)} {escrow.currency} back to {escrow.payer.username}."
        ),
    )


# --- shipping and receipt -----------------------------------------------------------------------
CARRIER_MAX, TRACKING_MAX = 50, 255


def _actor_side(escrow: EscrowTransaction, actor) -> str:
    side = escrow.party_side(actor.pk)
    if side is None:
        raise NotAllowed("You are not part of this escrow.")
    return side


def _clean_shipment(carrier: str, tracking_number: str) -> tuple[str, str]:
    import re

    carrier = " ".join((carrier or "").split())
    tracking = "".join((tracking_number or "").split()).upper()
    if not carrier:
        raise DomainError("Say which carrier you shipped with.", field="carrier")
    if len(carrier) > CARRIER_MAX:
        raise DomainError(f"The carrier name is at most {CARRIER_MAX} characters.", field="carrier")
    if not tracking:
        raise DomainError("Enter the tracking number.", field="tracking_number")
    if len(tracking) > TRACKING_MAX or not re.fullmatch(r"[A-Z0-9-]{4,}", tracking):
        raise DomainError(
            "A tracking number is 4 or more letters, digits or dashes.", field="tracking_number", code="invalid"
        )
    return carrier, tracking


@transaction.atomic
def escrow_ship(*, escrow_id: int, actor, carrier: str, tracking_number: str) -> EscrowTransaction:
    """A party who ships cards enters carrier and tracking; when every shipping side has, the
    escrow is items_shipped. A party who ships nothing is refused (409)."""
    carrier, tracking = _clean_shipment(carrier, tracking_number)
    escrow = locks.escrow_for_update(escrow_id=escrow_id)
    side = _actor_side(escrow, actor)
    if side not in shipping_sides(escrow):
        raise InvalidTransition("You ship no cards in this trade.", code="nothing_to_ship")
    if getattr(escrow, f"{side}_shipped_at"):
        if (getattr(escrow, f"{side}_carrier"), getattr(escrow, f"{side}_tracking")) == (carrier, tracking):
            return escrow  # replay
        raise InvalidTransition("You already entered your shipment.", code="already_shipped")
    if escrow.status != EscrowStatus.PAYMENT_RECEIVED:
        raise InvalidTransition(f"This escrow is {escrow.get_status_display().lower()}; shipping is not open.")
    now = timezone.now()
    fields = {f"{side}_carrier": carrier, f"{side}_tracking": tracking, f"{side}_shipped_at": now}
    if escrow.cancel_requested_by_id:  # shipping ends the mutual cancel
        fields.update(cancel_requested_by=None, cancel_requested_at=None)
    for name, value in fields.items():
        setattr(escrow, name, value)
    escrow.save(update_fields=[*fields, "updated_at"])
    EscrowEvent.objects.create(escrow=escrow, actor=actor, kind="shipped", note=f"{side}: {carrier} {tracking}")
    deadline = timezone.localtime(now + timedelta(days=settings.ESCROW_INSPECTION_DAYS))
    _notify_parties(
        escrow,
        title=f"{actor.username} shipped their cards (trade #{escrow.trade_id})",
        body=f"{carrier}, tracking {tracking}. Confirm receipt when they arrive, or open a dispute, "
        f"by {deadline:%b %d} — after that you are deemed to have received them.",
        exclude_id=actor.pk,
    )
    if all(getattr(escrow, f"{s}_shipped_at") for s in shipping_sides(escrow)):
        escrow, _ = _transition(
            escrow_id=escrow.pk, to_status=EscrowStatus.ITEMS_SHIPPED, actor=actor, kind="all_shipped"
        )
    else:
        _push(escrow)
    return escrow


def _receive(escrow_id: int, *, actor, side: str | None, auto: bool) -> tuple[EscrowTransaction, bool]:
    """Under the money lock: one recipient's receipt; all in → items_received. (escrow, all_received)."""
    escrow = _lock_for_money(escrow_id)
    if side is None:
        side = _actor_side(escrow, actor)
    if _other(side) not in shipping_sides(escrow):
        raise InvalidTransition("Nothing is shipped to you in this trade.", code="nothing_to_receive")
    if getattr(escrow, f"{side}_received_at"):
        return escrow, escrow.status == EscrowStatus.ITEMS_RECEIVED  # replay
    if escrow.status not in (EscrowStatus.PAYMENT_RECEIVED, EscrowStatus.ITEMS_SHIPPED):
        raise InvalidTransition(f"This escrow is {escrow.get_status_display().lower()}; receipt cannot be confirmed.")
    if not getattr(escrow, f"{_other(side)}_shipped_at"):
        raise InvalidTransition("Your partner has not entered their shipment yet.", code="not_shipped")
    if escrow.stripe_dispute_id:
        raise InvalidTransition("This payment was charged back; staff decide this escrow.", code="charged_back")
    now = timezone.now()
    setattr(escrow, f"{side}_received_at", now)
    escrow.save(update_fields=[f"{side}_received_at", "updated_at"])
    user = escrow.payer if side == "payer" else escrow.payee
    EscrowEvent.objects.create(
        escrow=escrow,
        actor=None if auto else actor,
        kind="auto_confirmed" if auto else "receipt_confirmed",
        note=f"{side}" + (f": no answer within {settings.ESCROW_INSPECTION_DAYS} days" if auto else ""),
    )
    _notify_parties(
        escrow,
        title=(
            f"{user.username} is deemed to have received the cards (trade #{escrow.trade_id})"
            if auto
            else f"{user.username} confirmed receiving the cards (trade #{escrow.trade_id})"
        ),
        exclude_id=None if auto else user.pk,
    )
    receivers = {_other(s) for s in shipping_sides(escrow)}
    if all(getattr(escrow, f"{s}_received_at") for s in receivers):
        escrow, _ = _transition(
            escrow_id=escrow.pk,
            to_status=EscrowStatus.ITEMS_RECEIVED,
            actor=None if auto else actor,
            kind="all_received",
        )
        return escrow, True
    _push(escrow)
    return escrow, False


RELEASE_CAUSE = "Every shipment was received."


def _release_after_receipt(escrow: EscrowTransaction) -> EscrowTransaction:
    """The money moves in its own transaction: if Stripe is down the escrow stays items_received
    and the beat job (`escrow_release_due`) tries again."""
    try:
        return escrow_release(escrow_id=escrow.pk, cause=RELEASE_CAUSE)
    except stripe_api.PaymentProviderUnavailable:
        logger.warning("Escrow %s: Stripe unavailable, release retried by the beat job", escrow.pk)
        return EscrowTransaction.objects.get(pk=escrow.pk)


def escrow_confirm_receipt(*, escrow_id: int, actor) -> EscrowTransaction:
    """A recipient confirms the cards arrived (the trade's confirmation while escrow is live);
    when every recipient has, the escrow releases."""
    with transaction.atomic():
        escrow, all_received = _receive(escrow_id, actor=actor, side=None, auto=False)
    if all_received and escrow.status == EscrowStatus.ITEMS_RECEIVED:
        escrow = _release_after_receipt(escrow)
    return escrow


def escrow_auto_confirm(*, escrow_id: int, side: str, now=None) -> bool:
    """Deem one recipient to have received once their inspection window is over. True if this
    call did it (overlapping runs: the second finds the receipt under the lock and does nothing)."""
    now = now or timezone.now()
    with transaction.atomic():
        escrow = _lock_for_money(escrow_id)
        deadline = inspection_deadline(escrow, side)
        if (
            escrow.status not in (EscrowStatus.PAYMENT_RECEIVED, EscrowStatus.ITEMS_SHIPPED)
            or getattr(escrow, f"{side}_received_at")
            or deadline is None
            or deadline > now
            or escrow.stripe_dispute_id
        ):
            return False
        escrow, all_received = _receive(escrow_id, actor=None, side=side, auto=True)
    if all_received:
        _release_after_receipt(escrow)
    return True


def _awaiting_receipt(side: str):
    """Escrows in which `side` has a shipment to receive and has not confirmed it."""
    other = _other(side)
    return EscrowTransaction.objects.filter(
        status__in=[EscrowStatus.PAYMENT_RECEIVED, EscrowStatus.ITEMS_SHIPPED],
        **{f"{side}_received_at__isnull": True, f"{other}_shipped_at__isnull": False},
    ).filter(stripe_dispute_id="")


def escrow_auto_confirm_due(*, now=None) -> int:
    """Beat job: every recipient past their inspection window is deemed to confirm."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ESCROW_INSPECTION_DAYS)
    done = 0
    for side in SIDES:
        due = _awaiting_receipt(side).filter(**{f"{_other(side)}_shipped_at__lte": cutoff})
        for escrow_id in due.order_by("pk").values_list("pk", flat=True):
            try:
                done += escrow_auto_confirm(escrow_id=escrow_id, side=side, now=now)
            except DomainError as error:
                logger.warning("Escrow %s: auto-confirm of %s refused: %s", escrow_id, side, error)
    return done


REMINDER_DAYS = (3, 1)


@transaction.atomic
def escrow_remind(*, escrow_id: int, side: str, days: int, now=None) -> bool:
    """Remind a recipient `days` before their window ends; once per (side, days), under the lock."""
    now = now or timezone.now()
    escrow = locks.escrow_for_update(escrow_id=escrow_id)
    deadline = inspection_deadline(escrow, side)
    if (
        deadline is None
        or getattr(escrow, f"{side}_received_at")
        or escrow.status not in (EscrowStatus.PAYMENT_RECEIVED, EscrowStatus.ITEMS_SHIPPED)
        or not (now < deadline <= now + timedelta(days=days))
    ):
        return False
    note = f"{side} {days}d"
    if EscrowEvent.objects.filter(escrow=escrow, kind="reminder", note=note).exists():
        return False
    from notifications.enums import NotificationKind
    from notifications.services import notification_send

    EscrowEvent.objects.create(escrow=escrow, kind="reminder", note=note)
    user = escrow.payer if side == "payer" else escrow.payee
    notification_send(
        recipient=user,
        kind=NotificationKind.ESCROW_REMINDER,
        title=f"Confirm receipt for trade #{escrow.trade_id} by {timezone.localtime(deadline):%b %d, %H:%M}",
        body=(
            "Did the cards arrive as agreed? Confirm receipt, or open a dispute. If you do neither, you are "
            f"deemed to have received them {'tomorrow' if days == 1 else f'in {days} days'} and the cash is released."
        ),
        url=reverse("trades:trade_detail", args=[escrow.trade_id]),
    )
    return True


def escrow_remind_due(*, now=None) -> int:
    """Beat job: reminders 3 days and 1 day before a recipient's window ends."""
    now = now or timezone.now()
    window = timedelta(days=settings.ESCROW_INSPECTION_DAYS)
    sent = 0
    for side in SIDES:
        for days in REMINDER_DAYS:
            # deadline = shipped + window ∈ (now, now + days]
            due = _awaiting_receipt(side).filter(
                **{
                    f"{_other(side)}_shipped_at__gt": now - window,
                    f"{_other(side)}_shipped_at__lte": now - window + timedelta(days=days),
                }
            )
            for escrow_id in due.values_list("pk", flat=True):
                sent += escrow_remind(escrow_id=escrow_id, side=side, days=days, now=now)
    return sent


def escrow_release_due() -> int:
    """Beat job: escrows whose receipts are all in but whose release did not go through (Stripe
    was down) are released now."""
    done = 0
    for escrow_id in EscrowTransaction.objects.filter(status=EscrowStatus.ITEMS_RECEIVED).values_list("pk", flat=True):
        try:
            escrow_release(escrow_id=escrow_id, cause=RELEASE_CAUSE)
            done += 1
        except (stripe_api.PaymentProviderUnavailable, InvalidTransition) as error:
            logger.warning("Escrow %s: release retried on the next run (%s)", escrow_id, error)
    return done


# --- cancel after payment (mutual) ----------------------------------------------------------------
MUTUAL_CANCEL_CAUSE = "Both parties cancelled before shipping."


def escrow_request_cancel(*, escrow_id: int, actor, reason: str = "") -> EscrowTransaction:
    """Unpaid: cancel at once (`escrow_cancel`). Paid and nothing shipped: the first party's
    request is recorded (the API answers 202), the other party's refunds the payer in full,
    fee included, and cancels the trade with no penalty for either. After shipping: 409."""
    status = EscrowTransaction.objects.filter(pk=escrow_id).values_list("status", flat=True).first()
    if status == EscrowStatus.PENDING_PAYMENT:
        return escrow_cancel(escrow_id=escrow_id, actor=actor, reason=reason)
    with transaction.atomic():
        escrow = _lock_for_money(escrow_id)
        side = _actor_side(escrow, actor)
        if escrow.status == EscrowStatus.REFUNDED and escrow.fee_refunded:
            return escrow  # the mutual cancel already went through
        if escrow.status != EscrowStatus.PAYMENT_RECEIVED or escrow.payer_shipped_at or escrow.payee_shipped_at:
            raise InvalidTransition(
                "Cards are on their way: this escrow can no longer be cancelled (open a dispute instead).",
                code="already_shipped" if escrow.status == EscrowStatus.PAYMENT_RECEIVED else "invalid_transition",
            )
        if escrow.cancel_requested_by_id in (None, actor.pk):
            if escrow.cancel_requested_by_id is None:
                escrow.cancel_requested_by = actor
                escrow.cancel_requested_at = timezone.now()
                escrow.save(update_fields=["cancel_requested_by", "cancel_requested_at", "updated_at"])
                EscrowEvent.objects.create(
                    escrow=escrow, actor=actor, kind="cancel_requested", note=f"{side}: {reason.strip()}"[:500]
                )
                _notify_parties(
                    escrow,
                    title=f"{actor.username} asks to cancel the escrow (trade #{escrow.trade_id})",
                    body="If you agree, cancel it too: the payment is refunded in full and the trade is cancelled.",
                    exclude_id=actor.pk,
                )
                _push(escrow)
            return escrow
        return escrow_refund(escrow_id=escrow_id, actor=actor, cause=MUTUAL_CANCEL_CAUSE, refund_fee=True)


# --- what Stripe says about the charge: refunds made elsewhere, chargebacks ------------------------
def escrow_sync_charge_by_id(*, charge_id: str, stripe_event_id: str = "") -> EscrowTransaction | None:
    """For a charge event that arrived before we knew the charge: find the escrow through the
    charge's metadata (re-fetched from Stripe), then check it against our escrow's own session."""
    found = EscrowTransaction.objects.filter(stripe_charge_id=charge_id).values_list("pk", flat=True).first()
    if found is None:
        charge = stripe_api.charge_retrieve(charge_id=charge_id)
        claimed = str((charge.get("metadata") or {}).get("escrow_id") or "")
        if not claimed.isdigit():
            return None
        escrow = escrow_sync_payment(escrow_id=int(claimed), stripe_event_id=stripe_event_id)
        if escrow is None or escrow.stripe_charge_id != charge_id:
            logger.warning("Charge %s claims escrow %s, whose payment is another", charge_id, claimed)
            return None
        found = escrow.pk
    return escrow_sync_charge(escrow_id=found, stripe_event_id=stripe_event_id)


def escrow_sync_charge(*, escrow_id: int, stripe_event_id: str = "") -> EscrowTransaction:
    """`charge.refunded` / `charge.dispute.*`: re-fetch the charge and bring the escrow in line.

    - A payment we had not recorded yet is recorded first (webhooks arrive in any order).
    - Refunds made at Stripe but not by us are booked; a full one ends the escrow refunded
      (trade cancelled, counting against neither party) unless the money already left.
    - A chargeback is booked (disputed amount and Stripe's dispute fee leave our balance),
      flags the escrow for staff and moves a live escrow to disputed; after release the loss
      is Bazaar's and a Transfer reversal from the payee is attempted.
    """
    escrow = escrow_sync_payment(escrow_id=escrow_id, stripe_event_id=stripe_event_id)
    if escrow.status in (EscrowStatus.PENDING_PAYMENT, EscrowStatus.CANCELLED) or not escrow.stripe_charge_id:
        return escrow
    charge = stripe_api.charge_retrieve(charge_id=escrow.stripe_charge_id)
    refunds = stripe_api.refunds_for(escrow=escrow) if charge["amount_refunded"] else []
    dispute = stripe_api.dispute_retrieve(dispute_id=charge["dispute"]) if charge.get("dispute") else None
    with transaction.atomic():
        escrow = _lock_for_money(escrow_id)
        for refund in refunds:
            _book_outside_refund(escrow, refund, stripe_event_id=stripe_event_id)
        escrow.refresh_from_db()
        if dispute is not None:
            _book_chargeback(escrow, dispute, stripe_event_id=stripe_event_id)
    return EscrowTransaction.objects.get(pk=escrow_id)


def _book_outside_refund(escrow: EscrowTransaction, refund, *, stripe_event_id: str) -> None:
    from trades.services.trades import trade_cancel

    from .models import LedgerEntry

    if (
        refund["status"] not in ("succeeded", "pending")
        or LedgerEntry.objects.filter(escrow=escrow, movement=f"refund:{refund['id']}"[:40]).exists()
    ):
        return  # ours (booked when we made it), or failed
    amount = from_minor_units(refund["amount"], escrow.currency)
    from .ledger import ledger_balances

    held = ledger_balances(escrow_id=escrow.pk)[LedgerAccount.ESCROW_HELD]
    from_held = min(amount, max(held, Decimal("0")))
    ledger_write(
        escrow=escrow,
        movement=f"refund:{refund['id']}",
        legs={
            LedgerAccount.ESCROW_HELD: -from_held,
            LedgerAccount.PLATFORM_FEES: -(amount - from_held),
            LedgerAccount.PAYER_FUNDS: amount,
        },
    )
    EscrowEvent.objects.create(
        escrow=escrow,
        kind="refunded_at_stripe",
        note=f"{amount} {escrow.currency} refunded outside Bazaar ({refund['id']})",
        stripe_event_id=stripe_event_id,
    )
    live = escrow.status in (EscrowStatus.PAYMENT_RECEIVED, EscrowStatus.ITEMS_SHIPPED, EscrowStatus.ITEMS_RECEIVED)
    refunded_total = (escrow.refunded_amount or Decimal("0")) + from_held
    if live and refunded_total >= escrow.amount:
        escrow, _ = _transition(
            escrow_id=escrow.pk,
            to_status=EscrowStatus.REFUNDED,
            kind="refunded",
            note="Refunded at Stripe.",
            stripe_event_id=stripe_event_id,
            changes={
                "refunded_amount": escrow.amount,
                "released_amount": Decimal("0.00"),
                "fee_refunded": amount > from_held,
                "stripe_refund_id": escrow.stripe_refund_id or refund["id"],
                "cancelled_at": timezone.now(),
            },
        )
        trade_cancel(trade_id=escrow.trade_id, cause="Escrow refunded at Stripe.", at_fault_user_id=None)
        _notify_parties(escrow, title=f"Escrow for trade #{escrow.trade_id} refunded")
    elif escrow.status not in (EscrowStatus.REFUNDED,):
        escrow.flagged_for_staff = True
        escrow.flag_reason = f"Refund of {amount} {escrow.currency} made at Stripe, not through Bazaar."[:500]
        escrow.save(update_fields=["flagged_for_staff", "flag_reason", "updated_at"])


def _book_chargeback(escrow: EscrowTransaction, dispute, *, stripe_event_id: str) -> None:
    from .models import LedgerEntry

    movement = f"chargeback:{dispute['id']}"
    if LedgerEntry.objects.filter(escrow=escrow, movement=movement[:40]).exists():
        return  # replay
    amount = from_minor_units(dispute["amount"], escrow.currency)
    withdrawn = [txn for txn in dispute.get("balance_transactions") or [] if txn["amount"] < 0]
    fee = from_minor_units(sum(txn["fee"] for txn in withdrawn), escrow.currency)
    ledger_write(
        escrow=escrow,
        movement=movement,
        legs={
            LedgerAccount.PAYER_FUNDS: amount,
            LedgerAccount.STRIPE_FEES: fee,
            LedgerAccount.PLATFORM_LOSS: -(amount + fee),
        },
    )
    note = f"Card chargeback {dispute['id']} ({dispute.get('reason') or 'no reason'}): {amount} {escrow.currency}"
    changes = {
        "flagged_for_staff": True,
        "flag_reason": note[:500],
        "stripe_dispute_id": dispute["id"],
    }
    if EscrowStatus.DISPUTED in ALLOWED_TRANSITIONS[escrow.status]:
        escrow, _ = _transition(
            escrow_id=escrow.pk,
            to_status=EscrowStatus.DISPUTED,
            kind="chargeback",
            note=note,
            stripe_event_id=stripe_event_id,
            changes={**changes, "dispute_opened_at": timezone.now()},
        )
    else:
        for name, value in changes.items():
            setattr(escrow, name, value)
        escrow.save(update_fields=[*changes, "updated_at"])
        EscrowEvent.objects.create(escrow=escrow, kind="chargeback", note=note[:500], stripe_event_id=stripe_event_id)
        _push(escrow)
    _notify_parties(
        escrow,
        title=f"The payment for trade #{escrow.trade_id} was disputed with the card issuer",
        body="Staff review this escrow; nothing moves until they decide.",
    )
    if escrow.status == EscrowStatus.RELEASED and escrow.stripe_transfer_id and escrow.released_amount:
        _reverse_after_chargeback(escrow, dispute_id=dispute["id"], amount=min(amount, escrow.released_amount))


def _reverse_after_chargeback(escrow: EscrowTransaction, *, dispute_id: str, amount: Decimal) -> None:
    """Try to take the payee's Transfer back; if Stripe refuses (e.g. their balance is paid out),
    the loss stays Bazaar's and staff see why."""
    try:
        reversal = stripe_api.transfer_reversal_create(escrow=escrow, amount=amount, dispute_id=dispute_id)
    except stripe_api.PaymentProviderRefused as error:
        EscrowEvent.objects.create(escrow=escrow, kind="reversal_failed", note=str(error)[:500])
        return
    reversed_amount = from_minor_units(reversal["amount"], escrow.currency)
    ledger_move(
        escrow=escrow,
        movement=f"reversal:{reversal['id']}",
        amount=reversed_amount,
        out_of=LedgerAccount.PAYEE_FUNDS,
        into=LedgerAccount.PLATFORM_LOSS,
    )
    EscrowEvent.objects.create(
        escrow=escrow,
        kind="transfer_reversed",
        note=f"{reversed_amount} {escrow.currency} taken back ({reversal['id']})",
    )


# --- disputes ---------------------------------------------------------------------------------
DISPUTE_TEXT_MAX = 5000


def _dispute_text(value: str, *, field: str, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(missing, field=field)
    if len(text) > DISPUTE_TEXT_MAX:
        raise DomainError(f"At most {DISPUTE_TEXT_MAX} characters, please.", field=field)
    return text


def _staff_to_tell(escrow: EscrowTransaction, *, besides: int):
    from accounts.models import User

    return User.objects.filter(is_staff=True, is_active=True).exclude(
        pk__in=[besides, escrow.payer_id, escrow.payee_id]
    )


def _dispute_notify(*, recipients, kind: str, title: str, body: str, url: str, coalesce: bool = False) -> None:
    from notifications.services import notification_send

    for recipient in recipients:
        notification_send(recipient=recipient, kind=kind, title=title, body=body, url=url, coalesce_email=coalesce)


def _dispute_reputation_sync(*, user_ids: list[int]) -> None:
    """disputes_involved / disputes_lost as absolute counts from Dispute rows (idempotent)."""
    from accounts.models import User
    from accounts.services import reputation_update

    from .selectors import dispute_reputation_stats

    for user in User.objects.filter(pk__in=sorted(set(user_ids))).order_by("pk"):
        reputation_update(user=user, **dispute_reputation_stats(user_id=user.pk))


def _store_evidence(*, dispute: Dispute, actor, images: list[CheckedImage], stored: list[str]) -> None:
    for image in images:
        row = DisputeEvidence(
            dispute=dispute,
            uploaded_by=actor,
            original_filename=image.original_filename,
            content_type=image.content_type,
            size_bytes=image.size_bytes,
            width=image.width,
            height=image.height,
        )
        row.file.save(image.content.name, image.content, save=False)
        stored.append(row.file.name)
        row.save()


def dispute_open(*, escrow_id: int, actor, reason: str, evidence: list | None = None) -> Dispute:
    """A party disputes a paid, unreleased escrow: the escrow moves to `disputed` (through the one
    locked `_transition`, so a racing release and this end in exactly one outcome) and staff decide.

    Every image is checked before anything is written; files written for a dispute that then
    fails (a lost race) are deleted again.
    """
    reason = _dispute_text(reason, field="reason", missing="Say what went wrong.")
    images = check_evidence(list(evidence or []))
    stored: list[str] = []
    try:
        with transaction.atomic():
            escrow = locks.escrow_for_update(escrow_id=escrow_id)
            if actor.pk not in (escrow.payer_id, escrow.payee_id):
                raise NotAllowed("Only the two traders can dispute an escrow.")
            if escrow.status == EscrowStatus.DISPUTED:
                raise InvalidTransition("This escrow is already disputed.", code="already_disputed")
            if escrow.status not in DISPUTABLE_STATUSES:
                raise InvalidTransition(
                    f"This escrow is {escrow.get_status_display().lower()}; it can no longer be disputed."
                )
            from_status = escrow.status
            escrow, _ = _transition(
                escrow_id=escrow.pk,
                to_status=EscrowStatus.DISPUTED,
                actor=actor,
                kind="dispute_opened",
                note=reason,
                changes={"dispute_reason": reason, "dispute_opened_at": timezone.now()},
            )
            dispute = Dispute.objects.create(
                escrow=escrow, opened_by=actor, reason=reason, escrow_status_before=from_status
            )
            _store_evidence(dispute=dispute, actor=actor, images=images, stored=stored)
            if images:
                EscrowEvent.objects.create(
                    escrow=escrow, actor=actor, kind="dispute_evidence", note=f"{len(images)} image(s) attached"
                )
            _dispute_reputation_sync(user_ids=[escrow.payer_id, escrow.payee_id])
            other = escrow.payee if actor.pk == escrow.payer_id else escrow.payer
            _dispute_notify(
                recipients=[other],
                kind=NotificationKind.DISPUTE_OPENED,
                title=f"{actor.username} disputed the escrow of trade #{escrow.trade_id}",
                body=reason[:500],
                url=reverse("escrow:dispute", args=[escrow.pk]),
            )
            _dispute_notify(
                recipients=_staff_to_tell(escrow, besides=actor.pk),
                kind=NotificationKind.DISPUTE_OPENED,
                title=f"Escrow {escrow.pk} disputed by {actor.username}",
                body=reason[:500],
                url=reverse("admin:escrow_dispute_resolve", args=[dispute.pk]),
            )
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise
    return dispute


@transaction.atomic
def dispute_message_add(*, escrow_id: int, actor, body: str) -> DisputeMessage:
    """Parties and staff talk while the dispute is open; the others hear of it (email coalesced)."""
    body = _dispute_text(body, field="body", missing="Write a message.")
    dispute = locks.dispute_for_update(escrow_id=escrow_id)
    if dispute is None:
        raise NotFound("This escrow has no dispute.")
    escrow = dispute.escrow
    parties = (escrow.payer_id, escrow.payee_id)
    if actor.pk not in parties and not actor.is_staff:
        raise NotFound("This escrow has no dispute.")
    if not dispute.is_open:
        raise InvalidTransition("This dispute is resolved; it takes no more messages.", code="dispute_resolved")
    message = DisputeMessage.objects.create(dispute=dispute, author=actor, body=body)
    EscrowEvent.objects.create(escrow=escrow, actor=actor, kind="dispute_message", note=body[:500])
    url = reverse("escrow:dispute", args=[escrow.pk])
    others = [user for user in (escrow.payer, escrow.payee) if user.pk != actor.pk]
    if actor.pk in parties:
        others += list(_staff_to_tell(escrow, besides=actor.pk))
    who = "Staff" if actor.pk not in parties else actor.username
    _dispute_notify(
        recipients=others,
        kind=NotificationKind.DISPUTE_MESSAGE,
        title=f"{who} wrote in the dispute of escrow {escrow.pk}",
        body=body[:500],
        url=url,
        coalesce=True,
    )
    return message


def dispute_resolve(
    *,
    escrow_id: int,
    actor,
    outcome: str,
    resolution: str,
    at_fault_user_id: int | None,
    released_amount: Decimal | None = None,
    refunded_amount: Decimal | None = None,
) -> Dispute:
    """Staff decide an open dispute: release, refund or split, in writing, naming who was at fault.

    The money moves through the escrow money services in this same transaction; the dispute row
    is locked first, so two staff deciding at once make one decision. Bad amounts change nothing.
    """
    from .selectors import dispute_resolution_preview

    if not actor.is_staff:
        raise NotAllowed("Only staff resolve disputes.")
    resolution = _dispute_text(resolution, field="resolution", missing="Write the resolution the traders will read.")
    with transaction.atomic():
        dispute = locks.dispute_for_update(escrow_id=escrow_id)
        if dispute is None:
            raise NotFound("This escrow has no dispute.")
        if not dispute.is_open:
            raise InvalidTransition("This dispute is already resolved.", code="dispute_resolved")
        escrow = dispute.escrow
        plan = dispute_resolution_preview(
            escrow=escrow,
            outcome=outcome,
            at_fault_user_id=at_fault_user_id,
            released_amount=released_amount,
            refunded_amount=refunded_amount,
        )
        if escrow.status != EscrowStatus.DISPUTED:
            raise InvalidTransition("This escrow is no longer disputed.")
        cause = f"dispute {dispute.pk}"
        if outcome == DisputeOutcome.RELEASE:
            escrow_release(escrow_id=escrow.pk, actor=actor, cause=cause)
        elif outcome == DisputeOutcome.REFUND:
            escrow_refund(
                escrow_id=escrow.pk,
                actor=actor,
                cause=cause,
                refund_fee=plan.fee_refunded,
                at_fault_user_id=at_fault_user_id,
            )
        else:
            escrow_split(
                escrow_id=escrow.pk,
                released_amount=plan.released_amount,
                refunded_amount=plan.refunded_amount,
                actor=actor,
                cause=cause,
            )
        now = timezone.now()
        dispute.status = DisputeStatus.RESOLVED
        dispute.outcome = outcome
        dispute.resolution = resolution
        dispute.at_fault_id = at_fault_user_id
        dispute.resolved_by = actor
        dispute.resolved_at = now
        dispute.save(
            update_fields=["status", "outcome", "resolution", "at_fault", "resolved_by", "resolved_at", "updated_at"]
        )
        escrow = locks.escrow_for_update(escrow_id=escrow.pk)
        escrow.dispute_resolved_at = now
        escrow.dispute_resolution = resolution
        escrow.save(update_fields=["dispute_resolved_at", "dispute_resolution", "updated_at"])
        EscrowEvent.objects.create(escrow=escrow, actor=actor, kind="dispute_resolved", note=plan.summary)
        _dispute_reputation_sync(user_ids=[escrow.payer_id, escrow.payee_id])
        _dispute_notify(
            recipients=[escrow.payer, escrow.payee],
            kind=NotificationKind.DISPUTE_RESOLVED,
            title=f"The dispute of escrow {escrow.pk} is resolved: {plan.headline}",
            body=resolution[:500],
            url=reverse("escrow:dispute", args=[escrow.pk]),
        )
        _push(escrow)
    return dispute
