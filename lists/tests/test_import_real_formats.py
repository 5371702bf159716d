"""Every export format, on a real-format file each (fixtures/formats/SOURCES.md), through the
whole import: detection, the matching rules (docs/imports.md), tradelist semantics, vocabularies,
and re-importing the same file changing nothing."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from lists.enums import ImportFormat, ImportRowOutcome, ImportStatus
from lists.importers import ParsedRow
from lists.importers.matching import Matcher
from lists.models import HaveItem, ListImport, WantItem
from lists.services.imports import list_import_request_commit, list_import_start

from .factories import make_catalog

FORMATS = Path(__file__).parent / "fixtures" / "formats"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def cards():
    """The lists catalog (factories.make_catalog) and the printings these files name."""
    both = ["nonfoil", "foil"]
    catalog = make_catalog()
    catalog["bolt"].finishes = [*both, "etched"]
    catalog["bolt"].save(update_fields=["finishes"])

    def card(name, set_code, set_name, number, **fields):
        return CardFactory(name=name, set_code=set_code, set_name=set_name, collector_number=number, **fields)

    return catalog | {
        # WOE 263 is not in this catalog: a row naming it must never become this Island.
        "island_269": card("Island", "woe", "Wilds of Eldraine", "269"),
        "rhystic": card("Rhystic Study", "pcy", "Prophecy", "45", finishes=["nonfoil"]),
        "fact": card("Fact or Fiction", "inv", "Invasion", "56"),
        "counterspell": card("Counterspell", "sld", "Secret Lair Drop", "1001", finishes=["foil"]),
        "goblin_token": card("Goblin", "tmom", "March of the Machine Tokens", "5", layout="token", tradable=False),
        "elves_digital": card("Llanowar Elves", "ha1", "Historic Anthology 1", "16", digital_only=True, tradable=False),
    }


@pytest.fixture
def owner():
    return UserFactory()


def start(owner, name, capture, *, kind="have", **options) -> ListImport:
    upload = SimpleUploadedFile(name, (FORMATS / name).read_bytes(), content_type="text/csv")
    with capture(execute=True):
        list_import = list_import_start(owner=owner, kind=kind, uploaded_file=upload, **options)
    list_import.refresh_from_db()
    return list_import


def commit(owner, list_import, capture, replace=False):
    with capture(execute=True):
        list_import_request_commit(owner=owner, list_import_id=list_import.pk, replace_existing=replace)
    list_import.refresh_from_db()
    assert list_import.status == ImportStatus.COMMITTED, list_import.error_message


def outcomes(list_import, cards) -> dict[int, tuple]:
    """Row number -> (outcome, card key or reason, quantity, condition, finish, any_printing)."""
    names = {card.pk: key for key, card in cards.items()}
    result = {}
    for row in list_import.rows.order_by("row"):
        if row.outcome == ImportRowOutcome.MATCHED:
            result[row.row] = (
                "matched",
                names[row.card_id],
                row.quantity,
                row.condition,
                row.finish,
                row.any_printing,
                row.reason,
            )
        else:
            result[row.row] = (row.outcome, row.reason)
    return result


def test_deckbox_current(owner, cards, django_capture_on_commit_callbacks):
    list_import = start(owner, "deckbox_current.csv", django_capture_on_commit_callbacks)

    assert (list_import.format, list_import.status) == (ImportFormat.DECKBOX, ImportStatus.READY)
    assert outcomes(list_import, cards) == {
        2: ("matched", "bolt", 4, "NM", "nonfoil", False, ""),
        # Names a printing the catalog lacks: unmatched, never WOE 269.
        3: ("unmatched", "Printing WOE 263 is not in the catalog."),
        4: ("not_for_trade", "Tradelist count is 0 (owned, not offered for trade)."),
        # Deckbox codes PR and IN: the Edition names resolve them; Deckbox "Played" is MP; tradelist 1 of 2.
        5: ("matched", "rhystic", 1, "MP", "nonfoil", False, ""),
        6: ("matched", "fact", 1, "LP", "nonfoil", False, ""),
        # Foil-only printing, blank Foil column: taken as foil, with a note.
        7: ("matched", "counterspell", 1, "NM", "foil", False, "Taken as foil: this printing exists only in foil."),
        8: ("unmatched", "Goblin (TMOM 5) is a token, not a card to trade."),
    }
    assert list_import.counts == {"rows": 7, "matched": 4, "unmatched": 2, "errors": 0, "not_for_trade": 1}


def test_deckbox_whole_collection_takes_every_count(owner, cards, django_capture_on_commit_callbacks):
    list_import = start(owner, "deckbox_current.csv", django_capture_on_commit_callbacks, whole_collection=True)

    rows = outcomes(list_import, cards)
    assert rows[4] == ("matched", "forest_a", 3, "NM", "nonfoil", False, "")
    assert rows[5][:3] == ("matched", "rhystic", 2)  # Count, not Tradelist Count
    assert list_import.not_for_trade_rows == 0


def test_deckbox_older_header_resolves_sets_by_edition_name(owner, cards, django_capture_on_commit_callbacks):
    list_import = start(owner, "deckbox_older.csv", django_capture_on_commit_callbacks)

    assert list_import.format == ImportFormat.DECKBOX
    assert outcomes(list_import, cards) == {
        2: ("matched", "bolt", 2, "HP", "foil", False, ""),
        3: ("matched", "rhystic", 1, "DMG", "nonfoil", False, ""),
        4: ("unmatched", "Printing WOE 263 is not in the catalog."),
        5: ("not_for_trade", "Tradelist count is 0 (owned, not offered for trade)."),
    }


def test_deckbox_codes_resolve_through_the_alias_table(cards):
    matcher = Matcher(file_format=ImportFormat.DECKBOX, for_wants=False)
    other = Matcher(file_format=ImportFormat.MOXFIELD, for_wants=False)

    def row(code, name=""):
        return ParsedRow(2, "x", code, name, "1", "", 1, "", "", "en")

    assert [matcher.resolve_set(row(code)) for code in ("pr", "in", "pcy", "zz")] == ["pcy", "inv", "pcy", None]
    assert other.resolve_set(row("pr")) is None  # Deckbox's codes are not read into other formats' files
    assert matcher.resolve_set(row("zz", "prophecy")) == "pcy"  # the set name first, case-insensitive


def test_moxfield_collection(owner, cards, django_capture_on_commit_callbacks):
    list_import = start(owner, "moxfield_collection.csv", django_capture_on_commit_callbacks)

    assert list_import.format == ImportFormat.MOXFIELD
    assert outcomes(list_import, cards) == {
        2: ("matched", "bolt", 2, "NM", "nonfoil", False, ""),
        3: ("unmatched", "2 printings of Forest in NEO (293, 294); add the collector number."),
        4: ("matched", "delver", 1, "LP", "foil", False, ""),
        5: ("not_for_trade", "Tradelist count is 0 (owned, not offered for trade)."),
        6: ("unmatched", "Llanowar Elves (HA1 16) is digital-only (Arena/MTGO), not a card to trade."),
        7: ("unmatched", "Printing WOE 263 is not in the catalog."),
    }


def test_moxfield_wants_name_only_rows_are_any_printing(owner, cards, django_capture_on_commit_callbacks):
    list_import = start(owner, "moxfield_wants.csv", django_capture_on_commit_callbacks, kind="want")

    assert list_import.format == ImportFormat.MOXFIELD
    assert outcomes(list_import, cards) == {
        2: ("matched", "bolt", 4, "NM", "nonfoil", True, ""),
        3: ("matched", "counterspell", 1, "NM", "foil", True, ""),
        4: ("unmatched", "2 printings of Forest in NEO (293, 294); add the collector number."),
        5: ("unmatched", "Printing WOE 263 is not in the catalog."),
    }
    commit(owner, list_import, django_capture_on_commit_callbacks)
    assert sorted(WantItem.objects.filter(owner=owner).values_list("card__name", "any_printing", "quantity")) == [
        ("Counterspell", True, 1),
        ("Lightning Bolt", True, 4),
    ]


def test_moxfield_have_name_only_with_several_printings_is_unmatched_with_candidates(
    owner, cards, django_capture_on_commit_callbacks
):
    list_import = start(owner, "moxfield_wants.csv", django_capture_on_commit_callbacks, kind="have")

    rows = outcomes(list_import, cards)
    assert rows[2] == (
        "unmatched",
        "2 printings of Lightning Bolt (2X2 117, M10 146); add the set and collector number.",
    )
    assert rows[3] == ("matched", "counterspell", 1, "NM", "foil", False, "")  # one printing: that one


def test_manabox_binder_types_and_vocabulary(owner, cards, django_capture_on_commit_callbacks):
    list_import = start(owner, "manabox_collection.csv", django_capture_on_commit_callbacks)

    assert list_import.format == ImportFormat.MANABOX
    assert outcomes(list_import, cards) == {
        2: ("matched", "bolt", 3, "HP", "nonfoil", False, ""),  # ManaBox "played" is Heavily Played
        3: ("unmatched", "Printing WOE 263 is not in the catalog."),
        4: ("not_for_trade", "In a ManaBox deck, not a binder."),
        5: ("not_for_trade", "In a ManaBox list, not a binder."),
        6: ("matched", "counterspell", 1, "MP", "foil", False, ""),
        # The Scryfall id is unknown, but the row also names M10 146: that printing.
        7: ("matched", "bolt_m10", 1, "DMG", "nonfoil", False, ""),
    }


def test_manabox_want_import_takes_every_binder(owner, cards, django_capture_on_commit_callbacks):
    list_import = start(owner, "manabox_collection.csv", django_capture_on_commit_callbacks, kind="want")

    assert list_import.not_for_trade_rows == 0
    assert list_import.matched_rows == 5


def test_manabox_whole_collection_takes_decks_and_lists(owner, cards, django_capture_on_commit_callbacks):
    list_import = start(owner, "manabox_collection.csv", django_capture_on_commit_callbacks, whole_collection=True)

    assert (list_import.matched_rows, list_import.not_for_trade_rows) == (5, 0)


def test_manabox_one_binder(owner, cards, django_capture_on_commit_callbacks):
    list_import = start(owner, "manabox_one_binder.csv", django_capture_on_commit_callbacks)

    assert list_import.format == ImportFormat.MANABOX
    assert outcomes(list_import, cards) == {
        2: ("matched", "fact", 2, "MP", "nonfoil", False, ""),
        3: ("matched", "delver", 1, "NM", "foil", False, ""),
    }
    assert list_import.rows.get(row=3).language == "zhs"


NO_NOTE = ""
FORMAT_CASES = {
    "tcgplayer_app.csv": (
        ImportFormat.TCGPLAYER,
        {
            2: ("matched", "bolt", 2, "LP", "foil", False, NO_NOTE),
            3: ("matched", "rhystic", 1, "DMG", "nonfoil", False, NO_NOTE),
            # "Normal" is an explicit finish: a foil-only printing in it is an error, not a guess.
            4: ("error", "Counterspell (SLD 1001) is not printed in nonfoil."),
        },
    ),
    "dragonshield.csv": (  # the "sep=," line is row 1, the header row 2
        ImportFormat.DRAGON_SHIELD,
        {
            3: ("matched", "bolt", 2, "NM", "nonfoil", False, NO_NOTE),  # Trade Quantity, not Quantity
            4: ("not_for_trade", "Tradelist count is 0 (owned, not offered for trade)."),
            5: ("matched", "fact", 1, "HP", "nonfoil", False, NO_NOTE),  # Cardmarket's Played
        },
    ),
    "archidekt.csv": (
        ImportFormat.ARCHIDEKT,
        {
            2: ("matched", "bolt", 1, "NM", "etched", False, NO_NOTE),
            3: ("matched", "fact", 2, "MP", "nonfoil", False, NO_NOTE),
            4: ("unmatched", "2 printings of Forest in NEO (293, 294); add the collector number."),
        },
    ),
    "deckstats.csv": (
        ImportFormat.DECKSTATS,
        {
            2: ("matched", "bolt", 3, "NM", "nonfoil", False, NO_NOTE),
            3: ("matched", "counterspell", 1, "HP", "foil", False, NO_NOTE),
            4: ("matched", "rhystic", 1, "DMG", "nonfoil", False, NO_NOTE),
        },
    ),
}


@pytest.mark.parametrize("name", list(FORMAT_CASES))
def test_format_rows(owner, cards, django_capture_on_commit_callbacks, name):
    expected_format, expected_rows = FORMAT_CASES[name]

    list_import = start(owner, name, django_capture_on_commit_callbacks)

    assert list_import.format == expected_format
    assert outcomes(list_import, cards) == expected_rows


def test_dragon_shield_languages(owner, cards, django_capture_on_commit_callbacks):
    list_import = start(owner, "dragonshield.csv", django_capture_on_commit_callbacks)

    assert list_import.rows.get(row=5).language == "de"


def test_generic_csv_with_a_column_mapping(owner, cards, django_capture_on_commit_callbacks):
    mapping = {"name": "Card", "quantity": "Qty", "set_code": "Set", "collector_number": "Number"}
    list_import = start(owner, "generic.csv", django_capture_on_commit_callbacks, mapping=mapping)

    assert (list_import.format, list_import.mapping) == (ImportFormat.GENERIC, mapping)
    assert outcomes(list_import, cards) == {
        2: ("matched", "bolt", 2, "NM", "nonfoil", False, ""),
        3: ("matched", "rhystic", 1, "NM", "nonfoil", False, ""),
        4: ("unmatched", "Printing WOE 263 is not in the catalog."),
    }


ALL_FILES = [
    ("deckbox_current.csv", "have", {}),
    ("deckbox_older.csv", "have", {}),
    ("moxfield_collection.csv", "have", {}),
    ("moxfield_wants.csv", "want", {}),
    ("manabox_collection.csv", "have", {}),
    ("manabox_one_binder.csv", "have", {}),
    ("tcgplayer_app.csv", "have", {}),
    ("dragonshield.csv", "have", {}),
    ("archidekt.csv", "have", {}),
    ("deckstats.csv", "want", {}),
    ("generic.csv", "have", {"mapping": {"name": "Card", "quantity": "Qty", "set_code": "Set"}}),
]


@pytest.mark.parametrize(("name", "kind", "options"), ALL_FILES, ids=[name for name, _k, _o in ALL_FILES])
def test_reimporting_a_file_changes_nothing(owner, cards, django_capture_on_commit_callbacks, name, kind, options):
    model = HaveItem if kind == "have" else WantItem
    fields = ("card_id", "quantity", "condition", "finish", "language", "pk")

    commit(
        owner,
        start(owner, name, django_capture_on_commit_callbacks, kind=kind, **options),
        django_capture_on_commit_callbacks,
    )
    first = sorted(model.objects.filter(owner=owner).values_list(*fields))
    commit(
        owner,
        start(owner, name, django_capture_on_commit_callbacks, kind=kind, **options),
        django_capture_on_commit_callbacks,
    )

    assert first  # every file imports something
    assert sorted(model.objects.filter(owner=owner).values_list(*fields)) == first


def test_generic_mapping_naming_a_missing_column_is_refused(owner, cards):
    upload = SimpleUploadedFile("generic.csv", (FORMATS / "generic.csv").read_bytes())
    from core.errors import DomainError

    with pytest.raises(DomainError, match="no column 'Amount'"):
        list_import_start(
            owner=owner, kind="have", uploaded_file=upload, mapping={"name": "Card", "quantity": "Amount"}
        )
    assert not ListImport.objects.exists()


def test_unknown_header_lists_its_columns(owner, cards):
    from lists.services.imports import UnknownHeaderError

    upload = SimpleUploadedFile("generic.csv", (FORMATS / "generic.csv").read_bytes())
    with pytest.raises(UnknownHeaderError) as raised:
        list_import_start(owner=owner, kind="have", uploaded_file=upload)
    assert raised.value.columns == ["Card", "Qty", "Set", "Number", "Shape"]
    assert json.dumps(raised.value.columns)  # what the API returns in errors.columns
    assert not ListImport.objects.exists()


def test_a_format_override_is_used_and_checked(owner, cards, django_capture_on_commit_callbacks):
    from core.errors import DomainError

    forced = start(owner, "archidekt.csv", django_capture_on_commit_callbacks, file_format=ImportFormat.ARCHIDEKT)
    upload = SimpleUploadedFile("m.csv", (FORMATS / "manabox_one_binder.csv").read_bytes())

    assert forced.format == ImportFormat.ARCHIDEKT
    with pytest.raises(DomainError, match="no 'card_name' column, so it is not a deckstats export"):
        list_import_start(owner=owner, kind="have", uploaded_file=upload, file_format=ImportFormat.DECKSTATS)
    assert ListImport.objects.count() == 1
