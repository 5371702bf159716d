import gzip
import http.server
import logging
import threading
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cards.importers import mtgjson_prices_import, scryfall_import
from cards.models import Card, CardPrice, PriceSnapshot
from cards.tasks import import_mtgjson_prices, import_scryfall_bulk

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = datetime(2026, 11, 25, tzinfo=UTC)
BOLT = "e3285e6b-3e79-4d7c-bf96-d920f973b80d"
SOL_RING = "f295b713-1d6a-43fd-910d-fb35414bf58a"


def import_good():
    return scryfall_import(path=FIXTURES / "scryfall_default_cards.json", as_of=AS_OF, publish=False)


def database_state():
    return (
        sorted(Card.objects.values_list("scryfall_id", "name", "updated_at")),
        sorted(PriceSnapshot.objects.values_list("card_id", "finish", "source", "currency", "price", "captured_at")),
        sorted(CardPrice.objects.values_list("card_id", "finish", "price", "captured_at")),
    )


def test_scryfall_fixture_imports_cards_and_priced_finishes():
    report = import_good()

    assert report.is_ok
    assert (report.records_seen, report.cards_created, report.records_skipped) == (5, 5, 0)
    # usd/usd_foil/usd_etched/eur/eur_foil that are not null: 4 + 2 + 4 + 5 + 0 (Ragavan has no prices)
    assert report.snapshots_created == 15
    bolt = Card.objects.get(scryfall_id=BOLT)
    assert (bolt.name, bolt.set_code, bolt.collector_number, bolt.rarity, bolt.tcgplayer_id) == (
        "Lightning Bolt",
        "2xm",
        "129",
        "uncommon",
        210364,
    )
    assert bolt.image_url.startswith("https://cards.scryfall.io/normal/front/e/3/")
    assert dict(CardPrice.objects.filter(card=bolt).values_list("finish", "price")) == {
        "nonfoil": Decimal("2.35"),
        "foil": Decimal("6.10"),
    }
    assert set(PriceSnapshot.objects.filter(card=bolt, currency="EUR").values_list("finish", "price")) == {
        ("nonfoil", Decimal("1.90")),
        ("foil", Decimal("5.20")),
    }
    sol_ring = Card.objects.get(scryfall_id=SOL_RING)
    assert CardPrice.objects.get(card=sol_ring, finish="etched").price == Decimal("4.80")
    lotus = Card.objects.get(name="Black Lotus")
    assert lotus.is_reserved is True
    delver = Card.objects.get(name__startswith="Delver")
    assert delver.image_url.startswith("https://cards.scryfall.io/normal/")  # from card_faces[0]


def test_second_scryfall_import_changes_nothing():
    import_good()
    before = database_state()

    report = import_good()

    assert (report.cards_created, report.cards_updated, report.cards_unchanged) == (0, 0, 5)
    assert (report.snapshots_created, report.prices_changed) == (0, 0)
    assert database_state() == before


def test_scryfall_bad_records_are_reported_one_by_one():
    report = scryfall_import(path=FIXTURES / "scryfall_bad_records.json", as_of=AS_OF, publish=False)

    assert report.is_ok
    assert report.records_seen == 9
    assert report.records_skipped == 6
    messages = [(issue.record.split(" ")[0], issue.message) for issue in report.issues]
    assert messages == [
        ("#2", "skipped: id is not a UUID: 'not-a-uuid'"),
        ("#3", "skipped: missing name"),
        ("#4", "no prices object: card imported without prices"),
        ("#5", "skipped: duplicate id (first seen in record #1)"),
        ("#6", "price usd='ninety' is not a price: ignored"),
        ("#7", "not a card object (got str)"),
        ("#8", "skipped: unknown rarity 'legendary'"),
        ("#9", "not a card object (object='set')"),
    ]
    assert report.unknown_fields == {"sparkle_level": 1}
    assert sorted(Card.objects.values_list("name", flat=True)) == ["Lightning Bolt", "Sol Ring", "Wrenn and Six"]
    assert not PriceSnapshot.objects.filter(card__scryfall_id=SOL_RING).exists()
    wrenn = Card.objects.get(name="Wrenn and Six")
    assert list(PriceSnapshot.objects.filter(card=wrenn).values_list("finish", "price")) == [("foil", Decimal("70.00"))]


def test_truncated_scryfall_file_keeps_whole_records_and_reports_the_break():
    report = scryfall_import(path=FIXTURES / "scryfall_truncated.json", as_of=AS_OF, publish=False)

    assert not report.is_ok
    assert report.file_errors[0].startswith("malformed JSON after record #1")
    assert list(Card.objects.values_list("name", flat=True)) == ["Lightning Bolt"]


def test_scryfall_wrong_top_level_writes_nothing():
    report = scryfall_import(path=FIXTURES / "scryfall_wrong_top_level.json", as_of=AS_OF, publish=False)

    assert report.file_errors == [
        "expected a JSON array of cards at the top level (Scryfall default_cards), got an object"
    ]
    assert Card.objects.count() == 0


def test_scryfall_gzip_file_streams(tmp_path):
    packed = tmp_path / "default-cards.json.gz"
    packed.write_bytes(gzip.compress((FIXTURES / "scryfall_default_cards.json").read_bytes()))

    report = scryfall_import(path=packed, as_of=AS_OF, publish=False)

    assert (report.is_ok, report.cards_created) == (True, 5)


def test_missing_file_is_a_file_error():
    report = scryfall_import(path=FIXTURES / "nope.json", publish=False)

    assert report.file_errors[0].startswith("cannot open")


def import_prices(**kwargs):
    return mtgjson_prices_import(prices_path=FIXTURES / "mtgjson_all_prices_today.json", publish=False, **kwargs)


def test_mtgjson_prices_match_through_identifiers_and_are_remembered():
    import_good()

    report = import_prices(identifiers_path=FIXTURES / "mtgjson_identifiers.json")

    assert report.is_ok
    assert (report.records_seen, report.cards_matched, report.records_skipped) == (3, 2, 1)
    # Bolt: CK retail 2 + CK buylist 2 + Cardmarket 2 + TCG retail 2 + TCG buylist 1; Sol Ring: 3.
    assert report.snapshots_created == 12
    assert report.unknown_fields == {"paper.cardsphere.retail": 1}
    assert report.issues[0].message == (
        "skipped: no card with Scryfall id 11111111-2222-4333-8444-555555555555 (import Scryfall first)"
    )
    bolt = Card.objects.get(scryfall_id=BOLT)
    assert str(bolt.mtgjson_uuid) == "5f8287b1-5bb6-5f4c-ad17-316a40d5bb0c"
    day = datetime(2026, 11, 24, tzinfo=UTC)
    assert set(PriceSnapshot.objects.filter(card=bolt, captured_at=day).values_list("source", "finish", "price")) == {
        ("cardkingdom", "nonfoil", Decimal("2.99")),
        ("cardkingdom", "foil", Decimal("7.99")),
        ("cardkingdom_buylist", "nonfoil", Decimal("1.40")),
        ("cardkingdom_buylist", "foil", Decimal("4.00")),
        ("cardmarket", "nonfoil", Decimal("1.85")),
        ("cardmarket", "foil", Decimal("5.10")),
        ("tcgplayer", "nonfoil", Decimal("2.41")),
        ("tcgplayer", "foil", Decimal("6.20")),
        ("tcgplayer_buylist", "nonfoil", Decimal("1.20")),
    }
    assert PriceSnapshot.objects.get(card=bolt, source="cardmarket", finish="foil").currency == "EUR"
    # The Scryfall price of 25 Nov is newer than MTGJSON's of 24 Nov: the current price stays.
    assert CardPrice.objects.get(card=bolt, finish="nonfoil").price == Decimal("2.35")


def test_mtgjson_second_import_without_identifiers_uses_kept_uuids_and_changes_nothing():
    import_good()
    import_prices(identifiers_path=FIXTURES / "mtgjson_identifiers.json")
    before = database_state()

    report = import_prices()

    assert (report.cards_matched, report.snapshots_created, report.prices_changed) == (2, 0, 0)
    assert database_state() == before


def test_mtgjson_tcgplayer_retail_moves_the_current_price_when_newest():
    scryfall_import(
        path=FIXTURES / "scryfall_default_cards.json", as_of=datetime(2026, 11, 20, tzinfo=UTC), publish=False
    )

    report = import_prices(identifiers_path=FIXTURES / "mtgjson_identifiers.json")

    sol_ring = Card.objects.get(scryfall_id=SOL_RING)
    assert dict(CardPrice.objects.filter(card=sol_ring).values_list("finish", "price")) == {
        "nonfoil": Decimal("1.15"),
        "foil": Decimal("3.30"),
        "etched": Decimal("4.90"),
    }
    assert CardPrice.objects.get(card=sol_ring, finish="nonfoil").source == "tcgplayer"
    assert report.prices_changed == 5  # Sol Ring: 3 finishes, Bolt nonfoil and foil


def test_mtgjson_bad_records_are_reported():
    import_good()

    report = mtgjson_prices_import(
        prices_path=FIXTURES / "mtgjson_bad_records.json",
        identifiers_path=FIXTURES / "mtgjson_identifiers.json",
        publish=False,
    )

    assert report.is_ok
    assert report.records_seen == 5
    messages = sorted(issue.message for issue in report.issues)
    assert messages == [
        "no paper prices",
        "skipped: key is not an MTGJSON uuid",
        "skipped: price entry is not an object (got str)",
        "skipped: uuid not in the identifiers file and not linked to a card",
        "tcgplayer.retail.normal: bad entry '2026-11-24': 'abc': ignored",
    ]
    bolt = Card.objects.get(scryfall_id=BOLT)
    assert list(PriceSnapshot.objects.filter(card=bolt, source="tcgplayer").values_list("price", flat=True)) == [
        Decimal("2.20")
    ]


def test_mtgjson_wrong_top_level_writes_nothing():
    import_good()
    before = database_state()

    report = mtgjson_prices_import(prices_path=FIXTURES / "mtgjson_wrong_top_level.json", publish=False)

    assert report.file_errors == ["expected a JSON object with a data member at the top level (AllPricesToday)"]
    assert database_state() == before


def test_import_scryfall_command_prints_the_report(capsys):
    call_command("import_scryfall", str(FIXTURES / "scryfall_bad_records.json"), "--as-of", "2026-11-25", "--no-live")

    out = capsys.readouterr().out
    assert "scryfall: 9 records, 6 skipped" in out
    assert "record #5 (e3285e6b-3e79-4d7c-bf96-d920f973b80d): skipped: duplicate id" in out
    assert "ignored unknown field 'sparkle_level' in 1 record(s)" in out
    assert PriceSnapshot.objects.first().captured_at == AS_OF


def test_import_command_fails_cleanly_on_a_broken_file():
    with pytest.raises(CommandError, match="file errors"):
        call_command("import_scryfall", str(FIXTURES / "scryfall_wrong_top_level.json"), "--no-live")


def test_import_mtgjson_command(capsys):
    import_good()

    call_command(
        "import_mtgjson_prices",
        str(FIXTURES / "mtgjson_all_prices_today.json"),
        "--identifiers",
        str(FIXTURES / "mtgjson_identifiers.json"),
        "--no-live",
    )

    assert "mtgjson: 3 records, 1 skipped" in capsys.readouterr().out


def test_beat_jobs_do_nothing_visibly_without_urls(settings, caplog):
    settings.SCRYFALL_BULK_URL = ""
    settings.MTGJSON_PRICES_URL = ""

    with caplog.at_level(logging.WARNING, logger="cards.tasks"):
        scryfall = import_scryfall_bulk.delay().get()
        mtgjson = import_mtgjson_prices.delay().get()

    assert scryfall == {"skipped": "SCRYFALL_BULK_URL is not set"}
    assert mtgjson == {"skipped": "MTGJSON_PRICES_URL is not set"}
    assert "SCRYFALL_BULK_URL is not set; nothing imported" in caplog.text
    assert "MTGJSON_PRICES_URL is not set; nothing imported" in caplog.text
    assert Card.objects.count() == 0


@pytest.fixture
def fixture_server():
    """A local HTTP server for the fixture files: the beat jobs download for real, without the internet."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(FIXTURES))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_beat_jobs_download_and_import(settings, fixture_server):
    settings.SCRYFALL_BULK_URL = f"{fixture_server}/scryfall_default_cards.json"
    settings.MTGJSON_PRICES_URL = f"{fixture_server}/mtgjson_all_prices_today.json"
    settings.MTGJSON_IDENTIFIERS_URL = f"{fixture_server}/mtgjson_identifiers.json"

    scryfall = import_scryfall_bulk.delay().get()
    mtgjson = import_mtgjson_prices.delay().get()
    again = import_scryfall_bulk.delay().get()

    assert (scryfall["cards_created"], scryfall["snapshots_created"]) == (5, 15)
    assert (mtgjson["cards_matched"], mtgjson["snapshots_created"]) == (2, 12)
    assert (again["cards_created"], again["snapshots_created"], again["cards_unchanged"]) == (0, 0, 5)
