"""HTML views for matches, proposals, trades, threads: parse, check access, call one service, render."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cards.selectors import paginate_without_count
from core.errors import DomainError
from core.pagination import page_number_from, page_of
from trades import selectors, services
from trades.enums import ProposalSide, ProposalStatus, TradeStatus
from trades.forms import (
    CASH_I_ADD,
    CASH_I_ASK,
    CASH_NONE,
    DeclineForm,
    MessageForm,
    ProposalForm,
    ReviewForm,
    TradeCancelForm,
)
from trades.selectors.matches import matches_for

PAGE_SIZE = 20


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


def _preselected(query) -> dict[str, dict[int, int]]:
    """`offer_<id>=<quantity>` / `request_<id>=<quantity>` (a match's link), or `offer=<id>` for one copy."""
    selected: dict[str, dict[int, int]] = {"offer": {}, "request": {}}
    for prefix, picks in selected.items():
        for have_id in _ids(query.getlist(prefix)):
            picks[have_id] = 1
        for name, value in query.items():
            head, _, have_id = name.partition("_")
            if head == prefix and have_id.isdigit() and value.isdigit():
                picks[int(have_id)] = int(value)
    return selected


def _form_error(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


# --- Proposals --------------------------------------------------------------------------------


def _proposal_form_page(request, *, form, recipient, original=None, status=200):
    context = {
        "form": form,
        "recipient": recipient,
        "original": original,
        "form_offer_rows": form.rows("offer"),
        "form_request_rows": form.rows("request"),
    }
    return render(request, "trades/proposal_form.html", context, status=status)


@login_required
def proposal_create(request, username: str):
    """GET ?offer=<my have id>&request=<their have id> (repeated) pre-selects cards (from matching)."""
    recipient = get_object_or_404(get_user_model(), username=username)
    if recipient.pk == request.user.pk:
        messages.error(request, "You cannot propose a trade to yourself.")
        return redirect("trades:index")
    items = selectors.proposal_pickable_items(proposer=request.user, recipient=recipient)
    if request.method == "POST":
        form = ProposalForm(request.POST, items=items)
        if form.is_valid():
            cash_out, cash_in = form.cash()
            try:
                proposal = services.proposal_create(
                    proposer=request.user,
                    recipient=recipient,
                    offer=form.picks("offer"),
                    request=form.picks("request"),
                    cash_from_proposer=cash_out,
                    cash_from_recipient=cash_in,
                    message=form.cleaned_data["message"],
                )
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, f"Proposal sent to {recipient.username}.")
                return redirect("trades:proposal_detail", pk=proposal.pk)
        return _proposal_form_page(request, form=form, recipient=recipient, status=422)
    form = ProposalForm(items=items, selected=_preselected(request.GET))
    return _proposal_form_page(request, form=form, recipient=recipient)


@login_required
def proposal_detail(request, pk: int):
    proposal = selectors.access_proposal(user=request.user, pk=pk)
    if proposal.recipient_id == request.user.pk and proposal.status == ProposalStatus.PENDING:
        # The one write a GET makes: the recipient's first open (docs/decisions/0035).
        proposal.status = services.proposal_mark_viewed(proposal_id=proposal.pk, actor=request.user).status
    services.thread_mark_read(thread_id=proposal.thread_id, user=request.user)
    chain = selectors.proposal_chain(proposal=proposal)
    context = {
        "proposal": proposal,
        "totals": selectors.proposal_side_totals(proposal=proposal),
        "values_now": selectors.proposal_current_values(proposal=proposal),
        "actions": selectors.proposal_actions(proposal=proposal, user=request.user),
        "chain": chain,
        "decline_form": DeclineForm(),
        "message_form": MessageForm(),
        **selectors.thread_context(thread=proposal.thread, user=request.user, proposals=chain),
    }
    return render(request, "trades/proposal_detail.html", context)


def _act(request, pk: int, action, success: str, **kwargs):
    selectors.access_proposal(user=request.user, pk=pk)
    try:
        result = action(proposal_id=pk, actor=request.user, **kwargs)
    except DomainError as error:
        messages.error(request, error.message)
        return None
    messages.success(request, success)
    return result


@login_required
@require_POST
def proposal_accept(request, pk: int):
    trade = _act(request, pk, services.proposal_accept, "Accepted. The trade is agreed.")
    return redirect("trades:trade_detail", pk=trade.pk) if trade else redirect("trades:proposal_detail", pk=pk)


@login_required
@require_POST
def proposal_decline(request, pk: int):
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _act(request, pk, services.proposal_decline, "Proposal declined.", reason=reason)
    return redirect("trades:proposal_detail", pk=pk)


@login_required
@require_POST
def proposal_cancel(request, pk: int):
    _act(request, pk, services.proposal_cancel, "Proposal withdrawn.")
    return redirect("trades:proposal_detail", pk=pk)


def _counter_selection(original, items) -> tuple[dict, dict]:
    """The original's cards, sides swapped, mapped back onto the current have lists."""

    def key(obj):
        return (obj.card_id, obj.condition, obj.finish, obj.language)

    mine = {key(p.have): p.have.pk for p in items.mine}
    theirs = {key(p.have): p.have.pk for p in items.theirs}
    offer, request = {}, {}
    for item in original.items.all():
        if item.side == ProposalSide.RECIPIENT and key(item) in mine:
            offer[mine[key(item)]] = item.quantity
        elif item.side == ProposalSide.PROPOSER and key(item) in theirs:
            request[theirs[key(item)]] = item.quantity
    return offer, request


@login_required
def proposal_counter(request, pk: int):
    original = selectors.access_proposal(user=request.user, pk=pk)
    if not selectors.proposal_actions(proposal=original, user=request.user).can_counter:
        messages.error(request, "This proposal can no longer be countered.")
        return redirect("trades:proposal_detail", pk=pk)
    items = selectors.proposal_pickable_items(
        proposer=request.user, recipient=original.proposer, offered=selectors.offered_printings(original)
    )
    if request.method == "POST":
        form = ProposalForm(request.POST, items=items)
        if form.is_valid():
            cash_out, cash_in = form.cash()
            try:
                counter = services.proposal_counter(
                    proposal_id=original.pk,
                    actor=request.user,
                    offer=form.picks("offer"),
                    request=form.picks("request"),
                    cash_from_proposer=cash_out,
                    cash_from_recipient=cash_in,
                    message=form.cleaned_data["message"],
                )
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, "Counter-offer sent.")
                return redirect("trades:proposal_detail", pk=counter.pk)
        return _proposal_form_page(request, form=form, recipient=original.proposer, original=original, status=422)
    offer, request_ = _counter_selection(original, items)
    if original.cash_from_proposer:
        cash = {"cash_direction": CASH_I_ASK, "cash_amount": original.cash_from_proposer}
    elif original.cash_from_recipient:
        cash = {"cash_direction": CASH_I_ADD, "cash_amount": original.cash_from_recipient}
    else:
        cash = {"cash_direction": CASH_NONE}
    form = ProposalForm(items=items, selected={"offer": offer, "request": request_}, initial=cash)
    return _proposal_form_page(request, form=form, recipient=original.proposer, original=original)


# --- The trades home: my proposals and trades ---------------------------------------------------

PROPOSAL_BOXES = {"action": "Needs my answer", "incoming": "Received", "outgoing": "Sent", "all": "All"}
PROPOSAL_STATUSES = {"open": "Open", "closed": "Closed", "all": "Any status"}
TRADE_STATUSES = {"all": "Any status", **dict(TradeStatus.choices)}


@login_required
def trade_index(request):
    tab = "trades" if request.GET.get("tab") == "trades" else "proposals"
    if tab == "trades":
        status = request.GET.get("status") if request.GET.get("status") in TRADE_STATUSES else "all"
        rows = selectors.trade_list(user=request.user, status=status)
        box = ""
    else:
        box = request.GET.get("box") if request.GET.get("box") in PROPOSAL_BOXES else "all"
        status = request.GET.get("status") if request.GET.get("status") in PROPOSAL_STATUSES else "all"
        rows = selectors.proposal_list(user=request.user, box=box, status=status)
    # No COUNT(*) of my proposals: one row more than the page says whether there is a next one.
    page = paginate_without_count(rows, page=page_number_from(request.GET.get("page")), per_page=PAGE_SIZE)
    context = {
        "tab": tab,
        "box": box,
        "status": status,
        "page": page,
        "boxes": PROPOSAL_BOXES,
        "statuses": TRADE_STATUSES if tab == "trades" else PROPOSAL_STATUSES,
        **selectors.trades_index_counts(user=request.user),
    }
    template = "trades/partials/_index_rows.html" if request.htmx else "trades/index.html"
    return render(request, template, context)


# --- Trades -------------------------------------------------------------------------------------


@login_required
def trade_detail(request, pk: int):
    trade = selectors.access_trade(user=request.user, pk=pk)
    services.thread_mark_read(thread_id=trade.thread_id, user=request.user)
    panels = selectors.trade_panels(trade=trade, viewer=request.user)
    context = {
        "trade": trade,
        **selectors.trade_view_for(trade=trade, user=request.user),
        "trade_panels": panels,
        # A panel that owns the trade's end (live escrow) replaces the confirm/cancel controls.
        "trade_end_owner": next((panel["owns_trade_end"] for panel in panels if panel.get("owns_trade_end")), ""),
        **selectors.thread_context(thread=trade.thread, user=request.user),
        "message_form": MessageForm(),
        "cancel_form": TradeCancelForm(),
    }
    return render(request, "trades/trade_detail.html", context)


def _trade_act(request, pk: int, action, success: str, **kwargs):
    selectors.access_trade(user=request.user, pk=pk)
    try:
        action(trade_id=pk, actor=request.user, **kwargs)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("trades:trade_detail", pk=pk)


@login_required
@require_POST
def trade_confirm(request, pk: int):
    return _trade_act(request, pk, services.trade_confirm, "Marked as received.")


@login_required
@require_POST
def trade_cancel(request, pk: int):
    form = TradeCancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _trade_act(request, pk, services.trade_request_cancel, "Cancel request recorded.", reason=reason)


@login_required
@require_POST
def trade_cancel_withdraw(request, pk: int):
    return _trade_act(request, pk, services.trade_withdraw_cancel, "Cancel request withdrawn.")


@login_required
def trade_review(request, pk: int):
    trade = selectors.access_trade(user=request.user, pk=pk)
    view = selectors.trade_view_for(trade=trade, user=request.user)
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.review_create(trade_id=trade.pk, reviewer=request.user, **form.cleaned_data)
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, f"Thanks! Your review of {view['other'].username} is saved.")
                return redirect("trades:trade_detail", pk=trade.pk)
        return render(request, "trades/review_form.html", {"trade": trade, "form": form, **view}, status=422)
    return render(request, "trades/review_form.html", {"trade": trade, "form": form, **view})


# --- Threads ------------------------------------------------------------------------------------


@login_required
def thread_list(request):
    page = page_of(selectors.thread_list(user=request.user), per_page=PAGE_SIZE, page_number=request.GET.get("page"))
    return render(request, "trades/thread_list.html", {"page": page})


@login_required
def thread_detail(request, pk: int):
    thread = selectors.access_thread(user=request.user, pk=pk)
    services.thread_mark_read(thread_id=thread.pk, user=request.user)
    context = {**selectors.thread_context(thread=thread, user=request.user), "message_form": MessageForm()}
    return render(request, "trades/thread_detail.html", context)


@login_required
def thread_older(request, pk: int):
    """The page of messages before ?before=<message id>: htmx prepends it; without htmx, a page of its own."""
    thread = selectors.access_thread(user=request.user, pk=pk)
    before = request.GET.get("before", "")
    if not before.isdigit():
        return HttpResponseBadRequest("before must be a message id")
    older, has_older = selectors.thread_messages(thread=thread, before=int(before))
    context = {"thread": thread, "thread_messages": older, "has_older": has_older}
    if request.htmx:
        return render(request, "trades/partials/_thread_page.html", context)
    context = {**selectors.thread_context(thread=thread, user=request.user), **context, "message_form": MessageForm()}
    return render(request, "trades/thread_detail.html", context)


@login_required
@require_POST
def thread_message_post(request, pk: int):
    """htmx: answer with a fresh form (the message itself arrives over the socket); else redirect back."""
    thread = selectors.access_thread(user=request.user, pk=pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.message_send(thread=thread, sender=request.user, body=form.cleaned_data["body"])
        except DomainError as error:
            _form_error(form, error)
    status = 200 if form.is_bound and not form.errors else 422
    if request.htmx:
        if status == 200:
            form = MessageForm()
        context = {"thread": thread, "message_form": form, "next": request.POST.get("next", "")}
        return render(request, "trades/partials/_message_form.html", context, status=status)
    if status == 422:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "trades:thread_detail", **({} if target else {"pk": thread.pk}))


MATCHES_LIMIT = 20


@login_required
def matches(request):
    context = {
        "has_location": request.user.has_location,
        "matches": matches_for(user=request.user, limit=MATCHES_LIMIT),
    }
    return render(request, "trades/matching/matches.html", context)
