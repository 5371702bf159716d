"""List services and selectors: add/merge, edit, remove, totals, visibility, access."""

from decimal import Decimal

import pytest
from django.http import Http404

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from core.errors import DomainError
from lists.models import HaveItem, WantItem
from lists.selectors import access_list_item, access_public_list, list_totals, public_lists_owner
from lists.services.items import (
    list_item_add,
    list_item_remove,
    list_item_update,
    list_items_upsert,
    list_settings_update,
)

from .factories import HaveItemFactory, WantItemFactory, priced_card

pytestmark = pytest.mark.django_db


def test_add_creates_then_merges_the_same_printing():
    owner, card = UserFactory(), CardFactory()

    first = list_item_add(owner=owner, kind="have", card=card, quantity=2, min_trade_value=Decimal("3.00"))
    again = list_item_add(owner=owner, kind="have", card=card, quantity=3)

    assert again.pk == first.pk
    item = HaveItem.objects.get()
    assert (item.quantity, item.condition, item.min_trade_value) == (5, "NM", Decimal("3.00"))


def test_add_defaults_wants_to_lightly_played_or_better():
    item = list_item_add(owner=UserFactory(), kind="want", card=CardFactory(), max_price=Decimal("4.50"))

    assert (item.condition, item.max_price) == ("LP", Decimal("4.50"))


def test_add_refuses_a_finish_the_printing_does_not_have():
    card = CardFactory(finishes=["nonfoil"])

    with pytest.raises(DomainError, match="is not printed in foil") as raised:
        list_item_add(owner=UserFactory(), kind="have", card=card, finish="foil")

    assert raised.value.field == "finish"
    assert HaveItem.objects.count() == 0


def test_merged_quantity_is_capped():
    owner, card = UserFactory(), CardFactory()
    list_item_add(owner=owner, kind="have", card=card, quantity=9000)
    list_item_add(owner=owner, kind="have", card=card, quantity=9000)

    assert HaveItem.objects.get().quantity == 9999


def test_update_changes_the_row():
    item = WantItemFactory(quantity=1)

    list_item_update(
        owner=item.owner,
        kind="want",
        item_id=item.pk,
        changes={"quantity": 4, "condition": "MP", "max_price": Decimal("2")},
    )

    item.refresh_from_db()
    assert (item.quantity, item.condition, item.max_price) == (4, "MP", Decimal("2.00"))


def test_update_onto_an_existing_printing_is_refused():
    owner, card = UserFactory(), CardFactory()
    HaveItemFactory(owner=owner, card=card, condition="NM")
    item = HaveItemFactory(owner=owner, card=card, condition="LP", quantity=2)

    with pytest.raises(DomainError, match="already has this card"):
        list_item_update(owner=owner, kind="have", item_id=item.pk, changes={"condition": "NM"})

    item.refresh_from_db()
    assert (item.condition, item.quantity) == ("LP", 2)


def test_nobody_edits_or_removes_another_traders_item():
    item = HaveItemFactory(quantity=2)
    intruder = UserFactory()

    with pytest.raises(Http404):
        list_item_update(owner=intruder, kind="have", item_id=item.pk, changes={"quantity": 9})
    with pytest.raises(Http404):
        list_item_remove(owner=intruder, kind="have", item_id=item.pk)
    with pytest.raises(Http404):
        access_list_item(user=intruder, kind="have", pk=item.pk)

    item.refresh_from_db()
    assert item.quantity == 2


def test_totals_use_current_prices_per_finish():
    owner = UserFactory()
    bolt = priced_card("2.00", foil_price="10.00")
    unpriced = CardFactory()
    HaveItemFactory(owner=owner, card=bolt, quantity=3)
    HaveItemFactory(owner=owner, card=bolt, quantity=1, finish="foil")
    HaveItemFactory(owner=owner, card=unpriced, quantity=5)

    totals = list_totals(owner=owner, kind="have")

    assert (totals.items, totals.copies, totals.value, totals.unpriced) == (3, 9, Decimal("16.00"), 1)


def test_upsert_sets_quantities_and_can_replace():
    owner = UserFactory()
    keep, gone = CardFactory(), CardFactory()
    WantItemFactory(owner=owner, card=gone)
    WantItemFactory(owner=owner, card=keep, quantity=8)

    written = list_items_upsert(
        owner=owner,
        kind="want",
        items=[{"card_id": keep.pk, "quantity": 2}, {"card_id": keep.pk, "quantity": 1}],
        replace=True,
    )

    assert written == 1
    assert list(WantItem.objects.filter(owner=owner).values_list("card_id", "quantity", "condition")) == [
        (keep.pk, 3, "LP")
    ]


def test_private_lists_are_404_for_others_but_visible_to_the_owner():
    owner = UserFactory()
    viewer = UserFactory()
    list_settings_update(user=owner, haves_public=False, wants_public=True)

    with pytest.raises(Http404):
        access_public_list(viewer=viewer, username=owner.username, kind="have")
    assert access_public_list(viewer=viewer, username=owner.username, kind="want") == owner
    assert public_lists_owner(viewer=owner, username=owner.username)[1] == ["have", "want"]

    list_settings_update(user=owner, haves_public=False, wants_public=False)
    with pytest.raises(Http404):
        public_lists_owner(viewer=viewer, username=owner.username)
