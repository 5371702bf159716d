"""Pages of the smart buylist: rules with preview, matches, quotes, store conversations, blocks, reports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.errors import DomainError

from .forms import BuylistRulesForm, QuoteSendForm, ReportForm, StoreMessageForm, add_domain_error
from .matches import access_store_thread, my_store_matches, quote_for, store_matches, threads_of
from .models import BuylistEntry, StoreBlock, StoreMessage
from .selectors import access_matching_store, access_store
from .services.buylist import buylist_preview, buylist_rules_save, rules_of, saved_card_rules
from .services.threads import match_message, message_report, quote_send, store_block, store_unblock, thread_reply
from .views import _dashboard


@never_cache
@login_required
def dashboard_buylist(request):
    store, context = _dashboard(request)
    rules = rules_of(store)
    form = BuylistRulesForm(request.POST or None, initial=BuylistRulesForm.initial_for(rules, saved_card_rules(store)))
    preview = None
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                if "preview" in request.POST:
                    count, rows = buylist_preview(store=store, data=form.service_data())
                    preview = {"count": count, "rows": rows}
                    status = 200
                else:
                    buylist_rules_save(store=store, data=form.service_data())
                    messages.success(request, "Buylist rules saved and the buylist recomputed.")
                    return redirect(reverse("stores:dashboard_buylist") + context["sq"])
            except DomainError as error:
                add_domain_error(form, error)
                status = 422
    if preview is None:
        entries = BuylistEntry.objects.filter(store=store).order_by("card_name", "card_id", "pk")
        # The count the last recompute stored (saved rules), not a COUNT(*) over every row.
        count = rules.entry_count if rules.pk and rules.computed_at else entries.count()
        preview = {"count": count, "rows": list(entries[:50]), "saved": True}
    context.update(form=form, preview=preview, rules=rules, section="buylist")
    return render(request, "stores/dashboard/buylist.html", context, status=status)


@never_cache
@login_required
def dashboard_matches(request):
    store = access_matching_store(user=request.user, pk=request.user.pk)
    context = {"store": store, "sq": "", "section": "matches", "matches": store_matches(store=store)}
    context["form"] = StoreMessageForm()
    return render(request, "stores/dashboard/matches.html", context)


@require_POST
@login_required
def dashboard_match_message(request, username: str):
    store = access_matching_store(user=request.user, pk=request.user.pk)
    form = StoreMessageForm(request.POST)
    if form.is_valid():
        try:
            thread = match_message(store=store, username=username, body=form.cleaned_data["body"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Message sent to {username}.")
            return redirect("stores:thread", pk=thread.pk)
    else:
        messages.error(request, "Write a message of at most 2,000 characters.")
    return redirect("stores:dashboard_matches")


@never_cache
@login_required
def store_quote(request, pk: int):
    store = access_store(user=request.user, pk=pk)
    form = QuoteSendForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                thread = quote_send(store=store, trader=request.user, body=form.cleaned_data["body"])
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Quote sent to {store.store_name}.")
                return redirect("stores:thread", pk=thread.pk)
    context = {"store": store, "quote": quote_for(store=store, user=request.user), "form": form}
    context["blocked"] = StoreBlock.objects.filter(trader=request.user, store=store).exists()
    return render(request, "stores/quote.html", context, status=status)


@never_cache
@login_required
def near_me(request):
    return render(request, "stores/near_me.html", {"found": my_store_matches(user=request.user)})


@never_cache
@login_required
def thread_list(request):
    return render(request, "stores/threads.html", {"threads": list(threads_of(user=request.user)[:100])})


@never_cache
@login_required
def thread_detail(request, pk: int):
    thread = access_store_thread(user=request.user, pk=pk)
    form = StoreMessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                thread_reply(thread=thread, user=request.user, body=form.cleaned_data["body"])
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return redirect("stores:thread", pk=thread.pk)
    is_trader = request.user.pk == thread.trader_id
    context = {
        "thread": thread,
        "thread_messages": list(thread.messages.select_related("sender")),
        "form": form,
        "is_trader": is_trader,
        "blocked": StoreBlock.objects.filter(trader=thread.trader, store=thread.store).exists(),
        "report_form": ReportForm(),
    }
    return render(request, "stores/thread.html", context, status=status)


@require_POST
@login_required
def message_report_view(request, pk: int, message_id: int):
    thread = access_store_thread(user=request.user, pk=pk)
    message = StoreMessage.objects.filter(pk=message_id, thread=thread).first()
    if message is None or request.user.pk != thread.trader_id:
        raise Http404("No such message.")
    form = ReportForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError("Say what is wrong with this message (at most 500 characters).")
        message_report(message=message, reporter=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Reported to staff. Thank you.")
    return redirect("stores:thread", pk=thread.pk)


@require_POST
@login_required
def block_store(request, pk: int):
    store = access_store(user=request.user, pk=pk)
    try:
        if request.POST.get("unblock"):
            store_unblock(trader=request.user, store=store)
            messages.success(request, f"{store.store_name} is unblocked.")
        else:
            store_block(trader=request.user, store=store)
            messages.success(
                request, f"{store.store_name} is blocked: it no longer sees you as a match or messages you."
            )
    except DomainError as error:
        messages.error(request, error.message)
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect("stores:detail", pk=store.pk)
