"""HTML views for have and want lists and imports. Thin: parse, check access, call one service."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from core.errors import DomainError, LimitReached, PayloadTooLarge
from core.files import private_file_response
from lists import selectors
from lists.enums import ImportRowOutcome, ImportStatus, ListKind
from lists.forms import (
    ListImportCommitForm,
    ListImportForm,
    ListImportMappingForm,
    ListItemAddForm,
    ListItemEditForm,
    ListSettingsForm,
)
from lists.importers.export import moxfield_rows
from lists.services import imports as import_services
from lists.services import items as services

ITEM_FIELDS = {
    ListKind.HAVE: ("quantity", "condition", "finish", "language", "note", "min_trade_value", "trade_for_wants_only"),
    ListKind.WANT: ("quantity", "condition", "finish", "language", "note", "max_price", "any_printing"),
}


def _kind(kind: str) -> str:
    if kind not in ListKind.values:
        raise Http404("No such list.")
    return kind


def _lists_url(kind: str) -> str:
    return f"{reverse('lists:lists')}?tab={kind}"


def _list_page(request, *, owner, kind: str) -> dict:
    """The panel's totals and page: ?page=, or a keyset link's ?after= / ?before= (a row id)."""
    totals = selectors.list_totals(owner=owner, kind=kind)
    page = selectors.list_items_page(
        owner=owner,
        kind=kind,
        page_number=request.GET.get("page"),
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        total=totals.items,
    )
    return {"kind": kind, "kind_label": ListKind(kind).label, "page": page, "totals": totals}


def _panel_context(request, *, kind: str, form=None) -> dict:
    return {
        **_list_page(request, owner=request.user, kind=kind),
        "form": form or ListItemAddForm(kind=kind, auto_id=f"{kind}-add-%s"),
        "is_owner": True,
    }


@login_required
def my_lists(request):
    kind = request.GET.get("tab", ListKind.HAVE)
    kind = kind if kind in ListKind.values else ListKind.HAVE
    context = _panel_context(request, kind=kind)
    settings_row = selectors.list_settings_of(user=request.user)
    context |= {
        "settings_form": ListSettingsForm(
            initial={"haves_public": settings_row.haves_public, "wants_public": settings_row.wants_public}
        ),
        "imports": selectors.list_imports_recent(owner=request.user, limit=5),
    }
    return render(request, "lists/my_lists.html", context)


@login_required
@require_POST
def item_add(request, kind: str):
    kind = _kind(kind)
    form = ListItemAddForm(request.POST, kind=kind, auto_id=f"{kind}-add-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            item = services.list_item_add(
                owner=request.user,
                kind=kind,
                card=data["card_object"],
                **{field: data[field] for field in ITEM_FIELDS[kind] if data.get(field) is not None},
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            if not request.htmx:
                messages.success(request, f"{item.card.name} is on your {ListKind(kind).label.lower()}.")
                return redirect(_lists_url(kind))
            return render(request, "lists/partials/_list_panel.html", _panel_context(request, kind=kind))
    context = _panel_context(request, kind=kind, form=form)
    template = "lists/partials/_list_panel.html" if request.htmx else "lists/item_add.html"
    return render(request, template, context, status=422)


@login_required
def item_edit(request, kind: str, pk: int):
    kind = _kind(kind)
    item = selectors.access_list_item(user=request.user, kind=kind, pk=pk)
    form = ListItemEditForm(
        request.POST or None,
        kind=kind,
        initial={field: getattr(item, field) for field in ITEM_FIELDS[kind]},
        auto_id=f"{kind}-{item.pk}-%s",
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                item = services.list_item_update(
                    owner=request.user,
                    kind=kind,
                    item_id=item.pk,
                    changes={field: form.cleaned_data[field] for field in ITEM_FIELDS[kind]},
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                if not request.htmx:
                    messages.success(request, f"Saved {item.card.name}.")
                    return redirect(_lists_url(kind))
                return _row_response(request, kind=kind, item=item, with_totals=True)
        status = 422
    template = "lists/partials/_row_edit.html" if request.htmx else "lists/item_edit.html"
    return render(request, template, {"kind": kind, "item": item, "form": form}, status=status)


def _row_response(request, *, kind: str, item, with_totals: bool = False) -> HttpResponse:
    selectors.attach_prices([item])
    context = {"kind": kind, "items": [item], "is_owner": True}
    if with_totals:
        context |= {"totals": selectors.list_totals(owner=request.user, kind=kind), "oob": True}
    return render(request, "lists/partials/_row_response.html", context)


@login_required
def item_row(request, kind: str, pk: int):
    """The read-only row again (the inline editor's Cancel)."""
    kind = _kind(kind)
    return _row_response(request, kind=kind, item=selectors.access_list_item(user=request.user, kind=kind, pk=pk))


@login_required
@require_POST
def item_remove(request, kind: str, pk: int):
    kind = _kind(kind)
    item = selectors.access_list_item(user=request.user, kind=kind, pk=pk)
    try:
        services.list_item_remove(owner=request.user, kind=kind, item_id=item.pk)
    except DomainError as error:
        if request.htmx:
            # The row stays; say why where the trader is looking (htmx swaps 4xx bodies only when told to).
            response = HttpResponse(error.message, status=409, content_type="text/plain; charset=utf-8")
            response["HX-Trigger"] = json.dumps({"bazaar:refused": {"message": error.message}})
            return response
        messages.error(request, error.message)
        return redirect(_lists_url(kind))
    if request.htmx:
        totals = selectors.list_totals(owner=request.user, kind=kind)
        return render(request, "lists/partials/_totals.html", {"kind": kind, "totals": totals, "oob": True})
    messages.success(request, f"Removed {item.card.name}.")
    return redirect(_lists_url(kind))


@login_required
@require_POST
def settings_update(request):
    form = ListSettingsForm(request.POST)
    form.is_valid()  # two checkboxes: always valid
    services.list_settings_update(
        user=request.user,
        haves_public=form.cleaned_data["haves_public"],
        wants_public=form.cleaned_data["wants_public"],
    )
    messages.success(request, "List visibility saved.")
    tab = request.POST.get("tab")
    return redirect(_lists_url(tab if tab in ListKind.values else ListKind.HAVE))


@login_required
def export_csv(request, kind: str):
    kind = _kind(kind)
    rows = selectors.list_export_rows(owner=request.user, kind=kind)
    response = StreamingHttpResponse(moxfield_rows(rows, is_have_list=kind == ListKind.HAVE), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="bazaar-{kind}-list.csv"'
    return response


@require_safe
def public_lists(request, username: str):
    owner, kinds = selectors.public_lists_owner(viewer=request.user, username=username)
    kind = request.GET.get("tab", kinds[0])
    if kind not in ListKind.values:
        kind = kinds[0]
    if kind not in kinds:
        raise Http404("This list is private.")
    context = {
        **_list_page(request, owner=owner, kind=kind),
        "owner": owner,
        "kinds": [(value, ListKind(value).label) for value in kinds],
        "is_owner": request.user.is_authenticated and request.user.pk == owner.pk,
    }
    return render(request, "lists/public.html", context)


# Multipart framing and the small fields around the file; anything bigger is refused unread.
UPLOAD_BODY_OVERHEAD = 64 * 1024


def _declared_body_size(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _start_options(data) -> dict:
    return {
        "kind": data["kind"],
        "replace_existing": data["replace_existing"],
        "whole_collection": data["whole_collection"],
    }


@login_required
def import_upload(request):
    initial = {"kind": request.GET.get("kind", "have")}
    if (
        request.method == "POST"
        and _declared_body_size(request) > settings.LIST_IMPORT_MAX_BYTES + UPLOAD_BODY_OVERHEAD
    ):
        # Refuse before reading the body: the caps below would only see it once stored.
        form = ListImportForm({"kind": initial["kind"]})  # the body is not read, so only the kind
        form.full_clean()
        form.errors["file"] = form.error_class([import_services.too_large_message()])
        return render(request, "lists/import_upload.html", {"form": form}, status=413)
    if request.method == "POST" and "held" in request.POST:
        return _import_mapping(request)
    form = ListImportForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            list_import = import_services.list_import_start(
                owner=request.user, uploaded_file=data["file"], file_format=data["format"], **_start_options(data)
            )
        except import_services.UnknownHeaderError as error:
            token, columns = import_services.list_import_hold(owner=request.user, uploaded_file=data["file"])
            mapping_form = ListImportMappingForm(columns=columns, initial={"held": token, **_start_options(data)})
            context = {"form": mapping_form, "columns": columns, "message": error.message}
            return render(request, "lists/import_mapping.html", context)
        except (PayloadTooLarge, LimitReached, import_services.TooManyRows) as error:
            form.add_error("file", error.message)
            status = error.status_code  # 413 / 409 / 400: the caps answer as themselves
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("lists:list_import", pk=list_import.pk)
    if form.errors and status == 200:
        status = 422
    return render(request, "lists/import_upload.html", {"form": form}, status=status)


def _import_mapping(request):
    """The column-mapping step: the upload is held; the trader says which column holds what."""
    columns = [column for column in request.POST.getlist("columns") if column][:200]
    form = ListImportMappingForm(request.POST, columns=columns)
    if form.is_valid():
        try:
            list_import = import_services.list_import_start_held(
                owner=request.user,
                token=form.cleaned_data["held"],
                mapping=form.mapping(),
                **_start_options(form.cleaned_data),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("lists:list_import", pk=list_import.pk)
    return render(request, "lists/import_mapping.html", {"form": form, "columns": columns}, status=422)


@login_required
def import_file(request, pk: int):
    """The uploaded file, to its owner only, while the import keeps it."""
    list_import = selectors.access_list_import(user=request.user, pk=pk)
    return private_file_response(list_import.file, filename=list_import.original_filename, content_type="text/csv")


IMPORT_TABS = [
    (ImportRowOutcome.MATCHED, "Matched", "matched_rows"),
    (ImportRowOutcome.UNMATCHED, "Unmatched", "unmatched_rows"),
    (ImportRowOutcome.ERROR, "Errors", "error_rows"),
    (ImportRowOutcome.NOT_FOR_TRADE, "Not for trade", "not_for_trade_rows"),
]


@login_required
def import_detail(request, pk: int):
    list_import = selectors.access_list_import(user=request.user, pk=pk)
    is_working = list_import.status in (ImportStatus.PARSING, ImportStatus.COMMITTING)
    tabs = [(value, label, getattr(list_import, counter)) for value, label, counter in IMPORT_TABS]
    outcome = request.GET.get("outcome")
    if outcome not in ImportRowOutcome.values:
        outcome = next((value for value, _label, count in tabs if count), ImportRowOutcome.MATCHED)
    context = {
        "list_import": list_import,
        "commit_form": ListImportCommitForm(initial={"replace_existing": list_import.replace_existing}),
        "is_working": is_working,
        "tabs": tabs,
        "outcome": outcome,
        "rows_page": None
        if is_working or list_import.status == ImportStatus.DISCARDED
        else selectors.list_import_rows_page(
            list_import=list_import, outcome=outcome, page_number=request.GET.get("page")
        ),
    }
    template = "lists/partials/_import_status.html" if request.htmx else "lists/import_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def import_commit(request, pk: int):
    list_import = selectors.access_list_import(user=request.user, pk=pk)
    form = ListImportCommitForm(request.POST)
    form.is_valid()
    try:
        import_services.list_import_request_commit(
            owner=request.user, list_import_id=list_import.pk, replace_existing=form.cleaned_data["replace_existing"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("lists:list_import", pk=list_import.pk)


@login_required
@require_POST
def import_discard(request, pk: int):
    list_import = selectors.access_list_import(user=request.user, pk=pk)
    try:
        import_services.list_import_discard(owner=request.user, list_import_id=list_import.pk)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("lists:list_import", pk=list_import.pk)
    messages.success(request, "Import discarded; your list is unchanged.")
    return redirect(_lists_url(list_import.kind))
