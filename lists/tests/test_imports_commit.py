"""Import commit (all or nothing, upsert, replace, idempotent tasks) and CSV export."""

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from core.errors import InvalidTransition
from lists.enums import ImportStatus
from lists.importers.export import moxfield_rows, neutralise_cell
from lists.models import HaveItem, ListImport, ListImportRow, WantItem
from lists.services.imports import (
    COMMIT_FAILED_MESSAGE,
    PARSE_FAILED_MESSAGE,
    list_import_discard,
    list_import_request_commit,
    list_import_start,
)
from lists.tasks import commit_list_import, parse_list_import

from .factories import HaveItemFactory, make_catalog

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def catalog():
    return make_catalog()


@pytest.fixture
def owner():
    return UserFactory()


def preview(owner, name, capture, kind="have", content=None) -> ListImport:
    data = content if content is not None else (FIXTURES / name).read_bytes()
    with capture(execute=True):
        list_import = list_import_start(owner=owner, kind=kind, uploaded_file=SimpleUploadedFile(name, data))
    list_import.refresh_from_db()
    return list_import


def commit(owner, list_import, capture, replace=False) -> ListImport:
    with capture(execute=True):
        list_import_request_commit(owner=owner, list_import_id=list_import.pk, replace_existing=replace)
    list_import.refresh_from_db()
    return list_import


def rows(model, owner):
    return sorted(
        model.objects.filter(owner=owner).values_list("card__name", "quantity", "condition", "finish", "language")
    )


def test_commit_writes_every_matched_row(owner, catalog, django_capture_on_commit_callbacks):
    list_import = preview(owner, "deckbox_haves.csv", django_capture_on_commit_callbacks)

    stored = Path(list_import.file.path)
    assert stored.exists()

    list_import = commit(owner, list_import, django_capture_on_commit_callbacks)

    assert not stored.exists() and list_import.file.name == ""  # the upload is not kept
    assert list_import.status == ImportStatus.COMMITTED
    assert list_import.committed_at is not None
    assert rows(HaveItem, owner) == [
        ("Delver of Secrets // Insectile Aberration", 2, "MP", "nonfoil", "ja"),
        ("Lightning Bolt", 4, "NM", "nonfoil", "en"),
        ("Sol Ring", 1, "LP", "foil", "en"),
    ]


def test_commit_upserts_by_printing_and_keeps_other_rows(owner, catalog, django_capture_on_commit_callbacks):
    HaveItemFactory(owner=owner, card=catalog["bolt"], quantity=9, min_trade_value="5.00")
    HaveItemFactory(owner=owner, card=catalog["mace"], quantity=1)
    list_import = preview(owner, "deckbox_haves.csv", django_capture_on_commit_callbacks)

    commit(owner, list_import, django_capture_on_commit_callbacks)

    bolt = HaveItem.objects.get(owner=owner, card=catalog["bolt"])
    assert (bolt.quantity, str(bolt.min_trade_value)) == (4, "5.00")  # quantity set from the file, terms kept
    assert HaveItem.objects.filter(owner=owner, card=catalog["mace"], quantity=1).exists()
    assert HaveItem.objects.filter(owner=owner).count() == 4


def test_commit_with_replace_removes_rows_not_in_the_file(owner, catalog, django_capture_on_commit_callbacks):
    HaveItemFactory(owner=owner, card=catalog["mace"], quantity=1)
    other = HaveItemFactory(card=catalog["mace"], quantity=1)
    list_import = preview(owner, "deckbox_haves.csv", django_capture_on_commit_callbacks)

    commit(owner, list_import, django_capture_on_commit_callbacks, replace=True)

    assert [name for name, *_ in rows(HaveItem, owner)] == [
        "Delver of Secrets // Insectile Aberration",
        "Lightning Bolt",
        "Sol Ring",
    ]
    assert HaveItem.objects.filter(pk=other.pk).exists()  # someone else's list is untouched


def test_duplicate_rows_in_a_file_are_summed(owner, catalog, django_capture_on_commit_callbacks):
    content = (
        b"Name,Set code,Set name,Collector number,Foil,Rarity,Quantity,ManaBox ID,Scryfall ID,Purchase price,"
        b"Misprint,Altered,Condition,Language,Purchase price currency\n"
        b"Sol Ring,CMM,Commander Masters,410,normal,uncommon,2,1,,,false,false,near_mint,en,USD\n"
        b"Sol Ring,CMM,Commander Masters,410,normal,uncommon,3,1,,,false,false,mint,en,USD\n"
    )
    list_import = preview(owner, "mb.csv", django_capture_on_commit_callbacks, kind="want", content=content)

    commit(owner, list_import, django_capture_on_commit_callbacks)

    assert rows(WantItem, owner) == [("Sol Ring", 5, "NM", "nonfoil", "en")]


def test_commit_is_all_or_nothing(owner, catalog, django_capture_on_commit_callbacks):
    """A row that cannot be written (its card vanished since the preview) rolls everything back,
    including the replace's deletions."""
    keep = HaveItemFactory(owner=owner, card=catalog["mace"], quantity=7)
    list_import = preview(owner, "deckbox_haves.csv", django_capture_on_commit_callbacks)
    vanished = CardFactory()
    ListImportRow.objects.create(
        list_import=list_import, row=9, outcome="matched", card=vanished, quantity=1, condition="NM", finish="nonfoil"
    )
    with connection.cursor() as cursor:  # gone from the catalog behind the ORM's back
        cursor.execute("DELETE FROM cards_card WHERE id = %s", [vanished.pk])

    list_import = commit(owner, list_import, django_capture_on_commit_callbacks, replace=True)

    assert list_import.status == ImportStatus.FAILED
    assert list_import.error_message == COMMIT_FAILED_MESSAGE
    assert list(HaveItem.objects.filter(owner=owner).values_list("pk", "quantity")) == [(keep.pk, 7)]
    ListImportRow.objects.filter(card_id=vanished.pk).delete()  # the test database checks its keys at the end


def test_tasks_are_idempotent(owner, catalog, django_capture_on_commit_callbacks):
    list_import = preview(owner, "deckbox_haves.csv", django_capture_on_commit_callbacks)
    parse_list_import.delay(list_import.pk)  # delivered twice: already parsed, nothing changes
    list_import.refresh_from_db()
    assert (list_import.status, list_import.matched_rows) == (ImportStatus.READY, 3)

    commit(owner, list_import, django_capture_on_commit_callbacks)
    commit_list_import.delay(list_import.pk)  # delivered twice: quantities are not doubled

    assert HaveItem.objects.get(owner=owner, card=catalog["bolt"]).quantity == 4


def test_commit_twice_is_refused(owner, catalog, django_capture_on_commit_callbacks):
    list_import = preview(owner, "deckbox_haves.csv", django_capture_on_commit_callbacks)
    commit(owner, list_import, django_capture_on_commit_callbacks)

    with pytest.raises(InvalidTransition):
        list_import_request_commit(owner=owner, list_import_id=list_import.pk, replace_existing=False)


def test_discard_leaves_the_list_alone(owner, catalog, django_capture_on_commit_callbacks):
    list_import = preview(owner, "deckbox_haves.csv", django_capture_on_commit_callbacks)

    stored = Path(list_import.file.path)

    with django_capture_on_commit_callbacks(execute=True):
        list_import_discard(owner=owner, list_import_id=list_import.pk)

    assert not stored.exists()
    list_import.refresh_from_db()
    assert (list_import.status, list_import.rows.count()) == (ImportStatus.DISCARDED, 0)
    assert HaveItem.objects.count() == 0
    with pytest.raises(InvalidTransition):
        list_import_request_commit(owner=owner, list_import_id=list_import.pk, replace_existing=False)


def test_a_large_file_is_parsed_in_chunks(owner, catalog, django_capture_on_commit_callbacks):
    header = (
        "Count,Tradelist Count,Name,Edition,Condition,Language,Foil,Tags,Last Modified,Collector Number,"
        "Alter,Proxy,Purchase Price\n"
    )
    lines = [f"1,1,Lightning Bolt,2x2,NM,English,{'foil' if i % 2 else ''},,,117,False,False,\n" for i in range(2500)]
    list_import = preview(
        owner, "big.csv", django_capture_on_commit_callbacks, content=(header + "".join(lines)).encode()
    )

    assert (list_import.total_rows, list_import.processed_rows, list_import.matched_rows) == (2500, 2500, 2500)
    commit(owner, list_import, django_capture_on_commit_callbacks)
    assert rows(HaveItem, owner) == [
        ("Lightning Bolt", 1250, "NM", "foil", "en"),
        ("Lightning Bolt", 1250, "NM", "nonfoil", "en"),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+2 Mace", "'+2 Mace"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Lightning Bolt", "Lightning Bolt"),
        (4, "4"),
        (None, ""),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


def test_export_neutralises_formulas_and_reads_back(owner, catalog, django_capture_on_commit_callbacks):
    HaveItemFactory(owner=owner, card=catalog["mace"], quantity=2, note="=cmd|' /C calc'!A0")
    HaveItemFactory(owner=owner, card=catalog["bolt"], quantity=1, finish="foil", condition="LP", language="ja")
    items = HaveItem.objects.filter(owner=owner).select_related("card").order_by("card__name")

    text = "".join(moxfield_rows(items, is_have_list=True))

    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0][:4] == ["Count", "Tradelist Count", "Name", "Edition"]
    assert parsed[1][:8] == ["2", "2", "'+2 Mace", "afr", "NM", "English", "", "'=cmd|' /C calc'!A0"]
    assert parsed[2][:7] == ["1", "1", "Lightning Bolt", "2x2", "LP", "Japanese", "foil"]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in parsed for cell in row)

    other = UserFactory()
    list_import = preview(other, "export.csv", django_capture_on_commit_callbacks, content=text.encode())
    commit(other, list_import, django_capture_on_commit_callbacks)
    assert rows(HaveItem, other) == rows(HaveItem, owner)


def test_a_file_gone_before_parsing_fails_the_import_cleanly(owner, catalog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        list_import = list_import_start(
            owner=owner,
            kind="have",
            uploaded_file=SimpleUploadedFile("x.csv", (FIXTURES / "deckbox_haves.csv").read_bytes()),
        )
    list_import.file.delete(save=False)

    for callback in callbacks:
        callback()

    list_import.refresh_from_db()
    assert list_import.status == ImportStatus.FAILED
    assert list_import.error_message == PARSE_FAILED_MESSAGE  # no server paths shown to the trader
    assert HaveItem.objects.count() == 0
