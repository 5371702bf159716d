"""Signal pages. Views parse, check access (selectors.access_signal), call one service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.selectors import profile_get
from core.errors import DomainError

from . import selectors, services
from .enums import LeaderboardPeriod
from .forms import SignalCreateForm, SignalEditForm
from .selectors import FilterError, SignalFilters
from .visibility import can_create_public_signal, can_create_signal, visibility_options

PER_PAGE = 25


def _row_urls() -> dict:
    """URL prefixes for rows (no {% url %} per row on list pages)."""
    return {
        "signal_url": reverse("signals:list"),
        "card_url": reverse("cards:search"),
        "profile_url": reverse("accounts:profile", args=["x"])[:-2],
    }


def _page_number(request) -> int:
    value = request.GET.get("page", "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _list_page(request, *, scope: str, template: str, title: str):
    error = None
    try:
        filters = selectors.parse_filters(request.GET)
    except FilterError as exc:
        filters, error = SignalFilters(), exc
    filters.scope = scope if scope != "all" else filters.scope
    page = selectors.signal_list_page(user=request.user, filters=filters, page=_page_number(request), per_page=PER_PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "filter_error": error,
        "title": title,
        "scope": scope,
        "query_string": query.urlencode(),
        "periods": LeaderboardPeriod.choices,
        **_row_urls(),
    }
    if request.htmx and request.htmx.target == "signal-results":
        template = "signals/partials/_results.html"
    return render(request, template, context, status=422 if error else 200)


def signal_list(request):
    return _list_page(request, scope="all", template="signals/list.html", title="Signals")


@login_required
def signal_mine(request):
    return _list_page(request, scope="mine", template="signals/list.html", title="My signals")


def signal_detail(request, pk: int):
    signal = selectors.access_signal_detail(user=request.user, pk=pk)
    context = selectors.signal_detail_context(user=request.user, signal=signal, now=timezone.now())
    return render(request, "signals/detail.html", {**context, **_row_urls()})


def _form_context(request, form, **extra) -> dict:
    return {
        "form": form,
        "can_create": can_create_signal(request.user),
        "can_public": can_create_public_signal(request.user),
        "visibility_options": visibility_options(request.user),
        **extra,
    }


@login_required
def signal_create(request):
    form = SignalCreateForm(request.POST or None, initial={"finish": "nonfoil", "visibility": "private"})
    status = 200
    if request.method == "POST" and not can_create_signal(request.user):
        status = 403
    elif request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                signal = services.signal_create(
                    creator=request.user,
                    card_id=data["card"],
                    finish=data["finish"],
                    action=data["action"],
                    target_price=data["target_price"],
                    target_date=data["target_date"],
                    rationale=data["rationale"],
                    visibility=data["visibility"],
                )
            except services.SignalInvalid as exc:
                form.apply_errors(exc.errors)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Your signal is published.")
                return redirect("signals:detail", pk=signal.pk)
        status = 422
    return render(request, "signals/form.html", _form_context(request, form, mode="create"), status=status)


@login_required
def signal_edit(request, pk: int):
    signal = selectors.access_signal(user=request.user, pk=pk)
    if signal.created_by_id != request.user.pk:
        raise PermissionDenied("Only the signal's creator can edit it.")
    initial = {
        "target_price": signal.target_price,
        "target_date": signal.target_date.date(),
        "rationale": signal.user_rationale,
        "visibility": signal.visibility,
    }
    form = SignalEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.signal_update(signal_id=signal.pk, actor=request.user, changes=form.cleaned_data)
            except services.SignalInvalid as exc:
                form.apply_errors(exc.errors)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Signal updated.")
                return redirect("signals:detail", pk=signal.pk)
        status = 422
    frozen = timezone.now() > signal.editable_until
    return render(
        request,
        "signals/form.html",
        _form_context(request, form, mode="edit", signal=signal, frozen=frozen),
        status=status,
    )


@login_required
@require_POST
def signal_close(request, pk: int):
    try:
        services.signal_close(signal_id=pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Signal closed and evaluated at today’s price.")
    return redirect("signals:detail", pk=pk)


@login_required
@require_POST
def signal_follow(request, pk: int):
    """One endpoint for the follow box: do=follow|unfollow|acted|not_acted. htmx swaps the box."""
    action = request.POST.get("do", "follow")
    error = None
    try:
        if action == "unfollow":
            services.signal_unfollow(signal_id=pk, user=request.user)
        else:
            acted = {"acted": True, "not_acted": False}.get(action)
            services.signal_follow(signal_id=pk, user=request.user, acted_on=acted)
    except DomainError as exc:
        error = exc.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("signals:detail", pk=pk)
    signal = selectors.access_signal_detail(user=request.user, pk=pk)
    context = selectors.signal_detail_context(user=request.user, signal=signal, now=timezone.now())
    return render(
        request, "signals/partials/_follow_box.html", {**context, "error": error}, status=422 if error else 200
    )


@login_required
@require_POST
def creator_follow(request, username: str):
    creator = profile_get(username=username)
    error = None
    try:
        if request.POST.get("do") == "unfollow":
            services.creator_unfollow(follower=request.user, username=creator.username)
        else:
            services.creator_follow(follower=request.user, username=creator.username)
    except DomainError as exc:
        error = exc.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(request.POST.get("next") or reverse("accounts:profile", args=[creator.username]))
    context = {
        "creator": creator,
        "follows_creator": selectors.is_following_creator(user=request.user, creator_id=creator.pk),
        "creator_followers": selectors.creator_follower_count(creator_id=creator.pk),
        "error": error,
    }
    return render(request, "signals/partials/_creator_follow.html", context, status=422 if error else 200)


def leaderboard(request):
    period = request.GET.get("period", LeaderboardPeriod.DAYS_30)
    status = 200
    if period not in LeaderboardPeriod.values:
        period, status = LeaderboardPeriod.DAYS_30, 422
    computed_at, rows = selectors.leaderboard(period=period)
    context = {
        "period": period,
        "periods": LeaderboardPeriod.choices,
        "computed_at": computed_at,
        "rows": rows,
        "bad_period": status == 422,
        **_row_urls(),
    }
    return render(request, "signals/leaderboard.html", context, status=status)
