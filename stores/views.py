"""Store pages: registration, finder, public store page, and the owner dashboard."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError

from .enums import SyncSource
from .filters import InventoryFilter
from .forms import (
    BulkActionForm,
    InventoryItemEditForm,
    MappingForm,
    MappingSampleForm,
    StoreForm,
    SyncSettingsForm,
    SyncUploadForm,
    add_domain_error,
)
from .geo import parse_near
from .selectors import (
    INVENTORY_ORDER,
    FinderFilters,
    access_dashboard_store,
    access_store,
    access_sync_run,
    active_sync_run,
    finder_card,
    hours_rows,
    inventory_dashboard_list,
    inventory_public_list,
    inventory_summary,
    parse_radius,
    shelf_page,
    store_is_open,
    store_of_user,
    stores_near,
    sync_runs_list,
    with_market_prices,
)
from .services.inventory import BULK_ACTIONS, inventory_bulk_action, inventory_item_update
from .services.profiles import store_register, store_update
from .services.syncs import SyncAlreadyRunning, sync_mapping_save, sync_run_start, sync_settings_update
from .sync.formats import FeedStructureError, open_feed
from .wants import wanted_card_ids, wanted_in_stock_counts

PAGE_SIZE = 50


# --- public ----------------------------------------------------------------------------------


def _card_param(params, name: str):
    """?stocks=<card id> / ?buys=<card id>: the card, or a 400 for anything else."""
    value = params.get(name, "")
    if not value:
        return None
    card = finder_card(card_id=int(value)) if value.isdigit() and len(value) < 19 else None
    if card is None:
        raise DomainError(f"No card has the id {value[:20]}.", field=name)
    return card


@require_GET
def finder(request):
    """Find stores by ZIP, lat,lng or the browser's location (which fills lat,lng)."""
    params = request.GET
    context = {"near": params.get("near", ""), "radius_km": params.get("radius_km", "40"), "results": None}
    flags = {name: params.get(name) == "on" for name in ("buylist", "trades", "events", "open_now", "my_wants")}
    context["flags"] = flags
    if context["near"]:
        try:
            lat, lng = parse_near(context["near"])
            radius = parse_radius(params.get("radius_km"))
            stocks, buys = _card_param(params, "stocks"), _card_param(params, "buys")
            filters = FinderFilters(
                buylist=flags["buylist"],
                trades=flags["trades"],
                events=flags["events"],
                open_now=flags["open_now"],
                stocks=stocks.pk if stocks else None,
                buys=buys.pk if buys else None,
            )
            context.update(stocks_card=stocks, buys_card=buys)
            results = stores_near(lat=lat, lng=lng, radius_km=radius, filters=filters)
            if request.user.is_authenticated:
                counts = wanted_in_stock_counts(user=request.user, store_ids=[entry.store.pk for entry in results])
                for entry in results:
                    entry.wanted_in_stock = counts.get(entry.store.pk, 0)
                if flags["my_wants"]:
                    results = [entry for entry in results if entry.wanted_in_stock]
            context["results"] = results
            context["store_base"] = reverse("stores:finder")
        except DomainError as error:
            context["error"] = error.message
            return render(request, "stores/finder.html", context, status=400)
    return render(request, "stores/finder.html", context)


@require_GET
def store_detail(request, pk: int):
    store = access_store(user=request.user, pk=pk)
    q = request.GET.get("q", "").strip()
    items = inventory_public_list(store=store, q=q)
    page = shelf_page(items, page_number=request.GET.get("page"), per_page=PAGE_SIZE)
    page.object_list = with_market_prices(page.object_list)
    wanted = wanted_card_ids(user=request.user) if request.user.is_authenticated else set()
    context = {
        "store": store,
        "open_now": store_is_open(hours=store.hours, tz_name=store.timezone),
        "hours": hours_rows(hours=store.hours),
        "page": page,
        "q": q,
        "wanted": wanted,
        "card_base": "/cards/",
        "is_manager": request.user.is_authenticated and (request.user.pk == store.pk or request.user.is_staff),
    }
    template = "stores/partials/_inventory_table.html" if request.htmx else "stores/detail.html"
    return render(request, template, context)


@never_cache
@login_required
def register(request):
    if store_of_user(user=request.user):
        return redirect("stores:dashboard")
    form = StoreForm(request.POST or None, initial={"timezone": "America/New_York"})
    if request.method == "POST" and form.is_valid():
        try:
            store_register(user=request.user, data=form.service_data())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Thanks! Your store is waiting for staff review; we will email you.")
            return redirect("stores:dashboard")
    status = 422 if request.method == "POST" else 200
    return render(request, "stores/register.html", {"form": form}, status=status)


# --- dashboard -------------------------------------------------------------------------------


def _dashboard(request):
    store = access_dashboard_store(user=request.user, store_param=request.GET.get("store"))
    suffix = f"?store={store.pk}" if request.user.pk != store.pk else ""
    return store, {"store": store, "sq": suffix, "sq_amp": suffix.replace("?", "&")}


@never_cache
@login_required
def dashboard(request):
    store, context = _dashboard(request)
    context.update(
        summary=inventory_summary(store=store),
        active_run=active_sync_run(store=store),
        runs=list(sync_runs_list(store=store)[:5]),
        open_now=store_is_open(hours=store.hours, tz_name=store.timezone),
        section="overview",
    )
    return render(request, "stores/dashboard/overview.html", context)


@never_cache
@login_required
def dashboard_profile(request):
    store, context = _dashboard(request)
    form = StoreForm(request.POST or None, initial=StoreForm.initial_for(store))
    if request.method == "POST" and form.is_valid():
        try:
            store = store_update(store=store, acting_user=request.user, data=form.service_data())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            note = " and sent back for review" if store.status == "pending" and store.pk == request.user.pk else ""
            messages.success(request, f"Store profile saved{note}.")
            return redirect(reverse("stores:dashboard_profile") + context["sq"])
    context.update(form=form, section="profile")
    return render(request, "stores/dashboard/profile.html", context, status=422 if request.method == "POST" else 200)


@never_cache
@login_required
def dashboard_inventory(request):
    store, context = _dashboard(request)
    # Always bound: the bare page (no filter) lists every item; an invalid filter lists none.
    filterset = InventoryFilter(request.GET, queryset=inventory_dashboard_list(store=store))
    items = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    if not request.GET.get("o"):
        items = items.order_by(*INVENTORY_ORDER)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_market_prices(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = request.GET.copy()
    sort_query.pop("o", None)
    sort_query.pop("page", None)
    context.update(
        filterset=filterset,
        page=page,
        query=query.urlencode(),
        sort_query=sort_query.urlencode(),
        current_sort=request.GET.get("o", ""),
        edit_base=reverse("stores:dashboard_inventory") + "items/",
        bulk_form=BulkActionForm(actions=BULK_ACTIONS),
        section="inventory",
        columns=[
            ("name", "Card"),
            ("set", "Set"),
            ("condition", "Condition"),
            (None, "Finish"),
            (None, "Language"),
            ("quantity", "Qty"),
            (None, "Market"),
            ("feed_price", "Feed price"),
            ("price", "Your price"),
            ("updated", "Updated"),
        ],
    )
    return render(request, "stores/dashboard/inventory.html", context)


@login_required
@require_POST
def dashboard_item_edit(request, item_id: int):
    """Inline edit of one row (htmx posts the row's inputs on change)."""
    store, context = _dashboard(request)
    form = InventoryItemEditForm(request.POST)
    if not form.is_valid():
        message = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        return HttpResponse(f'<span class="field-error" role="alert">{message}</span>', status=422)
    item = inventory_item_update(store=store, acting_user=request.user, item_id=item_id, **form.cleaned_data)
    if request.htmx:
        return HttpResponse(f'<span class="muted small" role="status">Saved ({item.quantity})</span>')
    messages.success(request, "Item saved.")
    return redirect(reverse("stores:dashboard_inventory") + context["sq"])


@login_required
@require_POST
def dashboard_bulk(request):
    store, context = _dashboard(request)
    form = BulkActionForm(request.POST, actions=BULK_ACTIONS)
    back = reverse("stores:dashboard_inventory") + context["sq"]
    if not form.is_valid():
        messages.error(request, "Choose an action.")
        return redirect(back)
    try:
        changed = inventory_bulk_action(
            store=store, acting_user=request.user, action=form.cleaned_data["action"], item_ids=form.item_ids()
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{BULK_ACTIONS[form.cleaned_data['action']]}: {changed} item(s).")
    return redirect(back)


def _sync_context(store, context, *, upload_form=None, settings_form=None):
    context.update(
        upload_form=upload_form or SyncUploadForm(initial={"provider": store.inventory_sync_provider or "tcgplayer"}),
        settings_form=settings_form
        or SyncSettingsForm(
            initial={
                "provider": store.inventory_sync_provider,
                "mode": store.sync_mode,
                "sync_url": store.sync_url,
                "sync_interval_minutes": store.sync_interval_minutes,
            }
        ),
        has_auth_header=bool(store.sync_auth_header),
        mapping=store.inventory_sync_config.get("csv_mapping"),
        active_run=active_sync_run(store=store),
        runs=Paginator(sync_runs_list(store=store), 20).get_page(None),
        section="sync",
    )
    return context


@never_cache
@login_required
def dashboard_sync(request):
    store, context = _dashboard(request)
    if request.method != "POST":
        return render(request, "stores/dashboard/sync.html", _sync_context(store, context))
    if "save_settings" in request.POST:
        form = SyncSettingsForm(request.POST)
        if form.is_valid():
            try:
                sync_settings_update(store=store, acting_user=request.user, **form.service_data())
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, "Sync settings saved.")
                return redirect(reverse("stores:dashboard_sync") + context["sq"])
        return render(
            request, "stores/dashboard/sync.html", _sync_context(store, context, settings_form=form), status=422
        )
    form = SyncUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            run = sync_run_start(
                store=store,
                acting_user=request.user,
                provider=form.cleaned_data["provider"],
                mode=form.cleaned_data["mode"],
                source=SyncSource.UPLOAD,
                uploaded_file=form.cleaned_data["file"],
            )
        except SyncAlreadyRunning as conflict:
            form.add_error(None, conflict.message)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect(reverse("stores:dashboard_sync_run", args=[run.pk]) + context["sq"])
    return render(request, "stores/dashboard/sync.html", _sync_context(store, context, upload_form=form), status=422)


@never_cache
@login_required
def dashboard_sync_run(request, run_id: int):
    store, context = _dashboard(request)
    run = access_sync_run(user=request.user, store_id=store.pk, run_id=run_id)
    context.update(run=run, section="sync")
    if request.htmx:
        return render(request, "stores/partials/_run_progress.html", context)
    return render(request, "stores/dashboard/run_detail.html", context)


@never_cache
@login_required
def dashboard_mapping(request):
    """Generic CSV: read a sample's header, let the owner pick a column for each field, save."""
    store, context = _dashboard(request)
    context["section"] = "sync"
    saved = store.inventory_sync_config.get("csv_mapping") or {}
    if request.method == "POST" and "columns" in request.POST:
        columns = [column for column in request.POST["columns"].split("\x1f") if column][:200]
        form = MappingForm(request.POST, columns=columns)
        if form.is_valid():
            try:
                sync_mapping_save(store=store, acting_user=request.user, mapping=form.mapping())
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "Column mapping saved. Upload your CSV with the format “Other CSV”.")
                return redirect(reverse("stores:dashboard_sync") + context["sq"])
        context.update(form=form)
        return render(request, "stores/dashboard/mapping.html", context, status=422)
    sample = MappingSampleForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and sample.is_valid():
        try:
            _, _, header = open_feed(sample.cleaned_data["file"])
        except FeedStructureError as error:
            sample.add_error("file", str(error))
        else:
            raw_columns = [column for column in header if column]
            context.update(form=MappingForm(columns=raw_columns, initial_mapping=saved))
            return render(request, "stores/dashboard/mapping.html", context)
    if saved and request.method != "POST":
        context.update(form=MappingForm(columns=sorted(set(saved.values())), initial_mapping=saved))
    context.update(sample_form=sample, saved=saved)
    return render(request, "stores/dashboard/mapping.html", context, status=422 if request.method == "POST" else 200)
