"""The Scryfall import parses in a forked child on PostgreSQL: same report, same rows as in-process."""

import io
import os
from pathlib import Path

import pytest
from django.db import connection, transaction

from cards.bulk import commit_without_flush_wait
from cards.importers import scryfall_import
from cards.importers.scryfall import pipeline_available
from cards.models import Card, CardPrice, PriceSnapshot

from .test_importers import AS_OF

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def run_import(path: Path, *, pipeline: bool, batch_size: int):
    report = scryfall_import(path=path, as_of=AS_OF, publish=False, pipeline=pipeline, batch_size=batch_size)
    state = (
        sorted(Card.objects.values_list("scryfall_id", "name", "set_code", "finishes", "tcgplayer_id")),
        sorted(PriceSnapshot.objects.values_list("card__scryfall_id", "finish", "source", "currency", "price")),
        sorted(CardPrice.objects.values_list("card__scryfall_id", "finish", "price", "change_24h_pct")),
    )
    Card.objects.all().delete()  # cascades to snapshots and current prices
    return report, state


def test_the_pipeline_is_used_on_postgresql():
    assert pipeline_available()


@pytest.mark.parametrize("batch_size", [1, 2, 5000])
@pytest.mark.parametrize(
    "name", ["scryfall_default_cards.json", "scryfall_bad_records.json", "scryfall_truncated.json"]
)
def test_pipeline_reports_and_writes_exactly_what_the_in_process_import_does(name, batch_size):
    expected_report, expected_state = run_import(FIXTURES / name, pipeline=False, batch_size=batch_size)

    report, state = run_import(FIXTURES / name, pipeline=True, batch_size=batch_size)

    assert report == expected_report  # counts, every issue in order, unknown fields, file errors
    assert state == expected_state
    assert expected_state[0]  # something was imported: the comparison is not between two empty catalogs


def test_pipeline_reports_duplicates_across_batches_with_their_first_position():
    report, _ = run_import(FIXTURES / "scryfall_bad_records.json", pipeline=True, batch_size=1)

    duplicates = [
        (issue.record.split(" ")[0], issue.message) for issue in report.issues if "duplicate" in issue.message
    ]
    assert duplicates == [("#5", "skipped: duplicate id (first seen in record #1)")]
    assert (report.records_seen, report.records_skipped, report.cards_created) == (9, 6, 3)


class FailingRaw(io.RawIOBase):
    """A file that yields its first bytes, then fails the way `fail` says (in whichever process reads it)."""

    def __init__(self, data: bytes, fail):
        self.data, self.fail = data, fail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self.data:
            self.fail()
        size = min(len(buffer), len(self.data))
        buffer[:size] = self.data[:size]
        self.data = self.data[size:]
        return size


def failing_stream(fail) -> io.BufferedReader:
    head = (FIXTURES / "scryfall_default_cards.json").read_bytes()[:4000]  # the first record or so, then the failure
    return io.BufferedReader(FailingRaw(head, fail), buffer_size=64)


def disk_gone():
    raise OSError("disk gone")


def test_a_parser_error_in_the_child_is_raised_in_the_parent_as_in_process():
    with pytest.raises(OSError, match="disk gone"):
        scryfall_import(stream=failing_stream(disk_gone), as_of=AS_OF, publish=False, pipeline=False)
    with pytest.raises(OSError, match="disk gone") as raised:
        scryfall_import(stream=failing_stream(disk_gone), as_of=AS_OF, publish=False, pipeline=True)

    assert "in the Scryfall parser process" in str(raised.value.__cause__)
    assert Card.objects.count() == 0


def test_a_parser_process_that_dies_is_an_error_not_a_hang():
    with pytest.raises(RuntimeError, match=r"parser process died \(exit code 3\)"):
        scryfall_import(stream=failing_stream(lambda: os._exit(3)), as_of=AS_OF, publish=False, pipeline=True)

    assert Card.objects.count() == 0


def test_a_batch_of_new_and_known_cards_copies_the_new_ones_and_upserts_the_known():
    scryfall_import(path=FIXTURES / "scryfall_bad_records.json", as_of=AS_OF, publish=False)
    known = dict(CardPrice.objects.values_list("card__scryfall_id", "card_id"))

    report = scryfall_import(path=FIXTURES / "scryfall_default_cards.json", as_of=AS_OF, publish=False)

    assert (report.cards_created, report.cards_unchanged, report.snapshots_created, report.prices_changed) == (
        3,
        2,
        11,
        6,
    )
    assert Card.objects.count() == 6
    assert dict(CardPrice.objects.filter(card_id__in=known.values()).values_list("card__scryfall_id", "card_id")) == (
        known
    )
    assert CardPrice.objects.count() == 3 + 6
    assert PriceSnapshot.objects.count() == 5 + 11


def test_an_import_batch_commits_without_waiting_for_the_wal_flush():
    def synchronous_commit():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    with transaction.atomic():
        before = synchronous_commit()
        commit_without_flush_wait()
        assert synchronous_commit() == "off"
    assert before == "on"  # the server default: everything else still waits
