"""Writes to have and want lists: add, edit, remove, bulk upsert, list visibility."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.http import Http404

from cards.models import Card
from core.errors import DomainError
from lists.enums import Condition, ListKind
from lists.models import HaveItem, ListSettings, WantItem
from lists.selectors import list_model

from .changes import list_changed_on_commit
from .reservations import ReservedCopies, check_not_below_reserved

MAX_QUANTITY = 9999
PRINTING_FIELDS = ("card", "condition", "finish", "language")
# Fields a caller may set per kind, besides the printing and the quantity.
KIND_FIELDS = {
    ListKind.HAVE: ("note", "min_trade_value", "trade_for_wants_only"),
    ListKind.WANT: ("note", "max_price", "any_printing"),
}
DEFAULT_CONDITION = {ListKind.HAVE: Condition.NEAR_MINT, ListKind.WANT: Condition.LIGHTLY_PLAYED}


def _check_finish(card: Card, finish: str, *, field: str = "finish") -> None:
    """A printing only exists in the finishes Scryfall lists for it (empty list: unknown, allow)."""
    if card.finishes and finish not in card.finishes:
        raise DomainError(f"{card.name} ({card.set_code.upper()}) is not printed in {finish}.", field=field)


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise DomainError(f"Quantity must be between 1 and {MAX_QUANTITY}.", field="quantity")


def _check_money(value: Decimal | None, field: str) -> None:
    if value is not None and value < 0:
        raise DomainError("Amounts cannot be negative.", field=field)


@transaction.atomic
def list_item_add(
    *,
    owner,
    kind: str,
    card: Card,
    quantity: int = 1,
    condition: str | None = None,
    finish: str = "nonfoil",
    language: str = "en",
    note: str = "",
    max_price: Decimal | None = None,
    min_trade_value: Decimal | None = None,
    trade_for_wants_only: bool = False,
    any_printing: bool = False,
) -> HaveItem | WantItem:
    """Add copies of a printing; the same printing added again adds to the existing row.

    Merging (rather than refusing) keeps quick entry quick: typing the same card twice
    means "two more", and the unique printing constraint stays the single source of truth.
    """
    model = list_model(kind)
    condition = condition or DEFAULT_CONDITION[kind]
    _check_finish(card, finish)
    _check_quantity(quantity)
    extra = {"note": note}
    if kind == ListKind.HAVE:
        _check_money(min_trade_value, "min_trade_value")
        extra |= {"min_trade_value": min_trade_value, "trade_for_wants_only": trade_for_wants_only}
    else:
        _check_money(max_price, "max_price")
        extra |= {"max_price": max_price, "any_printing": any_printing}
    existing = (
        model.objects.select_for_update()
        .filter(owner=owner, card=card, condition=condition, finish=finish, language=language)
        .first()
    )
    list_changed_on_commit(owner_id=owner.pk, kind=kind)
    if existing is None:
        return model.objects.create(
            owner=owner, card=card, condition=condition, finish=finish, language=language, quantity=quantity, **extra
        )
    existing.quantity = min(MAX_QUANTITY, existing.quantity + quantity)
    changed = ["quantity", "updated_at"]
    for field, value in extra.items():
        if value not in (None, "", False):
            setattr(existing, field, value)
            changed.append(field)
    existing.save(update_fields=changed)
    return existing


@transaction.atomic
def list_item_update(*, owner, kind: str, item_id: int, changes: dict) -> HaveItem | WantItem:
    """Edit one row in place. Moving it onto a printing the list already has is refused."""
    model = list_model(kind)
    item = model.objects.select_for_update().select_related("card").filter(pk=item_id, owner=owner).first()
    if item is None:
        raise Http404("No such item.")
    allowed = {"quantity", "condition", "finish", "language", *KIND_FIELDS[kind]}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(f"Cannot change {', '.join(sorted(unknown))}.")
    if kind == ListKind.HAVE:
        printing_changed = any(
            field in changes and changes[field] != getattr(item, field) for field in ("condition", "finish", "language")
        )
        check_not_below_reserved(item=item, quantity=changes.get("quantity"), printing_changed=printing_changed)
    for field, value in changes.items():
        setattr(item, field, value)
    _check_quantity(item.quantity)
    _check_finish(item.card, item.finish)
    for money_field in ("min_trade_value", "max_price"):
        if money_field in changes:
            _check_money(changes[money_field], money_field)
    clash = (
        model.objects.filter(
            owner=owner, card_id=item.card_id, condition=item.condition, finish=item.finish, language=item.language
        )
        .exclude(pk=item.pk)
        .exists()
    )
    if clash:
        raise DomainError(
            "Your list already has this card in that condition, finish and language; change that row instead.",
            field="condition",
        )
    item.save(update_fields=[*changes, "updated_at"])
    list_changed_on_commit(owner_id=owner.pk, kind=kind)
    return item


@transaction.atomic
def list_item_remove(*, owner, kind: str, item_id: int) -> None:
    """Remove a row; a have with copies promised in agreed trades stays (ReservedCopies)."""
    item = (
        list_model(kind)
        .objects.select_for_update(of=("self",))
        .select_related("card")
        .filter(pk=item_id, owner=owner)
        .first()
    )
    if item is None:
        raise Http404("No such item.")
    if kind == ListKind.HAVE and item.reserved:
        raise ReservedCopies(
            f"{item.reserved} × {item.card.name} are promised in agreed trades; "
            "it can be removed once those trades complete or are cancelled."
        )
    item.delete()
    list_changed_on_commit(owner_id=owner.pk, kind=kind)


def _merged_by_printing(kind: str, items: Iterable[dict]) -> dict[tuple, dict]:
    """One entry per printing (card, condition, finish, language), duplicates' quantities summed."""
    merged: dict[tuple, dict] = {}
    for item in items:
        key = (
            int(item["card_id"]),
            item.get("condition") or DEFAULT_CONDITION[kind],
            item.get("finish") or "nonfoil",
            item.get("language") or "en",
        )
        if key in merged:
            merged[key]["quantity"] = min(MAX_QUANTITY, merged[key]["quantity"] + int(item["quantity"]))
        else:
            merged[key] = {**item, "quantity": min(MAX_QUANTITY, int(item["quantity"]))}
    return merged


def list_items_check_reservations(*, owner, kind: str, items: Iterable[dict], replace: bool) -> None:
    """Refuse (ReservedCopies) now an upload that would break promised copies; the write checks again."""
    if kind == ListKind.HAVE:
        _check_reservations_kept(owner=owner, merged=_merged_by_printing(kind, items), replace=replace)


def _check_reservations_kept(*, owner, merged: dict[tuple, dict], replace: bool) -> None:
    """Lock the have rows an upsert rewrites (by id) and refuse if one would fall below its reserved copies.

    With `replace`, every row of the list is rewritten or removed; otherwise only the printings
    in the upload. Locking them first (the upsert would lock them anyway) means an accept
    racing this upload either commits before (and is seen here) or waits until after.
    """
    rows = HaveItem.objects.select_for_update(of=("self",)).select_related("card").filter(owner=owner)
    if not replace:
        rows = rows.filter(card_id__in={key[0] for key in merged})
    for row in rows.order_by("pk"):
        if not row.reserved:
            continue
        entry = merged.get((row.card_id, row.condition, row.finish, row.language))
        if entry is None and not replace:
            continue
        quantity = entry["quantity"] if entry else 0
        if quantity < row.reserved:
            raise ReservedCopies(
                f"{row.reserved} × {row.card.name} ({row.get_condition_display()}, {row.get_finish_display()}, "
                f"{row.get_language_display()}) are promised in agreed trades; this would leave "
                f"{quantity}. Nothing was saved.",
                field="items",
            )


@transaction.atomic
def list_items_upsert(
    *, owner, kind: str, items: Iterable[dict], replace: bool = False, update_fields: Iterable[str] = ("quantity",)
) -> int:
    """Write many rows at once, all or nothing: one row per printing (duplicates summed).

    `items` are dicts with card_id, quantity and optionally condition/finish/language and the
    kind's own fields. Existing rows for the same printing get the given `update_fields`
    (the quantity is set, not added: an upload describes the list as it is). With `replace`,
    the owner's rows not in `items` are removed first. Returns the number of printings written.
    """
    model = list_model(kind)
    update_fields = list(update_fields)
    if replace:
        # Replacing describes the whole row: fields the upload leaves out go back to their defaults.
        update_fields = list(dict.fromkeys([*update_fields, "note", *KIND_FIELDS[kind]]))
    merged = _merged_by_printing(kind, items)
    if kind == ListKind.HAVE:
        _check_reservations_kept(owner=owner, merged=merged, replace=replace)
    if replace:
        # Remove only what the upload leaves out: rewritten rows keep their ids and reservations.
        stale = [
            pk
            for pk, *key in model.objects.filter(owner=owner).values_list(
                "pk", "card_id", "condition", "finish", "language"
            )
            if tuple(key) not in merged
        ]
        model.objects.filter(pk__in=stale).delete()
    extra_fields = list(KIND_FIELDS[kind])
    objects = []
    for (card_id, condition, finish, language), item in merged.items():
        objects.append(
            model(
                owner=owner,
                card_id=card_id,
                condition=condition,
                finish=finish,
                language=language,
                quantity=item["quantity"],
                **{field: item[field] for field in extra_fields if field in item},
            )
        )
    list_changed_on_commit(owner_id=owner.pk, kind=kind)
    model.objects.bulk_create(
        objects,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["owner", *PRINTING_FIELDS],
        update_fields=[*update_fields, "updated_at"],
    )
    return len(objects)


def list_settings_for(*, user) -> ListSettings:
    settings_row, _ = ListSettings.objects.get_or_create(user=user)
    return settings_row


@transaction.atomic
def list_settings_update(*, user, haves_public: bool, wants_public: bool) -> ListSettings:
    settings_row, _ = ListSettings.objects.select_for_update().get_or_create(user=user)
    settings_row.haves_public = haves_public
    settings_row.wants_public = wants_public
    settings_row.save(update_fields=["haves_public", "wants_public", "updated_at"])
    return settings_row
