"""Escrow pages: buttons on the trade page and the settings page post here; Stripe sends people back here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.files import private_file_response
from trades.selectors.trades import access_trade

from . import services
from .enums import EscrowStatus
from .forms import DisputeMessageForm, DisputeOpenForm
from .selectors import (
    access_dispute_evidence,
    access_escrow,
    can_dispute,
    dispute_for_escrow,
    trade_panel_context,
)


@login_required
@require_GET
def trade_panel(request, trade_id: int):
    """The escrow panel alone: what the live socket's placeholder loads."""
    trade = access_trade(user=request.user, pk=trade_id)
    context = {"panel": trade_panel_context(trade=trade, user=request.user)}
    return render(request, "escrow/partials/_trade_panel_body.html", context)


def _trade_page(trade_id: int):
    return redirect("trades:trade_detail", trade_id)


@login_required
@require_POST
def escrow_create(request, trade_id: int):
    trade = access_trade(user=request.user, pk=trade_id)
    try:
        escrow = services.escrow_create(trade_id=trade.pk, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _trade_page(trade.pk)
    messages.success(
        request,
        "Escrow opened."
        + (
            " Pay below to start it."
            if escrow.payer_id == request.user.pk
            else f" {escrow.payer.username} can now pay."
        ),
    )
    return _trade_page(trade.pk)


@login_required
@require_POST
def escrow_pay(request, pk: int):
    escrow = access_escrow(user=request.user, pk=pk)
    try:
        escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _trade_page(escrow.trade_id)
    return HttpResponseRedirect(escrow.checkout_url, status=303)


@login_required
@require_GET
def escrow_paid(request, pk: int):
    """Checkout's success_url. The payment counts once Stripe's webhook confirms it; this only says so."""
    escrow = access_escrow(user=request.user, pk=pk)
    if escrow.status == "pending_payment":
        messages.info(request, "Payment submitted. Stripe confirms it in a moment; the escrow panel updates by itself.")
    return _trade_page(escrow.trade_id)


def _escrow_act(request, pk: int, work, say) -> HttpResponseRedirect:
    """A party's form post: the service runs; its refusal, or `say(escrow)`, is the message."""
    escrow = access_escrow(user=request.user, pk=pk)
    try:
        done = work(escrow)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, say(done))
    return _trade_page(escrow.trade_id)


CANCEL_SAYS = {
    EscrowStatus.CANCELLED: "Escrow cancelled. The trade stays open.",
    EscrowStatus.REFUNDED: "Escrow cancelled: the payment is refunded in full and the trade is cancelled.",
}


@login_required
@require_POST
def escrow_cancel(request, pk: int):
    """Unpaid: cancelled at once. Paid, nothing shipped: a request, then the other's cancel refunds."""
    return _escrow_act(
        request,
        pk,
        lambda escrow: services.escrow_request_cancel(
            escrow_id=escrow.pk, actor=request.user, reason=request.POST.get("reason", "")
        ),
        lambda escrow: CANCEL_SAYS.get(
            escrow.status, "You asked to cancel. It is cancelled and refunded when your partner agrees."
        ),
    )


@login_required
@require_POST
def escrow_ship(request, pk: int):
    return _escrow_act(
        request,
        pk,
        lambda escrow: services.escrow_ship(
            escrow_id=escrow.pk,
            actor=request.user,
            carrier=request.POST.get("carrier", ""),
            tracking_number=request.POST.get("tracking_number", ""),
        ),
        lambda escrow: "Shipment saved. Your partner is told.",
    )


@login_required
@require_POST
def escrow_confirm_receipt(request, pk: int):
    return _escrow_act(
        request,
        pk,
        lambda escrow: services.escrow_confirm_receipt(escrow_id=escrow.pk, actor=request.user),
        lambda escrow: (
            "Receipt confirmed. The cash is released and the trade is completed."
            if escrow.status == EscrowStatus.RELEASED
            else "Receipt confirmed."
        ),
    )


def _onboard(request):
    try:
        url = services.payout_account_connect(user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(reverse("accounts:settings") + "#payouts")
    return HttpResponseRedirect(url, status=303)


@login_required
@require_POST
def payout_connect(request):
    return _onboard(request)


@login_required
@require_GET
def payout_onboard(request):
    """Stripe's refresh_url: an expired or already visited link comes here for a fresh one.

    A GET by Stripe's design; it writes nothing of ours once the account exists."""
    if not hasattr(request.user, "payout_account"):
        return redirect(reverse("accounts:settings") + "#payouts")
    return _onboard(request)


@login_required
@require_GET
def payout_return(request):
    """Stripe's return_url: the status follows account.updated; this page only says so."""
    messages.info(request, "Thanks — your payout status updates as soon as Stripe confirms your details.")
    return redirect(reverse("accounts:settings") + "#payouts")


@login_required
@require_POST
def payout_refresh(request):
    account = getattr(request.user, "payout_account", None)
    if account is not None:
        try:
            services.payout_account_sync(stripe_account_id=account.stripe_account_id)
        except DomainError as error:
            messages.error(request, error.message)
    return redirect(reverse("accounts:settings") + "#payouts")


# --- disputes ---------------------------------------------------------------------------------
def _dispute_page(request, escrow, *, open_form=None, message_form=None, status=200):
    dispute = dispute_for_escrow(escrow=escrow)
    context = {
        "escrow": escrow,
        "dispute": dispute,
        "can_dispute": can_dispute(escrow=escrow, user=request.user),
        "open_form": open_form or DisputeOpenForm(),
        "message_form": message_form or DisputeMessageForm(),
        "is_staff_view": request.user.is_staff and request.user.pk not in (escrow.payer_id, escrow.payee_id),
    }
    return render(request, "escrow/dispute.html", context, status=status)


def _form_error(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
@require_http_methods(["GET", "POST"])
def dispute(request, pk: int):
    """The dispute of an escrow: the form to open one (parties), or the reason, evidence and messages."""
    escrow = access_escrow(user=request.user, pk=pk)
    if request.method == "GET":
        return _dispute_page(request, escrow)
    form = DisputeOpenForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.dispute_open(
                escrow_id=escrow.pk,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                evidence=form.cleaned_data["evidence"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Dispute opened. Staff will look at it; you can add messages below.")
            return redirect("escrow:dispute", escrow.pk)
    return _dispute_page(request, escrow, open_form=form, status=422)


@login_required
@require_POST
def dispute_message(request, pk: int):
    escrow = access_escrow(user=request.user, pk=pk)
    form = DisputeMessageForm(request.POST)
    if form.is_valid():
        try:
            services.dispute_message_add(escrow_id=escrow.pk, actor=request.user, body=form.cleaned_data["body"])
        except DomainError as error:
            _form_error(form, error)
        else:
            return redirect(reverse("escrow:dispute", args=[escrow.pk]) + "#dispute-messages")
    return _dispute_page(request, escrow, message_form=form, status=422)


@login_required
@require_GET
def dispute_evidence(request, pk: int):
    """An evidence image, for the dispute's two parties and staff only (404 otherwise)."""
    evidence = access_dispute_evidence(user=request.user, pk=pk)
    return private_file_response(evidence.file, filename=evidence.original_filename, content_type=evidence.content_type)
