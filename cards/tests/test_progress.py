import io
from pathlib import Path

import pytest

from cards.importers import mtgjson_prices_import, scryfall_import
from cards.importers.progress import TerminalProgress

FIXTURE = Path(__file__).parent / "fixtures" / "scryfall_default_cards.json"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_is_drawn_on_a_terminal_and_ends_its_line():
    terminal = Terminal()
    bar = TerminalProgress(terminal, "import")

    bar(5_000_000, 10_000_000, "5,000 cards")
    bar(10_000_000, 10_000_000, "9,000 cards")
    bar.close()

    text = terminal.getvalue()
    assert "\rimport [###############...............]  50% 5.0 MB of 10.0 MB, 5,000 cards" in text
    assert "\rimport [##############################] 100% 10.0 MB of 10.0 MB, 9,000 cards" in text
    assert text.endswith("\n") and text.count("\n") == 1  # the full bar ends its line; close adds none


def test_bar_stays_silent_when_output_is_not_a_terminal():
    plain = io.StringIO()
    bar = TerminalProgress(plain, "import")

    bar(1, 2)
    bar.close()

    assert plain.getvalue() == ""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pipeline", [False, True])
def test_import_reports_bytes_read_after_each_batch(pipeline):
    calls = []

    report = scryfall_import(path=FIXTURE, batch_size=2, pipeline=pipeline, progress=lambda *args: calls.append(args))

    size = FIXTURE.stat().st_size
    assert report.is_ok
    assert len(calls) >= 2
    assert all(total == size for _, total, _ in calls)
    assert calls[-1][0] == size
    assert [done for done, _, _ in calls] == sorted(done for done, _, _ in calls)
    written = report.cards_created + report.cards_updated + report.cards_unchanged
    assert calls[-1][2] == f"{written:,} cards"


@pytest.mark.django_db
def test_mtgjson_import_reports_bytes_read():
    fixtures = Path(__file__).parent / "fixtures"
    prices = fixtures / "mtgjson_all_prices_today.json"
    calls = []

    report = mtgjson_prices_import(
        prices_path=prices,
        identifiers_path=fixtures / "mtgjson_identifiers.json",
        batch_size=1,
        progress=lambda *args: calls.append(args),
    )

    assert report.is_ok
    assert calls and all(total == prices.stat().st_size for _, total, _ in calls)
    assert calls[-1][0] == prices.stat().st_size
