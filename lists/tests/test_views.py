"""List pages: render, add/edit/remove with and without htmx, visibility, access, query counts."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from lists.enums import ImportStatus
from lists.models import HaveItem, ListImport, WantItem
from lists.services.items import list_settings_update

from .factories import HaveItemFactory, WantItemFactory, make_catalog, priced_card

FIXTURES = Path(__file__).parent / "fixtures"
HTMX = {"HTTP_HX_REQUEST": "true"}
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def owner(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_lists_need_login(client):
    response = client.get(reverse("lists:lists"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_lists_page_shows_items_prices_and_totals(client, owner):
    card = priced_card("2.50", name="Lightning Bolt")
    HaveItemFactory(owner=owner, card=card, quantity=4)

    response = client.get(reverse("lists:lists"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Lightning Bolt" in body
    assert f'id="price-{card.pk}-nonfoil"' in body
    assert "$10.00" in body  # 4 x $2.50, line value and total


def test_empty_lists_explain_what_to_do(client, owner):
    body = client.get(reverse("lists:lists") + "?tab=want").content.decode()

    assert "Your want list is empty." in body
    assert reverse("lists:list_import_upload") in body


@pytest.mark.parametrize("kind", ["have", "want"])
def test_list_page_queries_do_not_grow_with_rows(client, owner, kind, django_assert_max_num_queries):
    factory = HaveItemFactory if kind == "have" else WantItemFactory
    for _ in range(5):
        factory(owner=owner, card=priced_card("1.00"))
    url = reverse("lists:lists") + f"?tab={kind}"
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    for _ in range(45):
        factory(owner=owner, card=priced_card("1.00"))

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)

    assert response.content.decode().count(f'id="{kind}-item-') == 50


def test_public_list_queries_do_not_grow_with_rows(client, owner, django_assert_max_num_queries):
    other = UserFactory()
    for _ in range(5):
        HaveItemFactory(owner=other, card=priced_card("1.00"))
    url = reverse("lists:public_lists", args=[other.username])
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    for _ in range(45):
        HaveItemFactory(owner=other, card=priced_card("1.00"))

    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_add_with_htmx_returns_the_panel(client, owner):
    card = CardFactory(name="Sol Ring")

    response = client.post(
        reverse("lists:list_item_add", args=["want"]),
        {"card": card.pk, "quantity": 2, "condition": "NM", "finish": "foil", "language": "en", "max_price": "5.00"},
        **HTMX,
    )

    assert response.status_code == 200
    assert 'id="list-panel"' in response.content.decode()
    item = WantItem.objects.get(owner=owner)
    assert (item.card_id, item.quantity, item.condition, item.finish, str(item.max_price)) == (
        card.pk,
        2,
        "NM",
        "foil",
        "5.00",
    )


def test_a_want_for_any_printing_is_chosen_shown_and_edited(client, owner):
    card = CardFactory(name="Sol Ring", set_code="cmm", collector_number="410")
    fields = {"card": card.pk, "quantity": 1, "condition": "LP", "finish": "nonfoil", "language": "en"}

    client.post(reverse("lists:list_item_add", args=["want"]), {**fields, "any_printing": "on"})
    item = WantItem.objects.get(owner=owner)
    page = client.get(reverse("lists:lists") + "?tab=want").content.decode()
    have_form = client.get(reverse("lists:lists") + "?tab=have").content.decode()
    client.post(reverse("lists:list_item_edit", args=["want", item.pk]), {**fields, "quantity": 2})

    assert item.any_printing is True
    assert f'data-testid="any-printing-{item.pk}"' in page and "shown: CMM #410" in page
    assert 'name="any_printing"' in page and 'name="any_printing"' not in have_form  # wants only
    item.refresh_from_db()
    assert (item.quantity, item.any_printing) == (2, False)  # unticked on the edit form: this printing only


def test_add_without_javascript_accepts_the_picker_label(client, owner):
    card = CardFactory(name="Sol Ring", set_code="cmm", collector_number="410")
    CardFactory(name="Sol Ring", set_code="c21", collector_number="263")

    response = client.post(
        reverse("lists:list_item_add", args=["have"]),
        {"q": "Sol Ring (CMM 410)", "quantity": 1, "condition": "NM", "finish": "nonfoil", "language": "en"},
    )

    assert response.status_code == 302
    assert HaveItem.objects.get(owner=owner).card_id == card.pk


def test_add_with_errors_rerenders_with_422(client, owner):
    response = client.post(
        reverse("lists:list_item_add", args=["have"]),
        {"q": "No Such Card", "quantity": 0, "condition": "NM", "finish": "nonfoil", "language": "en"},
        **HTMX,
    )

    body = response.content.decode()
    assert response.status_code == 422
    assert "Pick a card from the suggestions." in body
    assert HaveItem.objects.count() == 0


def test_add_a_finish_that_does_not_exist_is_422(client, owner):
    card = CardFactory(finishes=["nonfoil"])

    response = client.post(
        reverse("lists:list_item_add", args=["have"]),
        {"card": card.pk, "quantity": 1, "condition": "NM", "finish": "foil", "language": "en"},
    )

    assert response.status_code == 422
    assert "is not printed in foil" in response.content.decode()
    assert HaveItem.objects.count() == 0


def test_inline_edit_round_trip(client, owner):
    item = HaveItemFactory(owner=owner, card=priced_card("3.00"), quantity=1)
    url = reverse("lists:list_item_edit", args=["have", item.pk])

    form = client.get(url, **HTMX)
    saved = client.post(
        url,
        {
            "quantity": 3,
            "condition": "LP",
            "finish": "nonfoil",
            "language": "en",
            "min_trade_value": "8.00",
            "trade_for_wants_only": "on",
        },
        **HTMX,
    )

    assert form.status_code == 200 and 'class="row-editing"' in form.content.decode()
    body = saved.content.decode()
    assert saved.status_code == 200
    assert f'id="have-item-{item.pk}"' in body
    assert 'id="have-totals" class="list-totals muted" hx-swap-oob="true"' in body
    assert "$9.00" in body
    item.refresh_from_db()
    assert (item.quantity, item.condition, str(item.min_trade_value), item.trade_for_wants_only) == (
        3,
        "LP",
        "8.00",
        True,
    )


def test_inline_edit_with_errors_is_422(client, owner):
    item = HaveItemFactory(owner=owner, quantity=2)

    response = client.post(
        reverse("lists:list_item_edit", args=["have", item.pk]),
        {"quantity": -1, "condition": "NM", "finish": "nonfoil", "language": "en"},
        **HTMX,
    )

    assert response.status_code == 422
    item.refresh_from_db()
    assert item.quantity == 2


def test_remove(client, owner):
    item = HaveItemFactory(owner=owner)

    response = client.post(reverse("lists:list_item_remove", args=["have", item.pk]), **HTMX)

    assert response.status_code == 200
    assert 'id="have-totals"' in response.content.decode()
    assert not HaveItem.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize(
    ("name", "method"),
    [("list_item_edit", "get"), ("list_item_edit", "post"), ("list_item_row", "get"), ("list_item_remove", "post")],
)
def test_another_traders_items_are_404(client, owner, name, method):
    item = HaveItemFactory(quantity=2)

    response = getattr(client, method)(
        reverse(f"lists:{name}", args=["have", item.pk]),
        {"quantity": 9, "condition": "NM", "finish": "nonfoil", "language": "en"},
    )

    assert response.status_code == 404
    item.refresh_from_db()
    assert item.quantity == 2


def test_visibility_settings_and_public_page(client, owner):
    other = UserFactory()
    HaveItemFactory(owner=owner, card=CardFactory(name="Secret Card"))
    WantItemFactory(owner=owner, card=CardFactory(name="Wanted Card"))
    client.post(reverse("lists:list_settings"), {"wants_public": "on"})
    client.force_login(other)

    haves = client.get(reverse("lists:public_lists", args=[owner.username]) + "?tab=have")
    wants = client.get(reverse("lists:public_lists", args=[owner.username]))

    assert haves.status_code == 404
    assert wants.status_code == 200
    assert "Wanted Card" in wants.content.decode() and "Secret Card" not in wants.content.decode()


def test_fully_private_lists_are_404_even_anonymously(client):
    owner = UserFactory()
    list_settings_update(user=owner, haves_public=False, wants_public=False)

    assert client.get(reverse("lists:public_lists", args=[owner.username])).status_code == 404
    assert client.get(reverse("lists:public_lists", args=["nobody-here"])).status_code == 404


def test_export_is_the_owners_list(client, owner):
    HaveItemFactory(owner=owner, card=CardFactory(name="=Mine"), quantity=2)
    HaveItemFactory(card=CardFactory(name="Theirs"))

    response = client.get(reverse("lists:list_export", args=["have"]))

    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"] == "text/csv"
    assert "'=Mine" in body and "Theirs" not in body


def test_import_journey_through_the_pages(client, owner, django_capture_on_commit_callbacks):
    catalog = make_catalog()
    data = (FIXTURES / "deckbox_haves.csv").read_bytes()

    with django_capture_on_commit_callbacks(execute=True):
        upload = client.post(
            reverse("lists:list_import_upload"), {"kind": "have", "file": SimpleUploadedFile("haves.csv", data)}
        )
    list_import = ListImport.objects.get(owner=owner)
    preview = client.get(upload["Location"])
    unmatched_tab = client.get(upload["Location"] + "?outcome=unmatched")
    polled = client.get(upload["Location"], **HTMX)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("lists:list_import_commit", args=[list_import.pk]), {})

    assert upload.status_code == 302 and upload["Location"] == reverse("lists:list_import", args=[list_import.pk])
    body = preview.content.decode()
    assert "Ready to review" in body and "Import 3 rows" in body
    # The preview lists the matched rows (card, printing, finish, quantity), then the others by tab.
    assert 'data-testid="import-rows-matched"' in body
    assert "Lightning Bolt" in body and "2X2 #117" in body and "Foil" in body
    assert "Matched (3)" in body and "Unmatched (1)" in body
    other = unmatched_tab.content.decode()
    assert "Imaginary Beast" in other and "Printing ZZZ 1 is not in the catalog" in other
    assert polled.content.decode().startswith('<section id="import-status"')
    assert "hx-trigger" not in polled.content.decode()  # finished: polling stops
    list_import.refresh_from_db()
    assert list_import.status == ImportStatus.COMMITTED
    assert HaveItem.objects.filter(owner=owner, card=catalog["bolt"], quantity=4).exists()


def test_import_in_progress_polls(client, owner):
    list_import = ListImport.objects.create(
        owner=owner,
        kind="have",
        file="x.csv",
        original_filename="x.csv",
        status=ImportStatus.PARSING,
        total_rows=50000,
        processed_rows=12000,
    )

    body = client.get(reverse("lists:list_import", args=[list_import.pk]), **HTMX).content.decode()

    assert 'hx-trigger="every 1s"' in body
    assert "12000 of 50000" in body


def test_bad_upload_is_422_and_stores_nothing(client, owner):
    response = client.post(
        reverse("lists:list_import_upload"),
        {"kind": "have", "file": SimpleUploadedFile("x.csv", (FIXTURES / "deckbox_latin1.csv").read_bytes())},
    )

    assert response.status_code == 422
    assert "The file is not UTF-8 text" in response.content.decode()
    assert ListImport.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "method"), [("list_import", "get"), ("list_import_commit", "post"), ("list_import_discard", "post")]
)
def test_another_traders_import_is_404(client, owner, name, method):
    list_import = ListImport.objects.create(
        owner=UserFactory(),
        kind="have",
        file="x.csv",
        original_filename="x.csv",
        status=ImportStatus.READY,
        matched_rows=1,
    )

    response = getattr(client, method)(reverse(f"lists:{name}", args=[list_import.pk]))

    assert response.status_code == 404
    list_import.refresh_from_db()
    assert list_import.status == ImportStatus.READY


def test_lists_are_paginated(client, owner):
    for index in range(51):
        HaveItemFactory(owner=owner, card=CardFactory(name=f"Card {index:02d}"))

    first = client.get(reverse("lists:lists")).content.decode()
    second = client.get(reverse("lists:lists") + "?tab=have&page=2").content.decode()

    assert first.count('id="have-item-') == 50 and "Page 1 of 2" in first
    assert second.count('id="have-item-') == 1 and "Card 50" in second


def test_an_unknown_header_asks_which_column_holds_what(client, owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    CardFactory(name="Lightning Bolt", set_code="2x2", set_name="Double Masters 2022", collector_number="117")
    data = (FIXTURES / "formats" / "generic.csv").read_bytes()

    asked = client.post(
        reverse("lists:list_import_upload"),
        {"kind": "have", "file": SimpleUploadedFile("mine.csv", data), "whole_collection": "on"},
    )
    body = asked.content.decode()
    held = asked.context["form"]["held"].value()
    columns = ["Card", "Qty", "Set", "Number", "Shape"]
    missing_name = client.post(
        reverse("lists:list_import_upload"), {"held": held, "kind": "have", "columns": columns, "map_name": ""}
    )
    forged = client.post(
        reverse("lists:list_import_upload"),
        {"held": held + "x", "kind": "have", "columns": columns, "map_name": "Card"},
    )
    mapped = client.post(
        reverse("lists:list_import_upload"),
        {"held": held, "kind": "have", "whole_collection": "True", "columns": columns, "map_name": "Card",
         "map_quantity": "Qty", "map_set_code": "Set", "map_collector_number": "Number"},
    )  # fmt: skip

    assert asked.status_code == 200 and "Which column holds what?" in body
    assert '<option value="Shape">Shape</option>' in body
    assert missing_name.status_code == 422 and forged.status_code == 422
    assert "upload it again" in forged.content.decode()
    list_import = ListImport.objects.get(owner=owner)
    assert mapped.status_code == 302 and mapped["Location"] == reverse("lists:list_import", args=[list_import.pk])
    assert (list_import.format, list_import.whole_collection) == ("generic", True)
    assert list_import.mapping == {"name": "Card", "quantity": "Qty", "set_code": "Set", "collector_number": "Number"}
    assert list_import.original_filename == "mine.csv"


def test_another_traders_held_upload_cannot_be_used(client, owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    other = UserFactory()
    from lists.services.imports import list_import_hold

    token, columns = list_import_hold(
        owner=other, uploaded_file=SimpleUploadedFile("t.csv", (FIXTURES / "formats" / "generic.csv").read_bytes())
    )
    response = client.post(
        reverse("lists:list_import_upload"), {"held": token, "kind": "have", "columns": columns, "map_name": "Card"}
    )

    assert response.status_code == 422
    assert not ListImport.objects.exists()


def test_the_preview_reads_a_page_of_rows_in_a_fixed_number_of_queries(client, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lists.models import ListImportRow

    def preview_queries(rows: int) -> int:
        list_import = ListImport.objects.create(
            owner=owner, kind="have", file="x.csv", original_filename="x.csv", status=ImportStatus.READY,
            matched_rows=rows, total_rows=rows,
        )  # fmt: skip
        ListImportRow.objects.bulk_create(
            ListImportRow(list_import=list_import, row=number + 2, outcome="matched", card=CardFactory(), quantity=1,
                          condition="NM", finish="nonfoil", language="en")
            for number in range(rows)
        )  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            body = client.get(reverse("lists:list_import", args=[list_import.pk])).content.decode()
        assert body.count('<tr><td class="num">') == rows
        return len(queries)

    assert preview_queries(3) == preview_queries(30)
