"""Reads for have and want lists: access checks, pages with prices, totals, public lists, export."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.http import Http404

from accounts.models import User
from cards.models import Card
from cards.selectors import PRICES_VERSION_KEY, Page, card_prices_current, prices_version
from core.money import DEFAULT_CURRENCY, quantize_money
from core.pagination import page_number_from, page_of
from lists.enums import CONDITION_ORDER, ImportStatus, ListKind
from lists.models import HaveItem, ListImport, ListImportRow, ListSettings, WantItem

LIST_PAGE_SIZE = 50


@dataclass(frozen=True)
class ListTotals:
    items: int
    copies: int
    value: Decimal
    currency: str
    unpriced: int


def list_model(kind: str) -> type[HaveItem] | type[WantItem]:
    if kind == ListKind.HAVE:
        return HaveItem
    if kind == ListKind.WANT:
        return WantItem
    raise Http404("No such list.")


def access_list_item(*, user, kind: str, pk: int) -> HaveItem | WantItem:
    """One item of the user's own list; anyone else's (public or not) is a 404 for writing."""
    item = list_model(kind).objects.select_related("card").filter(pk=pk, owner_id=user.pk).first()
    if item is None:
        raise Http404("No such item.")
    return item


def access_list_import(*, user, pk: int) -> ListImport:
    list_import = ListImport.objects.filter(pk=pk, owner_id=user.pk).first()
    if list_import is None:
        raise Http404("No such import.")
    return list_import


def list_items_for(*, kind: str, owner=None, owner_ids=None, card_ids=None) -> QuerySet:
    """Rows of one kind of list, for other apps' reads (matching, proposals).

    `owner` is a user or an expression such as OuterRef("pk"); `owner_ids` any iterable of ids;
    `card_ids`, when given, keeps only those cards. Unordered: the caller orders what it shows.
    """
    items = list_model(kind).objects.all()
    if owner is not None:
        items = items.filter(owner=owner)
    if owner_ids is not None:
        items = items.filter(owner_id__in=list(owner_ids))
    if card_ids is not None:
        items = items.filter(card_id__in=list(card_ids))
    return items


def have_items_by_id(*, ids) -> dict[int, HaveItem]:
    """Have rows by id with their cards (a proposal names the rows it offers and asks for)."""
    return HaveItem.objects.select_related("card").in_bulk(list(ids))


def lists_visible_to(*, viewer, owner_ids) -> dict[int, set[str]]:
    """{owner id: the kinds of list `viewer` may see} in one query (no settings row: both public).

    The one rule every surface asks: a private list is seen by its owner alone.
    """
    owner_ids = set(owner_ids)
    visible = {owner_id: {ListKind.HAVE, ListKind.WANT} for owner_id in owner_ids}
    for user_id, haves_public, wants_public in ListSettings.objects.filter(user_id__in=owner_ids).values_list(
        "user_id", "haves_public", "wants_public"
    ):
        visible[user_id] = {
            kind for kind, public in ((ListKind.HAVE, haves_public), (ListKind.WANT, wants_public)) if public
        }
    viewer_id = getattr(viewer, "pk", None)
    if viewer_id in visible:
        visible[viewer_id] = {ListKind.HAVE, ListKind.WANT}
    return visible


def private_list_owner_ids(*, kind: str) -> QuerySet:
    """Ids of users whose `kind` list is private, for excluding them in other apps' queries."""
    field = "haves_public" if kind == ListKind.HAVE else "wants_public"
    return ListSettings.objects.filter(**{field: False}).values("user_id")


def condition_satisfies(have_condition: str, want_condition: str) -> bool:
    """A want names the worst condition accepted: 'LP' accepts NM and LP."""
    return CONDITION_ORDER.index(have_condition) <= CONDITION_ORDER.index(want_condition)


ACCEPTS_CARD = "accepts_card_{}"


def wants_filled_by(*, owner_id: int, printings) -> QuerySet:
    """The owner's wants that copies of these printings could fill, in id order (one query).

    `printings` are objects with card_id, condition, finish and language. A specific want
    takes its own printing; an any-printing want takes every printing of its card (same oracle
    id). Each row carries, for each of the given cards, whether it is of the want's card
    (`accepts_card_<id>`): `want_accepts` reads it. The oracle ids are compared in subqueries,
    never through a join, so the caller may lock the rows (`select_for_update`) without
    locking cards.
    """
    printings = list(printings)
    card_ids = sorted({printing.card_id for printing in printings})
    want_oracle = Subquery(Card.objects.filter(pk=OuterRef("card_id")).values("oracle_id")[:1])
    accepts = {
        ACCEPTS_CARD.format(card_id): Exists(
            Card.objects.filter(pk=card_id, oracle_id__isnull=False, oracle_id=OuterRef("want_oracle"))
        )
        for card_id in card_ids
    }
    match = Q(pk__in=[])
    for printing in printings:
        same = Q(finish=printing.finish, language=printing.language)
        match |= same & (
            Q(card_id=printing.card_id) | Q(any_printing=True, **{ACCEPTS_CARD.format(printing.card_id): True})
        )
    return (
        WantItem.objects.filter(owner_id=owner_id)
        .annotate(want_oracle=want_oracle, **accepts)
        .filter(match)
        .order_by("pk")
    )


def want_accepts(want, printing) -> bool:
    """Same finish and language, in a condition at least as good as the want's worst, and the
    same card: the want's own printing, or for an any-printing want any printing of that card.

    Rows from `wants_filled_by` say which cards share the want's oracle id (`accepts_card_<id>`);
    rows that carry `oracle_id` themselves (matching's value rows) compare it directly.
    """
    if not (
        want.finish == printing.finish
        and want.language == printing.language
        and condition_satisfies(printing.condition, want.condition)
    ):
        return False
    if want.card_id == printing.card_id:
        return True
    if not want.any_printing:
        return False
    oracle_id = getattr(want, "oracle_id", None)
    if oracle_id is not None and oracle_id == getattr(printing, "oracle_id", None):
        return True
    return bool(getattr(want, ACCEPTS_CARD.format(printing.card_id), False))


def list_items_queryset(*, owner, kind: str) -> QuerySet:
    """The list in page order: card name (a column of the row, kept by triggers), set, id."""
    return list_model(kind).objects.filter(owner=owner).select_related("card").order_by(*LIST_ORDER)


LIST_ORDER = ("card_name", "card__set_code", "pk")


@dataclass(frozen=True)
class ListPage(Page):
    """One page of a list (`items`, `number`, `has_next` as search's pages). Pages link by keyset
    (`after`/`before` a row id): no COUNT(*) and no OFFSET; `num_pages` comes from the list's
    cached totals."""

    num_pages: int = 1

    @property
    def object_list(self) -> list:
        return self.items

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def after(self) -> int | None:
        return self.items[-1].pk if self.items else None

    @property
    def before(self) -> int | None:
        return self.items[0].pk if self.items else None


def _keyset_anchor(*, owner, kind: str, raw) -> tuple[str, str, int]:
    """(card name, set code, id) of the row a page link starts from; a row not on this list is a 404."""
    text = str(raw).strip()
    if not text.isdigit() or len(text) > 18:
        raise Http404("No such page.")
    anchor = (
        list_model(kind)
        .objects.filter(owner=owner, pk=int(text))
        .values_list("card_name", "card__set_code", "pk")
        .first()
    )
    if anchor is None:
        raise Http404("No such page.")
    return anchor


def _past(anchor: tuple[str, str, int], *, forward: bool) -> Q:
    """Rows after (or before) the anchor in LIST_ORDER, as an index range on (owner, card_name)."""
    name, set_code, pk = anchor
    gt = "gt" if forward else "lt"
    return Q(**{f"card_name__{gt}e": name}) & (
        Q(**{f"card_name__{gt}": name})
        | Q(card_name=name, **{f"card__set_code__{gt}": set_code})
        | Q(card_name=name, card__set_code=set_code, **{f"pk__{gt}": pk})
    )


def list_items_page(
    *, owner, kind: str, page_number=None, after=None, before=None, total: int | None = None
) -> ListPage:
    """One page of a list with each row's current unit price and line value attached.

    Two queries for any page and any list length: the rows (a range of the owner's name index,
    card joined) and their prices; a page link's row adds one lookup by id. `total` (the
    list's row count, from its cached totals) gives the page count; `?page=` alone (typed or
    bookmarked) is served by OFFSET, a page past the end showing the last one.
    """
    total = list_totals(owner=owner, kind=kind).items if total is None else total
    num_pages = max(1, -(-total // LIST_PAGE_SIZE))
    number = min(page_number_from(page_number), num_pages)
    rows = list_items_queryset(owner=owner, kind=kind)
    if after not in (None, ""):
        anchor = _keyset_anchor(owner=owner, kind=kind, raw=after)
        found = list(rows.filter(_past(anchor, forward=True))[: LIST_PAGE_SIZE + 1])
        items, has_next = found[:LIST_PAGE_SIZE], len(found) > LIST_PAGE_SIZE
        number = max(2, number)
    elif before not in (None, ""):
        anchor = _keyset_anchor(owner=owner, kind=kind, raw=before)
        found = list(rows.reverse().filter(_past(anchor, forward=False))[: LIST_PAGE_SIZE + 1])
        items, has_next = found[:LIST_PAGE_SIZE][::-1], True
        number = max(2, number) if len(found) > LIST_PAGE_SIZE else 1  # page 1 is the one with nothing before
    else:
        start = (number - 1) * LIST_PAGE_SIZE
        found = list(rows[start : start + LIST_PAGE_SIZE + 1])
        items, has_next = found[:LIST_PAGE_SIZE], len(found) > LIST_PAGE_SIZE
    attach_prices(items)
    return ListPage(items=items, number=number, has_next=has_next, num_pages=max(num_pages, number))


def attach_prices(items) -> None:
    prices = card_prices_current(card_ids={item.card_id for item in items})
    for item in items:
        price = prices.get((item.card_id, item.finish))
        item.unit_price = price.price if price else None
        item.currency = price.currency if price else DEFAULT_CURRENCY
        item.line_value = quantize_money(price.price * item.quantity) if price else None


def list_version_key(*, owner_id: int, kind: str) -> str:
    return f"lists:version:{kind}:{owner_id}"


def _totals_key(*, owner_id: int, kind: str) -> str:
    return f"lists:totals:{kind}:{owner_id}"


# A backstop only: totals are recomputed after every list change and every price import.
TOTALS_CACHE_SECONDS = 24 * 60 * 60


def list_totals(*, owner, kind: str) -> ListTotals:
    """Rows, copies and value at current prices of the whole list.

    Cached until the list changes (lists.services.changes) or prices are imported
    (cards.services.prices_imported); one cache round trip when cached, else one indexed
    aggregate (the owner's rows joined to their current price).
    """
    list_key, totals_key = list_version_key(owner_id=owner.pk, kind=kind), _totals_key(owner_id=owner.pk, kind=kind)
    found = cache.get_many([PRICES_VERSION_KEY, list_key, totals_key])
    prices, version = found.get(PRICES_VERSION_KEY), found.get(list_key)
    if prices is None:
        prices = prices_version()
    if version is None:
        cache.add(list_key, uuid.uuid4().hex, None)
        version = cache.get(list_key)
    stored = found.get(totals_key)
    if stored is not None and stored[0] == (prices, version):
        return stored[1]
    totals = _list_totals_query(owner=owner, kind=kind)
    cache.set(totals_key, ((prices, version), totals), TOTALS_CACHE_SECONDS)
    return totals


def _list_totals_query(*, owner, kind: str) -> ListTotals:
    """One aggregate over the owner's rows joined once to their current price (no per-row subquery)."""
    current = FilteredRelation("card__current_prices", condition=Q(card__current_prices__finish=F("finish")))
    row = (
        list_model(kind)
        .objects.filter(owner=owner)
        .annotate(current=current)
        .aggregate(
            items=Count("pk"),
            copies=Sum("quantity"),
            value=Sum(
                ExpressionWrapper(
                    F("quantity") * F("current__price"), output_field=DecimalField(max_digits=14, decimal_places=2)
                )
            ),
            unpriced=Count("pk", filter=Q(current__price__isnull=True)),
        )
    )
    return ListTotals(
        items=row["items"] or 0,
        copies=row["copies"] or 0,
        value=quantize_money(row["value"] or 0),
        currency=DEFAULT_CURRENCY,
        unpriced=row["unpriced"] or 0,
    )


def list_settings_of(*, user) -> ListSettings:
    """Saved visibility, or the defaults (both public) for users who never changed it."""
    return ListSettings.objects.filter(user_id=user.pk).first() or ListSettings(user=user)


def public_lists_owner(*, viewer, username: str) -> tuple[User, list[str]]:
    """The trader and the kinds of list the viewer may see; 404 when there is none.

    The owner sees both; anyone else only the public ones, so a private list is a 404,
    exactly as if it did not exist.
    """
    owner = User.objects.select_related("reputation", "list_settings").filter(username=username, is_active=True).first()
    if owner is None:
        raise Http404("No such trader.")
    if viewer.is_authenticated and viewer.pk == owner.pk:
        return owner, [ListKind.HAVE, ListKind.WANT]
    settings_row = getattr(owner, "list_settings", None) or ListSettings(user=owner)
    kinds = [
        kind
        for kind, public in ((ListKind.HAVE, settings_row.haves_public), (ListKind.WANT, settings_row.wants_public))
        if public
    ]
    if not kinds:
        raise Http404("This trader's lists are private.")
    return owner, kinds


def access_public_list(*, viewer, username: str, kind: str) -> User:
    owner, kinds = public_lists_owner(viewer=viewer, username=username)
    if kind not in kinds:
        raise Http404("This list is private.")
    return owner


def list_imports_recent(*, owner, limit: int = 10) -> list[ListImport]:
    return list(
        ListImport.objects.filter(owner=owner).exclude(status=ImportStatus.DISCARDED).order_by("-created_at")[:limit]
    )


def list_imports_of(*, owner) -> QuerySet[ListImport]:
    """The trader's imports, newest first (the API pages them)."""
    return ListImport.objects.filter(owner=owner).order_by("-created_at", "-pk")


IMPORT_ROWS_PER_PAGE = 100


def list_import_rows(*, list_import: ListImport, outcome: str | None = None) -> QuerySet[ListImportRow]:
    """Rows of one import in file order, with the matched printing's name (one query per page)."""
    rows = ListImportRow.objects.filter(list_import=list_import).select_related("card").order_by("row")
    if outcome:
        rows = rows.filter(outcome=outcome)
    return rows


def list_import_rows_page(*, list_import: ListImport, outcome: str, page_number) -> Page:
    return page_of(
        list_import_rows(list_import=list_import, outcome=outcome),
        per_page=IMPORT_ROWS_PER_PAGE,
        page_number=page_number,
    )


def list_export_rows(*, owner, kind: str):
    """Every row of the list for CSV export, streamed in chunks (constant memory)."""
    return list_items_queryset(owner=owner, kind=kind).iterator(chunk_size=2000)


def profile_panel(*, profile_user, viewer) -> dict | None:
    """The trader's visible lists on their public profile, with a way to propose a trade. One query."""

    def count_of(model):
        return Subquery(
            model.objects.filter(owner=OuterRef("pk")).order_by().values("owner").annotate(n=Count("pk")).values("n")
        )

    row = (
        User.objects.filter(pk=profile_user.pk)
        .annotate(have_count=count_of(HaveItem), want_count=count_of(WantItem))
        .values("have_count", "want_count", "list_settings__haves_public", "list_settings__wants_public")
        .get()
    )
    is_owner = viewer.is_authenticated and viewer.pk == profile_user.pk
    # No ListSettings row means the defaults: both lists public.
    haves_visible = is_owner or row["list_settings__haves_public"] is not False
    wants_visible = is_owner or row["list_settings__wants_public"] is not False
    if not (haves_visible or wants_visible):
        return None
    return {
        "template": "lists/partials/_profile_panel.html",
        "have_count": (row["have_count"] or 0) if haves_visible else None,
        "want_count": (row["want_count"] or 0) if wants_visible else None,
        "can_propose": viewer.is_authenticated and not is_owner,
    }
