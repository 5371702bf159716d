"""Any-printing wants on the stores side: local demand, local matches, the mirror view, the finder.

An any-printing want is satisfied by every printing with the same oracle id; only tradable
printings count, and an exact want is satisfied by its own printing only.
"""

import uuid
from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, CardPriceFactory
from lists.tests.factories import WantItemFactory
from stores.matches import my_store_matches, store_matches
from stores.models import BuylistEntry
from stores.services.buylist import buylist_recompute, local_want_demand
from stores.wants import wanted_card_ids, wanted_in_stock_counts

from .factories import StoreFactory, StoreInventoryItemFactory

pytestmark = pytest.mark.django_db

NEAR = {"latitude": Decimal("47.62"), "longitude": Decimal("-122.34")}


@pytest.fixture
def printings():
    """Three printings of one card (the third a non-tradable one) and an unrelated card."""
    oracle = uuid.uuid4()
    return {
        "listed": CardFactory(name="Lightning Bolt", set_code="m10", oracle_id=oracle),
        "reprint": CardFactory(name="Lightning Bolt", set_code="2xm", oracle_id=oracle),
        "digital": CardFactory(name="Lightning Bolt", set_code="pz1", oracle_id=oracle, tradable=False),
        "other": CardFactory(name="Counterspell", oracle_id=uuid.uuid4()),
    }


@pytest.fixture
def store():
    return StoreFactory(offers_buylist=True)


def trader(**kwargs):
    return UserFactory(**NEAR, **kwargs)


def test_any_printing_want_counts_as_demand_for_every_tradable_printing(store, printings):
    WantItemFactory(owner=trader(), card=printings["listed"], any_printing=True)
    WantItemFactory(owner=trader(), card=printings["listed"])  # this printing only
    demand = local_want_demand(store=store)
    assert demand[printings["listed"].pk] == 2
    assert demand[printings["reprint"].pk] == 1
    assert printings["digital"].pk not in demand  # not tradable
    assert printings["other"].pk not in demand


def test_a_want_for_a_non_tradable_printing_counts_for_nothing(store, printings):
    WantItemFactory(owner=trader(), card=printings["digital"])
    assert local_want_demand(store=store) == {}


def test_three_any_printing_wanters_put_the_reprint_on_the_buylist(store, printings):
    CardPriceFactory(card=printings["reprint"], price=Decimal("2.00"))
    CardPriceFactory(card=printings["digital"], price=Decimal("2.00"))
    for _ in range(3):
        WantItemFactory(owner=trader(), card=printings["listed"], any_printing=True)
    buylist_recompute(store_id=store.pk)
    row = BuylistEntry.objects.get(store=store, card=printings["reprint"], condition="NM")
    assert row.breakdown["local_demand"] == "3-9"
    assert row.card_name == "Lightning Bolt"
    assert not BuylistEntry.objects.filter(store=store, card=printings["digital"]).exists()


def test_store_matches_see_an_any_printing_want_stocked_by_another_printing(store, printings):
    StoreInventoryItemFactory(store=store, card=printings["reprint"], quantity=3, price=Decimal("1.50"))
    StoreInventoryItemFactory(store=store, card=printings["digital"], quantity=9, price=Decimal("0.10"))
    anyone = trader(match_with_stores=True, username="anyone")
    WantItemFactory(owner=anyone, card=printings["listed"], any_printing=True, quantity=4)
    exact = trader(match_with_stores=True, username="exact")
    WantItemFactory(owner=exact, card=printings["listed"], quantity=4)

    matches = {match.username: match for match in store_matches(store=store)}
    assert set(matches) == {"anyone"}  # the exact want names a printing the store does not stock
    assert matches["anyone"].wants_stocked == 1
    # The tradable reprint only (3 on the shelf at 1.50), never the digital printing's 0.10.
    assert matches["anyone"].wants_value == Decimal("4.50")


def test_mirror_view_and_finder_counts_honour_any_printing(store, printings):
    StoreInventoryItemFactory(store=store, card=printings["reprint"], quantity=1, price=Decimal("1.50"))
    StoreInventoryItemFactory(store=store, card=printings["digital"], quantity=1)
    me = trader(match_with_stores=True)
    WantItemFactory(owner=me, card=printings["listed"], any_printing=True)

    mirror = my_store_matches(user=me)
    assert [(found.store.pk, [line["card"] for line in found.stocks]) for found in mirror] == [
        (store.pk, [printings["reprint"].pk])
    ]
    assert wanted_in_stock_counts(user=me, store_ids=[store.pk]) == {store.pk: 1}
    assert wanted_card_ids(user=me) == {printings["listed"].pk, printings["reprint"].pk}


def test_an_exact_want_is_not_satisfied_by_another_printing(store, printings):
    StoreInventoryItemFactory(store=store, card=printings["reprint"], quantity=1)
    me = trader(match_with_stores=True)
    WantItemFactory(owner=me, card=printings["listed"])
    assert wanted_in_stock_counts(user=me, store_ids=[store.pk]) == {}
    assert my_store_matches(user=me) == []
    assert wanted_card_ids(user=me) == {printings["listed"].pk}
