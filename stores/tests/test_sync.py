"""Inventory syncs on real-format files: TCGplayer seller export, Crystal Commerce, mapped CSV."""

import io
import threading
from decimal import Decimal

import pytest
from django.db import connection

from core.errors import DomainError
from stores.enums import SyncRunStatus, SyncSource
from stores.models import InventorySyncRun, SetNameAlias, StoreInventoryItem
from stores.services.syncs import SyncAlreadyRunning, sync_mapping_save, sync_run_execute, sync_run_start
from stores.sync.engine import plan_sync
from stores.sync.formats import FeedStructureError

from .conftest import FIXTURES, upload
from .factories import StoreFactory, StoreInventoryItemFactory

pytestmark = pytest.mark.django_db


def run_sync(store, name, *, provider="tcgplayer", mode="full", content=None):
    """Start a run (Celery is eager in tests: it executes on commit) and return it, reloaded."""
    run = sync_run_start(
        store=store,
        acting_user=store.user,
        provider=provider,
        mode=mode,
        source=SyncSource.UPLOAD,
        uploaded_file=upload(name, content),
    )
    if run.status == SyncRunStatus.QUEUED:  # inside a test transaction on_commit has not fired
        sync_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def items(store):
    return {
        (item.card.name, item.condition, item.finish, item.language): (
            item.quantity,
            item.feed_price,
            item.price,
            item.provider_sku,
        )
        for item in StoreInventoryItem.objects.filter(store=store).select_related("card")
    }


def snapshot(store):
    return list(StoreInventoryItem.objects.filter(store=store).order_by("pk").values())


def test_tcgplayer_export_creates_items_with_finish_from_condition_and_set_aliases(catalog):
    store = StoreFactory()
    run = run_sync(store, "tcgplayer_good.csv")
    assert run.status == SyncRunStatus.SUCCEEDED
    assert run.counts == {"created": 5, "updated": 0, "zeroed": 0, "unchanged": 0, "skipped": 0}
    assert run.errors == [] and run.unmatched == []
    assert items(store) == {
        ("Ragavan, Nimble Pilferer", "NM", "nonfoil", "en"): (2, Decimal("57.99"), Decimal("57.99"), "4563823"),
        ("Ragavan, Nimble Pilferer", "NM", "foil", "en"): (1, Decimal("84.50"), Decimal("84.50"), "4563830"),
        ("Urza's Saga", "LP", "nonfoil", "en"): (3, Decimal("41.00"), Decimal("41.00"), "4563850"),
        # "Magic 2010 (M10)" is TCGplayer's name for Scryfall's "Magic 2010".
        ("Lightning Bolt", "NM", "nonfoil", "en"): (12, Decimal("2.25"), Decimal("2.25"), "1234567"),
        # TCGplayer names both faces; the number and the front face match.
        ("Delver of Secrets // Insectile Aberration", "HP", "nonfoil", "en"): (
            4,
            Decimal("0.45"),
            Decimal("0.45"),
            "2345678",
        ),
    }
    store.refresh_from_db()
    assert store.last_sync_at is not None and store.sync_status == SyncRunStatus.SUCCEEDED
    assert run.duration_seconds is not None and run.rows_processed == 5
    assert not run.source_file  # the uploaded file is removed once read


def test_same_feed_twice_writes_nothing(catalog):
    store = StoreFactory()
    run_sync(store, "tcgplayer_good.csv")
    before = snapshot(store)
    run = run_sync(store, "tcgplayer_good.csv")
    assert run.counts == {"created": 0, "updated": 0, "zeroed": 0, "unchanged": 5, "skipped": 0}
    assert snapshot(store) == before  # not even updated_at moved


def test_full_sync_zeroes_items_missing_from_the_feed_and_delta_does_not(catalog):
    store = StoreFactory()
    extra = StoreInventoryItemFactory(store=store, card=catalog["solitude"], quantity=3)
    run = run_sync(store, "tcgplayer_good.csv", mode="delta")
    assert run.zeroed_count == 0
    extra.refresh_from_db()
    assert extra.quantity == 3
    run = run_sync(store, "tcgplayer_good.csv", mode="full")
    assert run.counts == {"created": 0, "updated": 0, "zeroed": 1, "unchanged": 5, "skipped": 0}
    extra.refresh_from_db()
    assert extra.quantity == 0


def test_changed_quantity_and_feed_price_update_and_reprice(catalog):
    store = StoreFactory()
    run_sync(store, "tcgplayer_good.csv")
    changed = (FIXTURES / "tcgplayer_good.csv").read_bytes().replace(b",12,0,2.25,", b",10,0,2.40,")
    run = run_sync(store, "changed.csv", content=changed)
    assert run.counts == {"created": 0, "updated": 1, "zeroed": 0, "unchanged": 4, "skipped": 0}
    assert items(store)[("Lightning Bolt", "NM", "nonfoil", "en")] == (10, Decimal("2.40"), Decimal("2.40"), "1234567")


def test_owner_price_edit_survives_a_resync_with_the_same_feed_price(catalog):
    store = StoreFactory()
    run_sync(store, "tcgplayer_good.csv")
    StoreInventoryItem.objects.filter(store=store, card=catalog["bolt"]).update(price=Decimal("3.00"))
    run = run_sync(store, "tcgplayer_good.csv")
    assert run.unchanged_count == 5
    assert items(store)[("Lightning Bolt", "NM", "nonfoil", "en")][2] == Decimal("3.00")


def test_bad_rows_are_skipped_and_reported_with_row_column_and_reason(catalog):
    store = StoreFactory()
    run = run_sync(store, "tcgplayer_bad_rows.csv")
    assert run.status == SyncRunStatus.SUCCEEDED
    assert run.errors == [
        {"row": 3, "column": "Condition", "reason": "Unknown condition “Gently Used”."},
        {"row": 4, "column": "Total Quantity", "reason": "“three” is not a quantity (a whole number 0–100,000)."},
        {"row": 5, "column": "Tcg Marketplace Price", "reason": "Not a price (e.g. 4.99)."},
        {"row": 6, "column": "Product Line", "reason": "“Pokemon” is not a Magic: The Gathering product; skipped."},
        {"row": 7, "column": "SKU", "reason": "Duplicate SKU 4563823: row 2 has it already; skipped."},
    ]
    assert run.unmatched == [
        {
            "row": 8,
            "name": "Solitude",
            "set": "Modern Horizons 2",
            "number": "999",
            "reason": "No card number 999 in Modern Horizons 2.",
        },
        {
            "row": 9,
            "name": "Counterspell",
            "set": "Modern Horizons 2",
            "number": "138",
            "reason": "Number 138 in Modern Horizons 2 is Ragavan, Nimble Pilferer, not Counterspell.",
        },
        {
            "row": 10,
            "name": "Lightning Bolt",
            "set": "Made Up Set",
            "number": "1",
            "reason": "Unknown set “Made Up Set”.",
        },
    ]
    assert run.counts == {"created": 2, "updated": 0, "zeroed": 0, "unchanged": 0, "skipped": 8}
    assert set(items(store)) == {
        ("Ragavan, Nimble Pilferer", "NM", "nonfoil", "en"),
        ("Delver of Secrets // Insectile Aberration", "HP", "nonfoil", "en"),
    }
    # The duplicate SKU row (quantity 5) did not overwrite the first (quantity 2).
    assert items(store)[("Ragavan, Nimble Pilferer", "NM", "nonfoil", "en")][0] == 2


def test_duplicate_item_under_two_skus_is_reported(catalog):
    header, row = (FIXTURES / "tcgplayer_good.csv").read_bytes().split(b"\r\n")[:2]
    twin = row.replace(b"4563823", b"4563899").replace(b",2,0,", b",7,0,")
    run = run_sync(StoreFactory(), "dup.csv", content=b"\r\n".join([header, row, twin, b""]))
    assert run.created_count == 1
    assert run.errors[0]["row"] == 3
    assert "Same card, condition, finish and language as row 2" in run.errors[0]["reason"]


def test_bad_encoding_fails_the_run_and_changes_nothing(catalog):
    store = StoreFactory()
    kept = StoreInventoryItemFactory(store=store, card=catalog["solitude"], quantity=3)
    before = snapshot(store)
    run = run_sync(store, "tcgplayer_latin1.csv")
    assert run.status == SyncRunStatus.FAILED
    assert "not UTF-8" in run.failure_message
    assert snapshot(store) == before
    kept.refresh_from_db()
    assert kept.quantity == 3  # a full sync that failed zeroed nothing


def test_bad_byte_after_many_good_rows_still_changes_nothing(catalog):
    header, row = (FIXTURES / "tcgplayer_good.csv").read_bytes().split(b"\r\n")[:2]
    rows = [
        row.replace(b"4563823", str(1000000 + n).encode()) if n == 0 else row.replace(b",2,0,", b",2,0,")
        for n in range(1)
    ]
    body = b"\r\n".join(
        [header, *rows] + [b"5,Magic,Nowhere,Filler %d,,1,C,Near Mint,1,,,1,1,0,1," % n for n in range(20000)]
    )
    body += b"\r\n9,Magic,Nowhere,Caf\xe9,,1,C,Near Mint,1,,,1,1,0,1,\r\n"
    store = StoreFactory()
    run = run_sync(store, "late-bad-byte.csv", content=body)
    assert run.status == SyncRunStatus.FAILED
    assert StoreInventoryItem.objects.filter(store=store).count() == 0


def test_missing_columns_fail_the_run_naming_them(catalog):
    store = StoreFactory()
    kept = StoreInventoryItemFactory(store=store, card=catalog["solitude"], quantity=3)
    run = run_sync(store, "tcgplayer_missing_columns.csv")
    assert run.status == SyncRunStatus.FAILED
    assert run.failure_message == (
        "This is not a TCGplayer seller inventory file: the columns “Number”, “Total Quantity” are missing. "
        "Nothing was changed."
    )
    kept.refresh_from_db()
    assert kept.quantity == 3
    store.refresh_from_db()
    assert store.sync_status == SyncRunStatus.FAILED


def test_a_staff_alias_maps_an_unknown_set_name(catalog):
    SetNameAlias.objects.create(alias="Made Up Set", set_code="m10")
    content = (
        b"TCGplayer Id,Product Line,Set Name,Product Name,Number,Condition,Total Quantity,TCG Marketplace Price\r\n"
        b"1,Magic,Made-Up set,Lightning Bolt,146,Near Mint Foil,1,3.00\r\n"
    )
    run = run_sync(StoreFactory(), "alias.csv", content=content)
    assert run.created_count == 1
    assert StoreInventoryItem.objects.get().finish == "foil"


def test_crystal_commerce_export_with_its_header_variant(catalog):
    store = StoreFactory()
    run = run_sync(store, "crystal_commerce.csv", provider="crystal_commerce")
    assert run.status == SyncRunStatus.SUCCEEDED, run.failure_message
    assert run.errors == [] and run.unmatched == []
    assert items(store) == {
        ("Ragavan, Nimble Pilferer", "NM", "nonfoil", "en"): (2, Decimal("59.99"), Decimal("59.99"), "CC-1001"),
        ("Ragavan, Nimble Pilferer", "NM", "foil", "en"): (1, Decimal("89.99"), Decimal("89.99"), "CC-1002"),
        ("Lightning Bolt", "LP", "nonfoil", "en"): (7, Decimal("1.99"), Decimal("1.99"), "CC-1003"),
        ("Urza's Saga", "MP", "nonfoil", "ja"): (1, Decimal("35.00"), Decimal("35.00"), "CC-1004"),
    }


def test_generic_csv_needs_a_saved_mapping_then_uses_it(catalog):
    store = StoreFactory()
    with pytest.raises(DomainError) as refused:
        sync_run_start(
            store=store,
            acting_user=store.user,
            provider="csv",
            mode="full",
            source=SyncSource.UPLOAD,
            uploaded_file=upload("generic_mapped.csv"),
        )
    assert refused.value.code == "no_mapping"
    assert InventorySyncRun.objects.count() == 0
    catalog["solitude"].scryfall_id = "7e1a2e1b-0000-4000-8000-00000000abcd"
    catalog["solitude"].save()
    sync_mapping_save(
        store=store,
        acting_user=store.user,
        mapping={
            "name": "Card",
            "set_code": "Edition",
            "quantity": "Qty",
            "condition": "Grade",
            "finish": "Foil?",
            "price": "Ask",
            "scryfall_id": "Scryfall",
        },
    )
    store.refresh_from_db()
    run = run_sync(store, "generic_mapped.csv", provider="csv")
    assert run.status == SyncRunStatus.SUCCEEDED, run.failure_message
    assert items(store) == {
        ("Lightning Bolt", "NM", "nonfoil", "en"): (4, Decimal("2.50"), Decimal("2.50"), ""),
        ("Solitude", "LP", "foil", "en"): (1, Decimal("40.00"), Decimal("40.00"), ""),
        ("Solitude", "NM", "nonfoil", "en"): (2, Decimal("1.00"), Decimal("1.00"), ""),
    }


def test_mapping_must_locate_quantity_and_the_card():
    store = StoreFactory()
    with pytest.raises(DomainError, match="quantity"):
        sync_mapping_save(store=store, acting_user=store.user, mapping={"name": "Card", "set_name": "Set"})
    with pytest.raises(DomainError, match="Scryfall ID column, or a card name and a set"):
        sync_mapping_save(store=store, acting_user=store.user, mapping={"name": "Card", "quantity": "Qty"})


class ChunkOnlyReader(io.RawIOBase):
    """A file that refuses to be read whole: every read must ask for a bounded number of bytes."""

    def __init__(self, data: bytes):
        self.inner = io.BytesIO(data)
        self.largest = 0

    def readable(self):
        return True

    def seek(self, *args):
        return self.inner.seek(*args)

    def read(self, size=-1):
        assert 0 < size <= 1024 * 1024, f"read({size}) would load the file whole"
        self.largest = max(self.largest, size)
        return self.inner.read(size)

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def test_a_big_feed_is_streamed_never_read_whole(catalog):
    header, row = (FIXTURES / "tcgplayer_good.csv").read_bytes().split(b"\r\n")[:2]
    body = b"\r\n".join([header] + [row.replace(b"4563823", str(n).encode()) for n in range(1, 40001)]) + b"\r\n"
    assert len(body) > 4 * 1024 * 1024
    store = StoreFactory()
    run = InventorySyncRun.objects.create(store=store, provider="tcgplayer", mode="full", source=SyncSource.UPLOAD)
    reader = ChunkOnlyReader(body)
    plan = plan_sync(run, reader, mapping=None)
    assert plan.rows == 40000
    assert len(plan.creates) == 1 and plan.error_count == 39999  # the same item under 40,000 SKUs
    assert reader.largest <= 1024 * 1024


def test_structure_is_checked_before_anything_is_planned():
    store = StoreFactory()
    run = InventorySyncRun.objects.create(store=store, provider="tcgplayer", mode="full", source=SyncSource.UPLOAD)
    for content, message in [
        (b"", "empty"),
        (b"\xff\xfeT\x00C\x00", "UTF-16"),
        (b"PK\x03\x04\x00\x00binary", "binary"),
    ]:
        with pytest.raises(FeedStructureError, match=message):
            plan_sync(run, io.BytesIO(content), mapping=None)


def test_second_run_while_one_is_active_is_refused_with_its_id(catalog):
    store = StoreFactory()
    running = InventorySyncRun.objects.create(
        store=store, provider="tcgplayer", mode="full", source=SyncSource.UPLOAD, status=SyncRunStatus.RUNNING
    )
    with pytest.raises(SyncAlreadyRunning) as conflict:
        sync_run_start(
            store=store,
            acting_user=store.user,
            provider="tcgplayer",
            mode="full",
            source=SyncSource.UPLOAD,
            uploaded_file=upload("tcgplayer_good.csv"),
        )
    assert conflict.value.run_id == running.pk and conflict.value.status_code == 409
    assert InventorySyncRun.objects.filter(store=store).count() == 1


def test_a_redelivered_task_does_not_run_twice(catalog):
    store = StoreFactory()
    run = run_sync(store, "tcgplayer_good.csv")
    assert sync_run_execute(run_id=run.pk) is None
    assert StoreInventoryItem.objects.filter(store=store).count() == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_on_postgresql_leave_exactly_one_run(catalog, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # keep the runs queued: we test the start
    store = StoreFactory()
    barrier = threading.Barrier(4)
    outcomes = []

    def start():
        try:
            barrier.wait()
            run = sync_run_start(
                store=store,
                acting_user=store.user,
                provider="tcgplayer",
                mode="full",
                source=SyncSource.UPLOAD,
                uploaded_file=upload("tcgplayer_good.csv"),
            )
            outcomes.append(("started", run.pk))
        except SyncAlreadyRunning as conflict:
            outcomes.append(("conflict", conflict.run_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    started = [run_id for kind, run_id in outcomes if kind == "started"]
    assert len(started) == 1
    assert sorted(kind for kind, _ in outcomes) == ["conflict", "conflict", "conflict", "started"]
    assert {run_id for kind, run_id in outcomes if kind == "conflict"} == set(started)
    assert InventorySyncRun.objects.filter(store=store).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_executions_of_one_run_apply_it_once(catalog):
    store = StoreFactory()
    run = InventorySyncRun.objects.create(store=store, provider="tcgplayer", mode="full", source=SyncSource.UPLOAD)
    run.source_file.save("feed.csv", upload("tcgplayer_good.csv"), save=True)
    barrier = threading.Barrier(3)
    results = []

    def execute():
        barrier.wait()
        try:
            results.append(sync_run_execute(run_id=run.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=execute) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(result is not None for result in results) == 1
    run.refresh_from_db()
    assert run.status == SyncRunStatus.SUCCEEDED and run.created_count == 5
    assert StoreInventoryItem.objects.filter(store=store).count() == 5
