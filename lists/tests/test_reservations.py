"""Reserved copies: the lists services trades calls, and every list write that must keep them.

Reservations are made by trades (an accepted proposal); here they are made through the same
service so that these tests stay inside the lists app (lists never imports trades).
"""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from lists.enums import ImportStatus
from lists.models import HaveItem, WantItem
from lists.services.imports import list_import_request_commit, list_import_start
from lists.services.items import list_item_remove, list_item_update, list_items_upsert
from lists.services.reservations import (
    HaveMove,
    NotAvailable,
    ReservedCopies,
    haves_give,
    haves_release,
    haves_reserve,
    wants_receive,
)

from .factories import HaveItemFactory, WantItemFactory, make_catalog, priced_card
from .test_imports_commit import FIXTURES

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def move(have, quantity, **overrides) -> HaveMove:
    fields = {
        "owner_id": have.owner_id,
        "card_id": have.card_id,
        "condition": have.condition,
        "finish": have.finish,
        "language": have.language,
        "quantity": quantity,
    } | overrides
    return HaveMove(**fields)


@pytest.fixture
def owner():
    return UserFactory(username="holder")


@pytest.fixture
def reserved_have(owner):
    """4 copies, 3 of them promised."""
    have = HaveItemFactory(owner=owner, card=priced_card("2.00", name="Sol Ring"), quantity=4)
    haves_reserve(moves=[move(have, 3)])
    have.refresh_from_db()
    return have


def state(have):
    have.refresh_from_db()
    return (have.quantity, have.reserved, have.available)


# --- The services trades calls -------------------------------------------------------------


def test_reserve_adds_up_and_refuses_more_than_is_available(reserved_have):
    assert state(reserved_have) == (4, 3, 1)

    with pytest.raises(NotAvailable, match=r"only 1 left \(3 promised in other agreed trades\)") as refused:
        haves_reserve(moves=[move(reserved_have, 2)])

    assert refused.value.status_code == 409
    assert state(reserved_have) == (4, 3, 1)
    haves_reserve(moves=[move(reserved_have, 1)])
    assert state(reserved_have) == (4, 4, 0)


def test_reserve_is_all_or_nothing_and_counts_a_printing_named_twice(owner, reserved_have):
    other = HaveItemFactory(owner=owner, quantity=5)

    with pytest.raises(NotAvailable):
        haves_reserve(moves=[move(other, 2), move(reserved_have, 1), move(reserved_have, 1)])

    assert state(other) == (5, 0, 5)
    assert state(reserved_have) == (4, 3, 1)


def test_reserve_refuses_a_printing_that_is_not_on_the_list(reserved_have):
    with pytest.raises(NotAvailable, match="no longer on the have list"):
        haves_reserve(moves=[move(reserved_have, 1, condition="DMG")])


def test_release_gives_copies_back_and_never_goes_below_zero(reserved_have):
    haves_release(moves=[move(reserved_have, 2)])
    assert state(reserved_have) == (4, 1, 3)
    haves_release(moves=[move(reserved_have, 5)])
    assert state(reserved_have) == (4, 0, 4)


def test_give_drops_quantity_and_reserved_together_and_removes_an_empty_row(owner, reserved_have):
    [given] = haves_give(moves=[move(reserved_have, 3)])
    assert state(reserved_have) == (1, 0, 1)
    assert (given.before, given.after, given.quantity, given.removed) == (4, 1, 3, False)

    [gone] = haves_give(moves=[move(reserved_have, 1)])
    assert gone.removed and gone.item_id == reserved_have.pk
    assert not HaveItem.objects.filter(pk=reserved_have.pk).exists()


def test_received_cards_fill_accepting_wants_strictest_first_and_empty_rows_go():
    receiver = UserFactory()
    card = priced_card("5.00")
    nm_only = WantItemFactory(owner=receiver, card=card, condition="NM", quantity=1)
    lp_or_better = WantItemFactory(owner=receiver, card=card, condition="LP", quantity=3)
    foil = WantItemFactory(owner=receiver, card=card, condition="HP", finish="foil", quantity=1)
    japanese = WantItemFactory(owner=receiver, card=card, condition="HP", language="ja", quantity=1)
    other_card = WantItemFactory(owner=receiver, quantity=1)
    giver_have = HaveItemFactory(card=card, condition="NM", quantity=5)

    moves = wants_receive(owner_id=receiver.pk, moves=[move(giver_have, 2)])

    assert [(m.item_id, m.before, m.after) for m in moves] == [(nm_only.pk, 1, 0), (lp_or_better.pk, 3, 2)]
    assert not WantItem.objects.filter(pk=nm_only.pk).exists()
    assert WantItem.objects.get(pk=lp_or_better.pk).quantity == 2
    for untouched in (foil, japanese, other_card):
        assert WantItem.objects.get(pk=untouched.pk).quantity == 1


def test_a_worse_condition_than_the_want_accepts_fills_nothing():
    receiver = UserFactory()
    card = priced_card("5.00")
    want = WantItemFactory(owner=receiver, card=card, condition="LP", quantity=1)
    played = HaveItemFactory(card=card, condition="MP", quantity=1)

    assert wants_receive(owner_id=receiver.pk, moves=[move(played, 1)]) == []
    assert WantItem.objects.get(pk=want.pk).quantity == 1


# --- List writes keep promised copies --------------------------------------------------------


def test_edit_below_reserved_or_of_the_printing_is_refused(owner, reserved_have):
    with pytest.raises(ReservedCopies, match="cannot go below 3"):
        list_item_update(owner=owner, kind="have", item_id=reserved_have.pk, changes={"quantity": 2})
    with pytest.raises(ReservedCopies, match="condition, finish and language"):
        list_item_update(owner=owner, kind="have", item_id=reserved_have.pk, changes={"condition": "LP"})

    assert state(reserved_have) == (4, 3, 1)
    assert HaveItem.objects.get(pk=reserved_have.pk).condition == "NM"
    list_item_update(owner=owner, kind="have", item_id=reserved_have.pk, changes={"quantity": 3, "note": "ok"})
    assert state(reserved_have) == (3, 3, 0)


def test_remove_is_refused_while_copies_are_promised(owner, reserved_have):
    with pytest.raises(ReservedCopies, match="can be removed once"):
        list_item_remove(owner=owner, kind="have", item_id=reserved_have.pk)
    assert HaveItem.objects.filter(pk=reserved_have.pk).exists()


def test_bulk_upsert_below_reserved_is_refused_and_writes_nothing(owner, reserved_have):
    fresh = priced_card("1.00")
    items = [{"card_id": fresh.pk, "quantity": 1}, {"card_id": reserved_have.card_id, "quantity": 2}]

    with pytest.raises(ReservedCopies, match="would leave 2"):
        list_items_upsert(owner=owner, kind="have", items=items)

    assert state(reserved_have) == (4, 3, 1)
    assert not HaveItem.objects.filter(owner=owner, card=fresh).exists()


def test_replacing_keeps_reserved_rows_their_ids_and_reservations(owner, reserved_have):
    dropped = HaveItemFactory(owner=owner, quantity=1, note="old")

    list_items_upsert(owner=owner, kind="have", items=[{"card_id": reserved_have.card_id, "quantity": 6}], replace=True)

    assert state(reserved_have) == (6, 3, 3)  # the same row, still promising 3
    assert not HaveItem.objects.filter(pk=dropped.pk).exists()
    with pytest.raises(ReservedCopies, match="would leave 0"):
        list_items_upsert(owner=owner, kind="have", items=[{"card_id": dropped.card_id, "quantity": 1}], replace=True)
    assert state(reserved_have) == (6, 3, 3)


def _previewed_import(owner, capture):
    data = (FIXTURES / "deckbox_haves.csv").read_bytes()
    with capture(execute=True):
        list_import = list_import_start(owner=owner, kind="have", uploaded_file=SimpleUploadedFile("haves.csv", data))
    return list_import


def test_a_replacing_import_that_drops_a_reserved_have_is_refused_at_once(
    owner, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    promised = HaveItemFactory(owner=owner, card=make_catalog()["mace"], quantity=2)
    haves_reserve(moves=[move(promised, 2)])
    list_import = _previewed_import(owner, django_capture_on_commit_callbacks)

    with pytest.raises(ReservedCopies, match=r"2 × \+2 Mace .* promised in agreed trades"):
        list_import_request_commit(owner=owner, list_import_id=list_import.pk, replace_existing=True)

    list_import.refresh_from_db()
    assert list_import.status == ImportStatus.READY  # still waiting: import without replacing, or later
    assert list(HaveItem.objects.filter(owner=owner).values_list("pk", "quantity", "reserved")) == [(promised.pk, 2, 2)]


def test_an_import_overtaken_by_an_accept_fails_with_the_reason(
    owner, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    promised = HaveItemFactory(owner=owner, card=make_catalog()["mace"], quantity=2)
    list_import = _previewed_import(owner, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False) as commit_task:
        list_import_request_commit(owner=owner, list_import_id=list_import.pk, replace_existing=True)
    haves_reserve(moves=[move(promised, 2)])  # accepted while the commit task waited in the queue

    for callback in commit_task:
        callback()

    list_import.refresh_from_db()
    assert list_import.status == ImportStatus.FAILED
    assert "2 × +2 Mace" in list_import.error_message and "promised in agreed trades" in list_import.error_message
    assert list(HaveItem.objects.filter(owner=owner).values_list("pk", "quantity", "reserved")) == [(promised.pk, 2, 2)]


# --- Pages and API ---------------------------------------------------------------------------


def test_lists_page_shows_reserved_and_available(client, owner, reserved_have):
    client.force_login(owner)

    body = client.get(reverse("lists:lists")).content.decode()

    assert "3 reserved · 1 available" in body


def test_page_edit_below_reserved_is_422_with_the_reason(client, owner, reserved_have):
    client.force_login(owner)

    response = client.post(
        reverse("lists:list_item_edit", args=["have", reserved_have.pk]),
        {"quantity": 1, "condition": "NM", "finish": "nonfoil", "language": "en"},
        **HTMX,
    )

    assert response.status_code == 422
    assert "the quantity cannot go below 3" in response.content.decode()
    assert state(reserved_have) == (4, 3, 1)


def test_page_remove_of_a_reserved_have_is_refused_with_the_reason(client, owner, reserved_have):
    client.force_login(owner)
    url = reverse("lists:list_item_remove", args=["have", reserved_have.pk])

    htmx = client.post(url, **HTMX)
    plain = client.post(url, follow=True)

    assert htmx.status_code == 409
    assert "promised in agreed trades" in htmx.content.decode()
    assert "promised in agreed trades" in plain.content.decode()
    assert HaveItem.objects.filter(pk=reserved_have.pk).exists()


def test_api_shows_quantity_reserved_available_and_refuses_with_409(owner, reserved_have):
    api = APIClient()
    api.force_authenticate(owner)
    url = f"/api/v1/haves/{reserved_have.pk}/"

    row = api.get(url).json()
    patched = api.patch(url, {"quantity": 2}, format="json")
    deleted = api.delete(url)
    bulk = api.post("/api/v1/haves/bulk/", {"items": [], "replace": True}, format="json")
    bulk_replace = api.post(
        "/api/v1/haves/bulk/",
        {"items": [{"card": priced_card("1.00").pk, "quantity": 1}], "replace": True},
        format="json",
    )

    assert (row["quantity"], row["reserved"], row["available"]) == (4, 3, 1)
    assert patched.status_code == 409 and patched.json()["code"] == "reserved"
    assert "cannot go below 3" in patched.json()["detail"]
    assert deleted.status_code == 409 and "promised in agreed trades" in deleted.json()["detail"]
    assert bulk.status_code == 400  # an empty list is bad input
    assert bulk_replace.status_code == 409 and "Nothing was saved" in bulk_replace.json()["detail"]
    assert state(reserved_have) == (4, 3, 1)
    assert HaveItem.objects.filter(owner=owner).count() == 1
    assert api.get("/api/v1/wants/").status_code == 200
    assert Decimal(api.get("/api/v1/haves/").json()["results"][0]["quantity"]) == 4


def test_admin_keeps_promised_copies(reserved_have):
    from lists.admin import HaveItemAdminForm

    data = {
        "owner": reserved_have.owner_id,
        "card": reserved_have.card_id,
        "quantity": 2,
        "condition": "NM",
        "finish": "nonfoil",
        "language": "en",
        "note": "",
    }
    form = HaveItemAdminForm(data=data, instance=reserved_have)

    assert not form.is_valid()
    assert "3 copies are promised in agreed trades" in str(form.errors)
    assert HaveItemAdminForm(data=data | {"quantity": 3}, instance=reserved_have).is_valid()
