"""API for haves and wants: CRUD on own items only, bulk upsert all or nothing, pagination."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from lists.models import HaveItem, WantItem

from .factories import HaveItemFactory, WantItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def api(owner):
    client = APIClient()
    client.force_authenticate(owner)
    return client


def test_anonymous_is_refused():
    assert APIClient().get("/api/v1/haves/").status_code in (401, 403)


def test_list_shows_only_my_items_with_cursor_pagination(api, owner):
    mine = [HaveItemFactory(owner=owner) for _ in range(3)]
    HaveItemFactory()

    first = api.get("/api/v1/haves/?page_size=2").json()
    second = api.get(first["next"]).json()

    assert [row["id"] for row in first["results"] + second["results"]] == [item.pk for item in reversed(mine)]
    assert second["next"] is None


def test_create_retrieve_update_delete(api, owner):
    card = CardFactory(name="Sol Ring")

    created = api.post("/api/v1/wants/", {"card": card.pk, "quantity": 2, "max_price": "4.00"}, format="json")
    item_id = created.json()["id"]
    fetched = api.get(f"/api/v1/wants/{item_id}/")
    patched = api.patch(f"/api/v1/wants/{item_id}/", {"quantity": 5, "condition": "MP"}, format="json")
    deleted = api.delete(f"/api/v1/wants/{item_id}/")

    assert created.status_code == 201
    assert created.json() | {"created_at": None, "updated_at": None} == {
        "id": item_id,
        "card": card.pk,
        "card_name": "Sol Ring",
        "set_code": card.set_code,
        "collector_number": card.collector_number,
        "quantity": 2,
        "condition": "LP",
        "finish": "nonfoil",
        "language": "en",
        "note": "",
        "max_price": "4.00",
        "any_printing": False,
        "currency": "USD",
        "created_at": None,
        "updated_at": None,
    }
    assert fetched.json()["quantity"] == 2
    assert (patched.status_code, patched.json()["quantity"], patched.json()["condition"]) == (200, 5, "MP")
    assert deleted.status_code == 204
    assert WantItem.objects.count() == 0


def test_create_with_a_missing_finish_is_400(api):
    card = CardFactory(finishes=["nonfoil"])

    response = api.post("/api/v1/haves/", {"card": card.pk, "finish": "foil"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["finish"]
    assert HaveItem.objects.count() == 0


@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_another_traders_item_is_404(api, method):
    item = HaveItemFactory(quantity=2)

    response = getattr(api, method)(f"/api/v1/haves/{item.pk}/", {"card": item.card_id, "quantity": 9}, format="json")

    assert response.status_code == 404
    item.refresh_from_db()
    assert item.quantity == 2


def test_bulk_upsert(api, owner):
    a, b = CardFactory(), CardFactory()
    HaveItemFactory(owner=owner, card=a, quantity=7)

    response = api.post(
        "/api/v1/haves/bulk/",
        [
            {"card": a.pk, "quantity": 2, "min_trade_value": "3.00"},
            {"card": b.pk, "quantity": 1, "finish": "foil", "trade_for_wants_only": True},
        ],
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {"written": 2, "replaced": False}
    fields = ("card_id", "quantity", "finish", "min_trade_value", "trade_for_wants_only")
    assert sorted(HaveItem.objects.filter(owner=owner).values_list(*fields)) == [
        (a.pk, 2, "nonfoil", Decimal("3.00"), False),
        (b.pk, 1, "foil", None, True),
    ]


def test_bulk_is_all_or_nothing_with_per_item_errors(api, owner):
    good = CardFactory()
    nonfoil_only = CardFactory(finishes=["nonfoil"])

    response = api.post(
        "/api/v1/wants/bulk/",
        {
            "items": [
                {"card": good.pk, "quantity": 1},
                {"card": good.pk, "quantity": 0},
                {"card": 99999999},
                {"card": nonfoil_only.pk, "finish": "foil"},
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "No items were saved: fix the items listed in errors.",
        "code": "invalid",
        "errors": {"items.1.quantity": ["Ensure this value is greater than or equal to 1."]},
    }

    second = api.post(
        "/api/v1/wants/bulk/",
        [{"card": good.pk}, {"card": 99999999}, {"card": nonfoil_only.pk, "finish": "foil"}],
        format="json",
    )
    assert second.status_code == 400
    assert second.json()["errors"] == {
        "items.1.card": ["No such card."],
        "items.2.finish": [f"{nonfoil_only.name} is not printed in foil."],
    }
    assert WantItem.objects.count() == 0


def test_bulk_replace(api, owner):
    old, new = CardFactory(), CardFactory()
    WantItemFactory(owner=owner, card=old)
    other = WantItemFactory(card=old)

    response = api.post("/api/v1/wants/bulk/", {"items": [{"card": new.pk}], "replace": True}, format="json")

    assert response.status_code == 200
    assert list(WantItem.objects.filter(owner=owner).values_list("card_id", flat=True)) == [new.pk]
    assert WantItem.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize(
    "body,field",
    [
        ([], "items"),
        ({"items": []}, "items"),
        ({"replace": True}, "items"),
        ({"items": [{"card": 1}], "replace": "yes"}, "replace"),
        ("not a list", "items"),
    ],
)
def test_bulk_refuses_empty_or_malformed_bodies(api, owner, body, field):
    WantItemFactory(owner=owner)

    response = api.post("/api/v1/wants/bulk/", body, format="json")

    assert response.status_code == 400
    assert (response.json()["code"], list(response.json()["errors"])) == ("invalid", [field])
    assert WantItem.objects.filter(owner=owner).count() == 1


def test_bulk_refuses_more_than_the_limit(api, monkeypatch):
    from lists.api import views

    monkeypatch.setattr(views, "MAX_BULK_ITEMS", 2)
    card = CardFactory()

    response = api.post("/api/v1/haves/bulk/", [{"card": card.pk}] * 3, format="json")

    assert response.json()["errors"] == {"items": ["At most 2 items per request."]}
    assert HaveItem.objects.count() == 0


@pytest.mark.parametrize(
    "change",
    [{"trade_for_wants_only": "yes"}, {"quantity": "2"}, {"note": 5}, {"min_trade_value": 1.5}, {"finish": 1}],
)
def test_bodies_must_have_the_documented_json_types(api, owner, change):
    item = HaveItemFactory(owner=owner, quantity=1, note="")

    response = api.patch(f"/api/v1/haves/{item.pk}/", change, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == list(change)
    item.refresh_from_db()
    assert (item.quantity, item.note, item.trade_for_wants_only) == (1, "", False)


@pytest.mark.parametrize("path", ["/api/v1/haves/abc/", "/api/v1/wants/1.0/", "/api/v1/haves/-1/"])
def test_ids_that_are_not_digits_are_404(api, path):
    response = api.get(path)

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_crafted_pages_of_my_lists_are_404_not_500(owner, client):
    from django.urls import reverse

    client.force_login(owner)
    HaveItemFactory(owner=owner)

    assert client.get(reverse("lists:lists"), {"page": "9223372036854775808"}).status_code == 404
    assert client.get(reverse("lists:public_lists", args=[owner.username]), {"page": "abc"}).status_code == 404
    assert client.get(reverse("lists:lists"), {"page": "7"}).status_code == 200  # past the end: the last page
