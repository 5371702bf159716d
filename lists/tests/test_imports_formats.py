"""Import: format detection, parsing, matching and the preview for each real export format."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import DomainError
from lists.enums import ImportFormat, ImportStatus
from lists.importers import ImportFileError, detect_format
from lists.models import HaveItem, ListImport, WantItem
from lists.services.imports import list_import_start

from .factories import make_catalog

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
    from accounts.tests.factories import UserFactory

    return UserFactory()


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    data = content if content is not None else (FIXTURES / name).read_bytes()
    return SimpleUploadedFile(name, data, content_type="text/csv")


def start(owner, name, kind="have", capture=None, content=None, replace=False) -> ListImport:
    with capture(execute=True):
        list_import = list_import_start(
            owner=owner, kind=kind, uploaded_file=upload(name, content), replace_existing=replace
        )
    list_import.refresh_from_db()
    return list_import


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "Count,Tradelist Count,Name,Edition,Edition Code,Card Number,Condition,Language,Foil,Signed,Artist Proof",
            ImportFormat.DECKBOX,
        ),
        (
            "Count,Tradelist Count,Name,Edition,Condition,Language,Foil,Tags,Last Modified,Collector Number,Alter,"
            "Proxy,Purchase Price",
            ImportFormat.MOXFIELD,
        ),
        (
            "Name,Set code,Set name,Collector number,Foil,Rarity,Quantity,ManaBox ID,Scryfall ID,Purchase price,"
            "Misprint,Altered,Condition,Language,Purchase price currency",
            ImportFormat.MANABOX,
        ),
        (
            "Binder Name,Binder Type,Name,Set code,Set name,Collector number,Foil,Rarity,Quantity,ManaBox ID,"
            "Scryfall ID,Purchase price,Misprint,Altered,Condition,Language,Purchase price currency",
            ImportFormat.MANABOX,
        ),
    ],
)
def test_detect_format_from_the_header(header, expected):
    assert detect_format(header.split(",")) == expected


def test_unknown_header_is_refused_by_name():
    with pytest.raises(ImportFileError, match="Unrecognised header: Card, Qty, Set"):
        detect_format(["Card", "Qty", "Set"])


def matched(list_import):
    rows = list_import.rows.filter(outcome="matched").order_by("row")
    return [(r.row, r.card_id, r.quantity, r.condition, r.finish, r.language) for r in rows]


def unmatched(list_import, outcome="unmatched"):
    return [
        {"row": r.row, "name": r.name, "set": r.set_code, "reason": r.reason}
        for r in list_import.rows.filter(outcome=outcome).order_by("row")
    ]


def test_deckbox_preview(owner, catalog, django_capture_on_commit_callbacks):
    list_import = start(owner, "deckbox_haves.csv", capture=django_capture_on_commit_callbacks)

    assert list_import.status == ImportStatus.READY
    assert list_import.format == ImportFormat.DECKBOX
    assert (list_import.total_rows, list_import.processed_rows, list_import.matched_rows) == (4, 4, 3)
    assert matched(list_import) == [
        (2, catalog["bolt"].pk, 4, "NM", "nonfoil", "en"),
        (3, catalog["sol_ring"].pk, 1, "LP", "foil", "en"),
        (4, catalog["delver"].pk, 2, "MP", "nonfoil", "ja"),
    ]
    assert unmatched(list_import) == [
        {
            "row": 5,
            "name": "Imaginary Beast",
            "set": "zzz",
            "reason": "Printing ZZZ 1 is not in the catalog (it has no set ZZZ).",
        }
    ]
    assert list_import.error_rows == 0
    assert HaveItem.objects.count() == 0  # nothing written before the owner commits


def test_moxfield_preview(owner, catalog, django_capture_on_commit_callbacks):
    list_import = start(owner, "moxfield_collection.csv", kind="want", capture=django_capture_on_commit_callbacks)

    assert list_import.format == ImportFormat.MOXFIELD
    assert matched(list_import) == [
        (2, catalog["thoughtseize"].pk, 2, "NM", "nonfoil", "en"),
        (3, catalog["bolt"].pk, 1, "NM", "foil", "en"),
        (5, catalog["sol_ring"].pk, 1, "HP", "nonfoil", "de"),  # name alone: a want for any printing
    ]
    assert list_import.rows.get(row=5).any_printing is True
    assert unmatched(list_import) == [
        {
            "row": 4,
            "name": "Forest",
            "set": "neo",
            "reason": "2 printings of Forest in NEO (293, 294); add the collector number.",
        }
    ]


def test_manabox_with_binder_columns(owner, catalog, django_capture_on_commit_callbacks):
    list_import = start(owner, "manabox_binder.csv", capture=django_capture_on_commit_callbacks)

    assert list_import.format == ImportFormat.MANABOX
    assert [row[:5] for row in matched(list_import)] == [
        (2, catalog["bolt"].pk, 3, "NM", "nonfoil"),  # by Scryfall id
        (3, catalog["sol_ring"].pk, 1, "LP", "foil"),  # unknown Scryfall id: set + number
    ]
    assert [(r["row"], r["name"], r["reason"]) for r in unmatched(list_import, "error")] == [
        (4, "Thoughtseize", "Thoughtseize (2XM 107) is not printed in etched.")
    ]


def test_manabox_without_binder_columns(owner, catalog, django_capture_on_commit_callbacks):
    list_import = start(owner, "manabox_plain.csv", capture=django_capture_on_commit_callbacks)

    assert [row[1:] for row in matched(list_import)] == [
        (catalog["thoughtseize"].pk, 2, "MP", "foil", "ja"),
        (catalog["bolt"].pk, 1, "DMG", "nonfoil", "en"),
    ]


def test_bad_rows_are_reported_with_row_numbers(owner, catalog, django_capture_on_commit_callbacks):
    list_import = start(owner, "deckbox_bad_rows.csv", capture=django_capture_on_commit_callbacks)

    assert list_import.status == ImportStatus.READY
    assert [(r["row"], r["reason"]) for r in unmatched(list_import, "error")] == [
        (2, "Quantity 'abc' is not a whole number."),
        (3, "Unknown condition 'Mint-ish'."),
        (4, "Unknown language 'Klingon'."),
        (6, "Quantity must be between 1 and 9999 (got 0)."),
        (7, "Unknown foil value 'shiny'."),
    ]
    assert [(row[0], row[1]) for row in matched(list_import)] == [(8, catalog["sol_ring"].pk)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ((FIXTURES / "deckbox_latin1.csv").read_bytes(), "The file is not UTF-8 text"),
        ("Count,Name\n1,Bolt\n".encode("utf-16"), "The file is UTF-16 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file"),
        (b"", "The file is empty."),
        ((FIXTURES / "unknown_header.csv").read_bytes(), "Unrecognised header: Card, Qty, Set"),
        (b'{"cards": [{"name": "Lightning Bolt"}]}', "Unrecognised header"),
    ],
)
def test_structural_errors_change_nothing(owner, catalog, content, message, django_capture_on_commit_callbacks):
    HaveItem.objects.create(owner=owner, card=catalog["bolt"], quantity=2)

    with pytest.raises(DomainError, match=message) as raised, django_capture_on_commit_callbacks(execute=True):
        list_import_start(owner=owner, kind="have", uploaded_file=upload("file.csv", content), replace_existing=True)

    assert raised.value.field == "file"
    assert ListImport.objects.count() == 0
    assert list(HaveItem.objects.values_list("card_id", "quantity")) == [(catalog["bolt"].pk, 2)]


def test_want_rows_without_condition_default_to_lightly_played(owner, catalog, django_capture_on_commit_callbacks):
    content = (
        b"Name,Set code,Set name,Collector number,Foil,Rarity,Quantity,ManaBox ID,Scryfall ID,Purchase price,"
        b"Misprint,Altered,Condition,Language,Purchase price currency\n"
        b"Sol Ring,CMM,Commander Masters,410,normal,uncommon,2,1,,,false,false,,,USD\n"
    )
    list_import = start(owner, "wants.csv", kind="want", content=content, capture=django_capture_on_commit_callbacks)

    assert [(row[1], row[3], row[5]) for row in matched(list_import)] == [(catalog["sol_ring"].pk, "LP", "en")]
    assert WantItem.objects.count() == 0


def test_name_alone_that_is_ambiguous_is_unmatched(owner, catalog, django_capture_on_commit_callbacks):
    content = (
        b"Count,Tradelist Count,Name,Edition,Condition,Language,Foil,Tags,Last Modified,Collector Number,Alter,"
        b"Proxy,Purchase Price\n1,1,Lightning Bolt,,NM,English,,,,,False,False,\n"
    )
    list_import = start(owner, "mox.csv", content=content, capture=django_capture_on_commit_callbacks)

    assert matched(list_import) == []
    assert unmatched(list_import) == [
        {
            "row": 2,
            "name": "Lightning Bolt",
            "set": "",
            "reason": "2 printings of Lightning Bolt (2X2 117, M10 146); add the set and collector number.",
        }
    ]
