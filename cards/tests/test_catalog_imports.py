"""Catalog freshness (the source date of every import; an older file adds history only) and MTGJSON identifiers
from any MTGJSON file.

MTGJSON fixtures follow the shapes of MTGJSON's files (mtgjson.com/data-models: AllPrintings is
{"meta", "data": {set code: Set}}, a set file is {"meta", "data": Set}, a Set has "cards" and "tokens"
lists of cards with "uuid" and "identifiers.scryfallId"); the set file's member names and order were
checked against a real Zendikar Rising set file kept as a test response in a public PHP MTGJSON client
(SetFormatter test, ZNR with its TM21 tokens).
"""

import bz2
import http.server
import json
import lzma
import shutil
import threading
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cards.importers import mtgjson_prices_import, scryfall_import
from cards.importers.freshness import date_from_file_name, scryfall_source
from cards.models import Card, CardPrice, CatalogImport, PriceSnapshot

from .test_importers import BOLT, FIXTURES, SOL_RING

pytestmark = pytest.mark.django_db

NEWER = datetime(2026, 11, 25, tzinfo=UTC)
OLDER = datetime(2026, 11, 20, tzinfo=UTC)


def older_file(tmp_path) -> Path:
    """The fixture as an older dump: other set names, another Bolt price, one printing the newer file lacks."""
    records = json.loads((FIXTURES / "scryfall_default_cards.json").read_text())
    for record in records:
        record["set_name"] = "Old Name"
    records[0]["prices"]["usd"] = "1.50"
    extra = dict(records[0], id="7c000000-0000-4000-8000-000000000001", collector_number="999")
    path = tmp_path / "older.json"
    path.write_text(json.dumps([*records, extra]))
    return path


def test_an_import_is_recorded_with_its_source_date_and_counts():
    report = scryfall_import(path=FIXTURES / "scryfall_default_cards.json", as_of=NEWER, publish=False)

    recorded = CatalogImport.objects.get()
    assert (recorded.kind, recorded.source_date, recorded.dated_by, recorded.fields_applied, recorded.ok) == (
        "scryfall",
        NEWER,
        "option",
        True,
        True,
    )
    assert (recorded.records_seen, recorded.cards_created, recorded.snapshots_created) == (5, 5, 15)
    assert report.warnings == []


def test_an_undated_import_is_dated_now_with_a_warning():
    report = scryfall_import(path=FIXTURES / "scryfall_default_cards.json", publish=False)

    recorded = CatalogImport.objects.get()
    assert recorded.dated_by == "import_time"
    assert recorded.source_date == datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert "date is not known" in report.warnings[0]
    assert any(line.startswith("WARNING: the file's date is not known") for line in report.lines())


def test_an_older_bulk_file_does_not_overwrite_newer_fields_or_prices(tmp_path):
    scryfall_import(path=FIXTURES / "scryfall_default_cards.json", as_of=NEWER, publish=False)
    fields_before = sorted(Card.objects.values_list("scryfall_id", "set_name", "updated_at"))
    bolt_id = Card.objects.get(scryfall_id=BOLT).pk

    report = scryfall_import(path=older_file(tmp_path), as_of=OLDER, publish=False)

    assert (report.cards_created, report.cards_updated, report.cards_kept_newer) == (1, 0, 5)
    assert "older than the last applied one" in report.warnings[0]
    kept = Card.objects.exclude(scryfall_id="7c000000-0000-4000-8000-000000000001")
    assert sorted(kept.values_list("scryfall_id", "set_name", "updated_at")) == fields_before
    assert Card.objects.get(scryfall_id="7c000000-0000-4000-8000-000000000001").set_name == "Old Name"
    # Its prices are history at their date; the current price stays the newer one.
    assert PriceSnapshot.objects.get(card_id=bolt_id, finish="nonfoil", currency="USD", captured_at=OLDER).price == (
        Decimal("1.50")
    )
    current = CardPrice.objects.get(card_id=bolt_id, finish="nonfoil")
    assert (current.price, current.captured_at) == (Decimal("2.35"), NEWER)
    older = CatalogImport.objects.get(source_date=OLDER)
    assert (older.fields_applied, older.cards_kept_newer) == (False, 5)


def test_a_newer_file_after_an_older_one_applies_again(tmp_path):
    scryfall_import(path=FIXTURES / "scryfall_default_cards.json", as_of=OLDER, publish=False)

    report = scryfall_import(path=older_file(tmp_path), as_of=NEWER, publish=False)

    assert (report.cards_updated, report.cards_kept_newer) == (5, 0)
    assert set(Card.objects.values_list("set_name", flat=True)) == {"Old Name"}


def test_scryfall_file_names_carry_their_date(tmp_path):
    named = tmp_path / "default-cards-20261120091512.json"
    shutil.copy(FIXTURES / "scryfall_default_cards.json", named)

    assert date_from_file_name(str(named)) == datetime(2026, 11, 20, 9, 15, 12, tzinfo=UTC)
    assert date_from_file_name("cards.json") is None
    assert scryfall_source(str(named))[1:] == (datetime(2026, 11, 20, 9, 15, 12, tzinfo=UTC), "file_name")
    assert scryfall_source(str(named), as_of=NEWER)[1:] == (NEWER, "option")


@pytest.fixture
def served(tmp_path):
    """A local HTTP server for a temporary directory (the command downloads for real, without the internet)."""
    root = tmp_path / "served"
    root.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_command_dates_a_fetched_file_by_the_bulk_metadata(served):
    root, base_url = served
    shutil.copy(FIXTURES / "scryfall_default_cards.json", root / "default-cards.json")
    (root / "bulk-data").mkdir()
    metadata = {
        "object": "bulk_data",
        "type": "default_cards",
        "updated_at": "2026-11-24T09:04:12.345+00:00",
        "download_uri": f"{base_url}/default-cards.json",
        "content_type": "application/json",
    }
    (root / "bulk-data" / "default-cards").write_text(json.dumps(metadata))

    call_command("import_scryfall", f"{base_url}/bulk-data/default-cards", "--no-live")

    recorded = CatalogImport.objects.get()
    moment = datetime(2026, 11, 24, 9, 4, 12, 345000, tzinfo=UTC)
    assert (recorded.dated_by, recorded.source_date) == ("metadata", moment)
    assert recorded.source == f"{base_url}/bulk-data/default-cards"
    assert set(PriceSnapshot.objects.values_list("captured_at", flat=True)) == {moment}


# MTGJSON identifiers from any MTGJSON file


def import_scryfall():
    scryfall_import(path=FIXTURES / "scryfall_default_cards.json", as_of=NEWER, publish=False)


def compressed(path: Path, tmp_path: Path, suffix: str) -> Path:
    packed = tmp_path / (path.name + suffix)
    packer = {".xz": lzma.compress, ".bz2": bz2.compress}[suffix]
    packed.write_bytes(packer(path.read_bytes()))
    return packed


@pytest.mark.parametrize(
    "identifiers",
    ["mtgjson_identifiers.json", "mtgjson_all_printings.json", "mtgjson_set_2xm.json"],
)
def test_identifiers_from_all_identifiers_all_printings_and_a_set_file(identifiers):
    import_scryfall()

    report = mtgjson_prices_import(
        prices_path=FIXTURES / "mtgjson_all_prices_today.json", identifiers_path=FIXTURES / identifiers, publish=False
    )

    assert report.is_ok, report.file_errors
    assert report.cards_matched == 2
    assert {
        str(uuid)
        for uuid in Card.objects.filter(scryfall_id__in=[BOLT, SOL_RING]).values_list("mtgjson_uuid", flat=True)
    } == {"5f8287b1-5bb6-5f4c-ad17-316a40d5bb0c", "1c1f2f9e-6c4a-5d8e-9f3b-7a2b1c0d9e8f"}
    recorded = CatalogImport.objects.get(kind="mtgjson")
    assert (recorded.dated_by, recorded.source_date.date().isoformat(), recorded.cards_matched) == (
        "price_dates",
        "2026-11-24",  # the newest price date in the file
        2,
    )


@pytest.mark.parametrize("suffix", [".xz", ".bz2"])
def test_compressed_all_printings_streams(tmp_path, suffix):
    import_scryfall()
    packed = compressed(FIXTURES / "mtgjson_all_printings.json", tmp_path, suffix)

    report = mtgjson_prices_import(
        prices_path=FIXTURES / "mtgjson_all_prices_today.json", identifiers_path=packed, publish=False
    )

    assert (report.is_ok, report.cards_matched) == (True, 2)


@pytest.mark.parametrize(
    "identifiers",
    ["mtgjson_all_prices_today.json", "scryfall_default_cards.json", "mtgjson_wrong_top_level.json"],
)
def test_identifiers_file_without_mappings_is_an_error_and_nothing_is_written(identifiers):
    import_scryfall()
    before = PriceSnapshot.objects.count()

    report = mtgjson_prices_import(
        prices_path=FIXTURES / "mtgjson_all_prices_today.json", identifiers_path=FIXTURES / identifiers, publish=False
    )

    assert not report.is_ok
    assert report.file_errors[0].startswith("identifiers:")
    assert PriceSnapshot.objects.count() == before
    assert not Card.objects.exclude(mtgjson_uuid=None).exists()
    with pytest.raises(CommandError):
        call_command(
            "import_mtgjson_prices",
            str(FIXTURES / "mtgjson_all_prices_today.json"),
            "--identifiers",
            str(FIXTURES / identifiers),
            "--no-live",
        )


@pytest.mark.parametrize(
    "not_prices", ["mtgjson_identifiers.json", "mtgjson_all_printings.json", "mtgjson_set_2xm.json"]
)
def test_a_prices_file_with_no_price_records_exits_non_zero(not_prices, capsys):
    import_scryfall()

    with pytest.raises(CommandError, match="file errors"):
        call_command("import_mtgjson_prices", str(FIXTURES / not_prices), "--no-live")

    assert "FILE ERROR: no price records found" in capsys.readouterr().out
    assert not PriceSnapshot.objects.exclude(source="scryfall").exists()


def test_reading_stops_early_in_a_big_file_that_is_not_prices(tmp_path):
    entries = {f"00000000-0000-4000-8000-{i:012d}": {"name": "x", "identifiers": {}} for i in range(5000)}
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"meta": {}, "data": entries}))

    report = mtgjson_prices_import(prices_path=path, publish=False)

    assert report.records_seen == 1000
    assert "the first 1000 entries of data are not prices" in report.file_errors[0]
