"""The lists page's cost does not grow with the list: keyset pages on the (owner, card name) index,
totals cached until the list changes or prices are imported (docs/decisions/0036)."""

import re
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from cards.models import Card, CardPrice
from cards.services import prices_imported
from cards.tests.factories import CardFactory
from lists.enums import ListKind
from lists.models import HaveItem, WantItem
from lists.selectors import LIST_PAGE_SIZE, list_items_page, list_totals
from lists.services.items import list_item_add, list_item_remove, list_item_update, list_items_upsert
from lists.services.reservations import HaveMove, haves_give

from .factories import HaveItemFactory, WantItemFactory, priced_card

pytestmark = pytest.mark.django_db

TOTALS_SQL = "SUM("  # only the totals aggregate sums


@pytest.fixture
def owner(client):
    user = UserFactory()
    client.force_login(user)
    return user


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [query["sql"] for query in captured.captured_queries]


def test_rows_carry_their_cards_name_however_they_are_written(owner):
    bolt, ring = CardFactory(name="Lightning Bolt"), CardFactory(name="Sol Ring")

    created = HaveItemFactory(owner=owner, card=bolt)
    HaveItem.objects.bulk_create([HaveItem(owner=owner, card=ring, condition="LP")])
    list_items_upsert(owner=owner, kind=ListKind.WANT, items=[{"card_id": ring.pk, "quantity": 2}])

    assert created.card_name == "Lightning Bolt"  # read back on insert
    assert sorted(HaveItem.objects.values_list("card_name", flat=True)) == ["Lightning Bolt", "Sol Ring"]
    assert WantItem.objects.get().card_name == "Sol Ring"
    HaveItem.objects.filter(pk=created.pk).update(card=ring)
    assert HaveItem.objects.get(pk=created.pk).card_name == "Sol Ring"


def test_a_renamed_card_renames_its_rows(owner):
    card = CardFactory(name="Old Name")
    HaveItemFactory(owner=owner, card=card)
    WantItemFactory(owner=UserFactory(), card=card)

    Card.objects.filter(pk=card.pk).update(name="New Name")

    assert set(HaveItem.objects.values_list("card_name", flat=True)) == {"New Name"}
    assert set(WantItem.objects.values_list("card_name", flat=True)) == {"New Name"}


def test_list_page_is_a_fixed_set_of_queries_without_counting_rows(client, owner, django_assert_num_queries):
    for index in range(60):
        HaveItemFactory(owner=owner, card=priced_card("1.00", name=f"Card {index:02d}"))
    url = reverse("lists:lists")
    client.get(url)  # totals computed and cached

    # session, user, rows, their prices, visibility settings, recent imports, two nav badges
    with django_assert_num_queries(8):
        body, queries = _queries(client, url)

    assert not [sql for sql in queries if "COUNT(" in sql and "lists_haveitem" in sql]
    assert not [sql for sql in queries if TOTALS_SQL in sql]
    assert body.count('id="have-item-') == LIST_PAGE_SIZE
    assert "<strong>60</strong> cards" in body and "Page 1 of 2" in body


def test_rows_render_as_before_in_one_loop(client, owner):
    card = priced_card("2.50", name="Lightning Bolt")
    item = HaveItemFactory(owner=owner, card=card, quantity=4, note="binder")

    body = client.get(reverse("lists:lists")).content.decode()

    edit = reverse("lists:list_item_edit", args=["have", item.pk])
    remove = reverse("lists:list_item_remove", args=["have", item.pk])
    assert f'<a href="{reverse("cards:detail", args=[card.pk])}">Lightning Bolt</a>' in body
    assert f'href="{edit}"\n       hx-get="{edit}"' in body
    assert f'action="{remove}"\n          hx-post="{remove}"' in body
    assert (
        f'<span id="price-{card.pk}-nonfoil" class="price" data-live-card="{card.pk}" data-price="2.50" '
        'data-currency="USD">$2.50</span>'
    ) in body


def test_pages_link_by_keyset_forward_and_back(client, owner):
    for index in range(2 * LIST_PAGE_SIZE + 5):
        HaveItemFactory(owner=owner, card=CardFactory(name=f"Card {index:03d}", set_code="abc"))
    # Same name in two sets: the set code orders them, then the row id.
    HaveItemFactory(owner=owner, card=CardFactory(name=f"Card {LIST_PAGE_SIZE - 1:03d}", set_code="aaa"))

    first = client.get(reverse("lists:lists")).content.decode()
    after = re.search(r'page=2&amp;after=(\d+)">Next', first).group(1)
    second = client.get(reverse("lists:lists"), {"tab": "have", "page": 2, "after": after}).content.decode()
    before = re.search(r'page=1&amp;before=(\d+)">← Previous', second).group(1)
    back = client.get(reverse("lists:lists"), {"tab": "have", "page": 1, "before": before}).content.decode()

    names = re.compile(r">(Card \d{3})</a>")
    assert names.findall(first) == sorted(names.findall(first)) and len(names.findall(first)) == LIST_PAGE_SIZE
    # "Card 049" is in two sets: aaa ends page 1, abc starts page 2.
    assert names.findall(first)[-1] == names.findall(second)[0] == f"Card {LIST_PAGE_SIZE - 1:03d}"
    assert names.findall(second)[1] == f"Card {LIST_PAGE_SIZE:03d}"
    assert "Page 2 of 3" in second
    assert names.findall(back) == names.findall(first)
    assert "Page 1 of 3" in back and "← Previous" not in back


def test_a_page_link_to_another_traders_row_is_a_404(client, owner):
    HaveItemFactory(owner=owner)
    theirs = HaveItemFactory(owner=UserFactory())

    assert client.get(reverse("lists:lists"), {"after": theirs.pk}).status_code == 404
    assert client.get(reverse("lists:lists"), {"before": "x1"}).status_code == 404


def test_totals_are_cached_until_the_list_changes(client, owner):
    card = priced_card("2.00", name="Counterspell")
    item = HaveItemFactory(owner=owner, card=card, quantity=1)
    url = reverse("lists:lists")
    _queries(client, url)

    body, queries = _queries(client, url)
    assert not [sql for sql in queries if TOTALS_SQL in sql]
    assert "$2.00" in body

    list_item_update(owner=owner, kind=ListKind.HAVE, item_id=item.pk, changes={"quantity": 3})
    body, queries = _queries(client, url)
    assert [sql for sql in queries if TOTALS_SQL in sql]
    assert 'data-list-total="6.00"' in body

    list_item_add(owner=owner, kind=ListKind.HAVE, card=priced_card("1.00"), quantity=1)
    assert list_totals(owner=owner, kind=ListKind.HAVE).value == Decimal("7.00")
    list_item_remove(owner=owner, kind=ListKind.HAVE, item_id=item.pk)
    assert list_totals(owner=owner, kind=ListKind.HAVE).items == 1


def test_totals_follow_the_next_price_import_not_each_price_change(owner):
    card = priced_card("2.00")
    HaveItemFactory(owner=owner, card=card, quantity=2)
    assert list_totals(owner=owner, kind=ListKind.HAVE).value == Decimal("4.00")

    CardPrice.objects.filter(card=card).update(price=Decimal("5.00"))
    assert list_totals(owner=owner, kind=ListKind.HAVE).value == Decimal("4.00")  # cached: no import yet

    prices_imported()
    assert list_totals(owner=owner, kind=ListKind.HAVE).value == Decimal("10.00")


def test_totals_follow_bulk_writes_trades_and_the_admin(owner, rf):
    card = priced_card("1.00")
    assert list_totals(owner=owner, kind=ListKind.HAVE).items == 0

    list_items_upsert(owner=owner, kind=ListKind.HAVE, items=[{"card_id": card.pk, "quantity": 4}])
    assert list_totals(owner=owner, kind=ListKind.HAVE).copies == 4

    haves_give(moves=[HaveMove(owner.pk, card.pk, "NM", "nonfoil", "en", 1)])
    assert list_totals(owner=owner, kind=ListKind.HAVE).copies == 3

    admin = site._registry[HaveItem]
    admin.delete_queryset(rf.get("/"), HaveItem.objects.filter(owner=owner))
    assert list_totals(owner=owner, kind=ListKind.HAVE).items == 0


def test_totals_read_before_a_change_committed_are_not_served_after_it(owner, django_capture_on_commit_callbacks):
    card = priced_card("1.00")
    HaveItemFactory(owner=owner, card=card, quantity=1)
    stale = list_totals(owner=owner, kind=ListKind.HAVE)

    with django_capture_on_commit_callbacks(execute=True):
        list_item_update(owner=owner, kind=ListKind.HAVE, item_id=HaveItem.objects.get().pk, changes={"quantity": 2})
        # A reader between the write and its commit caches what it saw under the version of then…
        list_totals(owner=owner, kind=ListKind.HAVE)

    # …which the commit moved on from.
    assert stale.copies == 1
    assert list_totals(owner=owner, kind=ListKind.HAVE).copies == 2


def test_a_page_of_a_long_list_reads_only_its_rows(owner):
    cards = [CardFactory(name=f"Card {index:03d}") for index in range(120)]
    HaveItem.objects.bulk_create([HaveItem(owner=owner, card=card) for card in cards])

    with CaptureQueriesContext(connection) as captured:
        page = list_items_page(owner=owner, kind=ListKind.HAVE, page_number=None, total=120)

    rows_sql = captured.captured_queries[0]["sql"]
    assert f"LIMIT {LIST_PAGE_SIZE + 1}" in rows_sql and "OFFSET" not in rows_sql
    assert 'ORDER BY "lists_haveitem"."card_name" ASC' in rows_sql
    assert [item.card.name for item in page.object_list] == [f"Card {index:03d}" for index in range(LIST_PAGE_SIZE)]
    assert (page.number, page.num_pages, page.has_next, page.has_previous) == (1, 3, True, False)
