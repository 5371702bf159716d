"""The list-imports API: upload, status and counts, rows by outcome, commit and discard, owner only."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from lists.enums import ImportStatus
from lists.models import HaveItem, ListImport, WantItem

FORMATS = Path(__file__).parent / "fixtures" / "formats"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def api(owner):
    client = APIClient()
    client.force_authenticate(owner)
    return client


@pytest.fixture
def catalog():
    return {
        "bolt": CardFactory(
            name="Lightning Bolt", set_code="2x2", set_name="Double Masters 2022", collector_number="117"
        ),
        "rhystic": CardFactory(
            name="Rhystic Study", set_code="pcy", set_name="Prophecy", collector_number="45", finishes=["nonfoil"]
        ),
        "forest": CardFactory(name="Forest", set_code="neo", set_name="Kamigawa: Neon Dynasty", collector_number="293"),
    }


def upload(api, name, capture, **fields):
    data = {"file": SimpleUploadedFile(name, (FORMATS / name).read_bytes(), content_type="text/csv"), **fields}
    with capture(execute=True):
        return api.post("/api/v1/list-imports/", data, format="multipart")


def test_upload_read_rows_and_commit(api, owner, catalog, django_capture_on_commit_callbacks):
    created = upload(api, "deckbox_older.csv", django_capture_on_commit_callbacks, list="have")
    import_id = created.json()["id"]
    detail = api.get(f"/api/v1/list-imports/{import_id}/")
    matched = api.get(f"/api/v1/list-imports/{import_id}/rows/?outcome=matched")
    unmatched = api.get(f"/api/v1/list-imports/{import_id}/rows/?outcome=unmatched")
    skipped = api.get(f"/api/v1/list-imports/{import_id}/rows/?outcome=not_for_trade")
    with django_capture_on_commit_callbacks(execute=True):
        committed = api.post(f"/api/v1/list-imports/{import_id}/commit/", {}, format="json")

    assert created.status_code == 201
    assert created.json() == {"id": import_id, "status": "parsing"}
    body = detail.json()
    assert (body["status"], body["format"], body["list"], body["error"]) == ("ready", "deckbox", "have", "")
    assert body["counts"] == {"rows": 4, "matched": 2, "unmatched": 1, "errors": 0, "not_for_trade": 1}
    assert matched.json()["results"] == [
        {
            "row": 2,
            "outcome": "matched",
            "name": "Lightning Bolt",
            "card_id": catalog["bolt"].pk,
            "set_code": "2x2",
            "collector_number": "117",
            "any_printing": False,
            "finish": "foil",
            "condition": "HP",
            "language": "en",
            "quantity": 2,
            "reason": "",
        },
        {
            "row": 3,
            "outcome": "matched",
            "name": "Rhystic Study",
            "card_id": catalog["rhystic"].pk,
            "set_code": "pcy",
            "collector_number": "45",
            "any_printing": False,
            "finish": "nonfoil",
            "condition": "DMG",
            "language": "en",
            "quantity": 1,
            "reason": "",
        },
    ]
    assert [
        (r["row"], r["set_code"], r["collector_number"], r["card_id"], r["reason"]) for r in unmatched.json()["results"]
    ] == [
        (
            4,
            "Wilds of Eldraine",
            "263",
            None,
            "Printing Wilds of Eldraine 263 is not in the catalog (it has no set Wilds of Eldraine).",
        )
    ]
    assert [(r["row"], r["quantity"]) for r in skipped.json()["results"]] == [(5, 5)]
    assert committed.status_code == 202
    assert ListImport.objects.get(pk=import_id).status == ImportStatus.COMMITTED
    assert sorted(HaveItem.objects.filter(owner=owner).values_list("card__name", "quantity")) == [
        ("Lightning Bolt", 2),
        ("Rhystic Study", 1),
    ]


def test_rows_are_cursor_paged_in_file_order(api, catalog, django_capture_on_commit_callbacks):
    import_id = upload(api, "deckbox_older.csv", django_capture_on_commit_callbacks, list="have").json()["id"]

    first = api.get(f"/api/v1/list-imports/{import_id}/rows/?page_size=3").json()
    second = api.get(first["next"])

    assert [row["row"] for row in first["results"]] == [2, 3, 4]
    assert [row["row"] for row in second.json()["results"]] == [5]
    assert second.json()["next"] is None


def test_whole_collection_and_want_list(api, owner, catalog, django_capture_on_commit_callbacks):
    whole = upload(api, "deckbox_older.csv", django_capture_on_commit_callbacks, list="have", whole_collection="true")
    wants = upload(api, "moxfield_wants.csv", django_capture_on_commit_callbacks, list="want")

    assert api.get(f"/api/v1/list-imports/{whole.json()['id']}/").json()["counts"]["not_for_trade"] == 0
    rows = api.get(f"/api/v1/list-imports/{wants.json()['id']}/rows/?outcome=matched").json()["results"]
    # A name alone: any printing; a name and a set with one printing of it there: that printing.
    assert [(row["name"], row["any_printing"]) for row in rows] == [("Lightning Bolt", True), ("Forest", False)]
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/list-imports/{wants.json()['id']}/commit/", {}, format="json")
    listed = api.get("/api/v1/wants/").json()["results"]
    assert sorted((row["card_name"], row["any_printing"]) for row in listed) == [
        ("Forest", False),
        ("Lightning Bolt", True),
    ]
    assert WantItem.objects.get(owner=owner, any_printing=True).card == catalog["bolt"]


def test_generic_csv_needs_a_mapping(api, catalog, django_capture_on_commit_callbacks):
    refused = upload(api, "generic.csv", django_capture_on_commit_callbacks, list="have")
    bad_mapping = upload(api, "generic.csv", django_capture_on_commit_callbacks, list="have", mapping="[1]")
    mapped = upload(
        api,
        "generic.csv",
        django_capture_on_commit_callbacks,
        list="have",
        mapping='{"name": "Card", "quantity": "Qty", "set_code": "Set", "collector_number": "Number"}',
    )

    assert refused.status_code == 400
    assert refused.json()["code"] == "unknown_header"
    assert refused.json()["errors"]["columns"] == ["Card", "Qty", "Set", "Number", "Shape"]
    assert bad_mapping.status_code == 400
    assert mapped.status_code == 201
    assert api.get(f"/api/v1/list-imports/{mapped.json()['id']}/").json()["format"] == "generic"


def test_commit_while_parsing_is_409_and_discard_is_204(api, owner, catalog):
    parsing = ListImport.objects.create(owner=owner, kind="have", original_filename="a.csv", status="parsing")
    ready = ListImport.objects.create(owner=owner, kind="have", original_filename="b.csv", status="ready")

    refused = api.post(f"/api/v1/list-imports/{parsing.pk}/commit/", {}, format="json")
    discarded = api.post(f"/api/v1/list-imports/{ready.pk}/discard/")
    again = api.post(f"/api/v1/list-imports/{ready.pk}/discard/")

    assert (refused.status_code, refused.json()["code"]) == (409, "invalid_transition")
    assert ListImport.objects.get(pk=parsing.pk).status == ImportStatus.PARSING
    assert discarded.status_code == 204
    assert ListImport.objects.get(pk=ready.pk).status == ImportStatus.DISCARDED
    assert again.status_code == 409


def test_only_the_owner_sees_an_import(api, owner, catalog):
    other = ListImport.objects.create(owner=UserFactory(), kind="have", original_filename="x.csv", status="ready")
    mine = ListImport.objects.create(owner=owner, kind="have", original_filename="y.csv", status="ready")

    listed = api.get("/api/v1/list-imports/").json()["results"]

    assert [row["id"] for row in listed] == [mine.pk]
    for path in ("", "rows/"):
        assert api.get(f"/api/v1/list-imports/{other.pk}/{path}").status_code == 404
    assert api.post(f"/api/v1/list-imports/{other.pk}/discard/").status_code == 404
    assert ListImport.objects.get(pk=other.pk).status == ImportStatus.READY


def test_bad_outcome_is_400(api, owner):
    mine = ListImport.objects.create(owner=owner, kind="have", original_filename="y.csv", status="ready")

    response = api.get(f"/api/v1/list-imports/{mine.pk}/rows/?outcome=maybe")

    assert response.status_code == 400


@pytest.mark.parametrize("body", ["[null, null]", "null", "0", "false", '""', "[]"])
def test_commit_refuses_a_body_that_is_not_an_object(api, owner, body):
    ready = ListImport.objects.create(owner=owner, kind="have", original_filename="b.csv", status="ready")

    response = api.post(f"/api/v1/list-imports/{ready.pk}/commit/", body, content_type="application/json")

    assert response.status_code == 400
    assert ListImport.objects.get(pk=ready.pk).status == ImportStatus.READY
