"""Inventory writes outside syncs: the API's upsert and patch, the dashboard's edits and bulk actions."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from accounts.models import User
from cards.enums import Finish
from cards.models import Card
from core.errors import DomainError
from stores.enums import Condition, Language
from stores.models import MAX_ITEM_QUANTITY, LGSProfile, StoreInventoryItem
from stores.sync.formats import MAX_PRICE

MAX_ITEMS_PER_CALL = 10_000
BULK_ACTIONS = {
    "zero": "Set quantity to 0",
    "price_to_feed": "Reset price to the feed price",
    "delete": "Delete",
}


@dataclass
class InventoryWriteResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)

    @property
    def applied(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict:
        return {
            "applied": self.applied,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
        }


def _price(value, *, field_name: str = "price") -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        price = Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError:
        raise DomainError("Not a price (e.g. 4.99).", field=field_name) from None
    if not Decimal(0) <= price <= MAX_PRICE:
        raise DomainError(f"Price must be between 0 and {MAX_PRICE}.", field=field_name)
    return price


def _quantity(value, *, field_name: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ITEM_QUANTITY:
        raise DomainError(f"Quantity is a whole number 0–{MAX_ITEM_QUANTITY:,}.", field=field_name)
    return value


class _Resolver:
    """Resolves a batch's card references in three queries at most."""

    def __init__(self, store: LGSProfile, items: list[dict]):
        card_ids = {item["card"] for item in items if isinstance(item.get("card"), int)}
        scryfall = set()
        for item in items:
            with contextlib.suppress(KeyError, ValueError, TypeError):
                scryfall.add(uuid.UUID(str(item["scryfall_id"])))
        skus = {str(item["tcgplayer_sku"]) for item in items if item.get("tcgplayer_sku") not in (None, "")}
        self.names: dict[int, str] = {}  # card id → name, for the items this batch creates
        self.cards = {}
        for card_id, finishes, name in Card.objects.filter(pk__in=card_ids).values_list("id", "finishes", "name"):
            self.cards[card_id] = tuple(finishes or ())
            self.names[card_id] = name
        self.scryfall = {}
        for card_id, scryfall_id, finishes, name in Card.objects.filter(scryfall_id__in=scryfall).values_list(
            "id", "scryfall_id", "finishes", "name"
        ):
            self.scryfall[str(scryfall_id)] = (card_id, tuple(finishes or ()))
            self.names[card_id] = name
        self.skus = {}
        for sku, card_id, condition, finish, language, name in StoreInventoryItem.objects.filter(
            store=store, provider_sku__in=skus
        ).values_list("provider_sku", "card_id", "condition", "finish", "language", "card_name"):
            self.skus[sku] = (card_id, condition, finish, language)
            self.names.setdefault(card_id, name)

    def key(self, item: dict) -> tuple[tuple[int, str, str, str], str]:
        """((card, condition, finish, language), sku) or DomainError."""
        defaults = (Condition.NEAR_MINT, Finish.NONFOIL, Language.ENGLISH)
        sku = ""
        refs = [name for name in ("card", "scryfall_id", "tcgplayer_sku") if item.get(name) not in (None, "")]
        if len(refs) != 1:
            raise DomainError("Give exactly one of card, scryfall_id or tcgplayer_sku.", field="card")
        if refs[0] == "card":
            card_id = item["card"]
            if card_id not in self.cards:
                raise DomainError(f"No card has the id {card_id}.", field="card")
            finishes = self.cards[card_id]
        elif refs[0] == "scryfall_id":
            found = self.scryfall.get(str(item["scryfall_id"]).lower())
            if found is None:
                raise DomainError(f"No card has the Scryfall ID {item['scryfall_id']}.", field="scryfall_id")
            card_id, finishes = found
        else:
            sku = str(item["tcgplayer_sku"])
            found = self.skus.get(sku)
            if found is None:
                raise DomainError(
                    f"No item of this store has the TCGplayer SKU {sku}; sync a TCGplayer export first.",
                    field="tcgplayer_sku",
                )
            card_id, *defaults = found
            finishes = ()
        condition = item.get("condition") or defaults[0]
        finish = item.get("finish") or defaults[1]
        language = item.get("language") or defaults[2]
        if condition not in Condition.values:
            raise DomainError(f"Condition is one of {', '.join(Condition.values)}.", field="condition")
        if finish not in Finish.values:
            raise DomainError(f"Finish is one of {', '.join(Finish.values)}.", field="finish")
        if language not in Language.values:
            raise DomainError("Unknown language code.", field="language")
        if finishes and finish not in finishes:
            raise DomainError(f"That card is not printed in {finish}.", field="finish")
        return (card_id, condition, finish, language), sku


def _error(index: int, error: DomainError) -> dict:
    return {"index": index, "field": error.field or "", "detail": error.message}


def _locked_items(store: LGSProfile, keys) -> dict:
    card_ids = {key[0] for key in keys}
    items = StoreInventoryItem.objects.select_for_update().filter(store=store, card_id__in=card_ids).order_by("pk")
    return {(item.card_id, item.condition, item.finish, item.language): item for item in items}


@transaction.atomic
def inventory_upsert(*, store: LGSProfile, acting_user: User, items: list[dict]) -> InventoryWriteResult:
    """Set quantity and price of each item (created if new). Unmatched items are reported, the rest applied."""
    if len(items) > MAX_ITEMS_PER_CALL:
        raise DomainError(f"At most {MAX_ITEMS_PER_CALL:,} items per call.", field="items")
    result = InventoryWriteResult()
    resolver = _Resolver(store, items)
    resolved: dict[tuple, tuple[int, int, Decimal | None, str]] = {}
    for index, item in enumerate(items):
        try:
            key, sku = resolver.key(item)
            quantity = _quantity(item.get("quantity"))
            price = _price(item.get("price"))
        except DomainError as error:
            result.errors.append(_error(index, error))
            continue
        if key in resolved:
            result.errors.append(
                {"index": index, "field": "card", "detail": f"Same item as index {resolved[key][0]}; skipped."}
            )
            continue
        resolved[key] = (index, quantity, price, sku)
    existing = _locked_items(store, resolved)
    now = timezone.now()
    creates, updates = [], []
    for key, (_, quantity, price, sku) in resolved.items():
        item = existing.get(key)
        if item is None:
            creates.append(
                StoreInventoryItem(
                    store=store,
                    card_id=key[0],
                    condition=key[1],
                    finish=key[2],
                    language=key[3],
                    quantity=quantity,
                    price=price,
                    feed_price=price,
                    provider_sku=sku,
                    card_name=resolver.names.get(key[0], ""),
                )
            )
            continue
        new_price = price if price is not None else item.price
        if item.quantity == quantity and item.price == new_price:
            result.unchanged += 1
            continue
        item.quantity, item.price, item.updated_at = quantity, new_price, now
        if price is not None:
            item.feed_price = price
        updates.append(item)
    StoreInventoryItem.objects.bulk_create(creates, batch_size=2000)
    StoreInventoryItem.objects.bulk_update(updates, ["quantity", "price", "feed_price", "updated_at"], batch_size=2000)
    result.created, result.updated = len(creates), len(updates)
    return result


@transaction.atomic
def inventory_patch(*, store: LGSProfile, acting_user: User, items: list[dict]) -> InventoryWriteResult:
    """Per item: `quantity` (absolute) or `quantity_delta` (a sale is -1), and/or `price`.

    Rows are locked, so two point-of-sale terminals selling the last copy at once cannot both
    succeed: the second delta would take the quantity below 0 and is reported, not applied.
    """
    if len(items) > MAX_ITEMS_PER_CALL:
        raise DomainError(f"At most {MAX_ITEMS_PER_CALL:,} items per call.", field="items")
    result = InventoryWriteResult()
    resolver = _Resolver(store, items)
    keyed = []
    for index, item in enumerate(items):
        try:
            key, sku = resolver.key(item)
            if "quantity" in item and "quantity_delta" in item:
                raise DomainError("Give quantity or quantity_delta, not both.", field="quantity_delta")
            if "quantity" not in item and "quantity_delta" not in item and "price" not in item:
                raise DomainError("Give quantity or quantity_delta, and/or price.", field="quantity")
            if "quantity" in item:
                _quantity(item["quantity"])
            if "quantity_delta" in item:
                delta = item["quantity_delta"]
                if isinstance(delta, bool) or not isinstance(delta, int) or abs(delta) > MAX_ITEM_QUANTITY:
                    raise DomainError("quantity_delta is a whole number, e.g. -1.", field="quantity_delta")
            price = _price(item.get("price")) if "price" in item else None
        except DomainError as error:
            result.errors.append(_error(index, error))
            continue
        keyed.append((index, key, sku, item, price))
    existing = _locked_items(store, [entry[1] for entry in keyed])
    now = timezone.now()
    for index, key, sku, item, price in keyed:
        current = existing.get(key)
        base = current.quantity if current else 0
        quantity = item["quantity"] if "quantity" in item else base + item.get("quantity_delta", 0)
        if quantity < 0:
            result.errors.append(
                {"index": index, "field": "quantity_delta", "detail": f"Only {base} in stock; nothing changed."}
            )
            continue
        if quantity > MAX_ITEM_QUANTITY:
            result.errors.append({"index": index, "field": "quantity", "detail": "Quantity would be too large."})
            continue
        if current is None:
            current = StoreInventoryItem.objects.create(
                store=store,
                card_id=key[0],
                condition=key[1],
                finish=key[2],
                language=key[3],
                quantity=quantity,
                price=price,
                provider_sku=sku,
            )
            existing[key] = current
            result.created += 1
            continue
        new_price = price if "price" in item else current.price
        if current.quantity == quantity and current.price == new_price:
            result.unchanged += 1
            continue
        current.quantity, current.price, current.updated_at = quantity, new_price, now
        current.save(update_fields=["quantity", "price", "updated_at"])
        result.updated += 1
    return result


@transaction.atomic
def inventory_item_update(
    *, store: LGSProfile, acting_user: User, item_id: int, quantity: int, price: Decimal | None
) -> StoreInventoryItem:
    """The dashboard's inline edit of one row."""
    item = StoreInventoryItem.objects.select_for_update().filter(store=store, pk=item_id).first()
    if item is None:
        from django.http import Http404

        raise Http404("No such item.")
    item.quantity = _quantity(quantity)
    item.price = _price(price)
    item.save(update_fields=["quantity", "price", "updated_at"])
    return item


@transaction.atomic
def inventory_bulk_action(*, store: LGSProfile, acting_user: User, action: str, item_ids: list[int]) -> int:
    if action not in BULK_ACTIONS:
        raise DomainError("Choose an action.", field="action")
    if not item_ids:
        raise DomainError("Select at least one item.", field="items")
    items = StoreInventoryItem.objects.filter(store=store, pk__in=item_ids)
    if action == "zero":
        return items.exclude(quantity=0).update(quantity=0, updated_at=timezone.now())
    if action == "price_to_feed":
        from django.db.models import F

        return items.exclude(feed_price__isnull=True).update(price=F("feed_price"), updated_at=timezone.now())
    deleted, _ = items.delete()
    return deleted


def card_names_refresh() -> int:
    """Copy renamed cards' names onto store items and buylist rows (nightly; the catalog rarely renames).

    Writers copy the name when they create a row (syncs, the API, the dashboard); this catches
    a card the catalog import renamed since (docs/decisions/0038). Returns the rows changed.
    """
    from stores.models import BuylistEntry

    changed = 0
    for model in (StoreInventoryItem, BuylistEntry):
        stale = model.objects.exclude(card_name=F("card__name")).values("pk")
        changed += model.objects.filter(pk__in=stale).update(
            card_name=Subquery(Card.objects.filter(pk=OuterRef("card_id")).values("name")[:1])
        )
    return changed
