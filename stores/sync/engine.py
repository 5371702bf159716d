"""One inventory sync, in two passes: read everything, then write everything.

Pass 1 streams the file in chunks: parse, match, and compare each row with the store's
current items (loaded once, as tuples), collecting only the differences. Nothing is written
in pass 1 except progress on the run row, so a structural error found at row 400,000 (a bad
byte, a broken quote) still changes nothing. Pass 2 applies the differences in one
transaction with set-based statements. A row identical to what is stored produces no
write, so the same feed twice writes nothing; a full sync zeroes the items the feed left out.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from stores.enums import SyncMode, SyncRunStatus
from stores.models import InventorySyncRun, LGSProfile, StoreInventoryItem

from .formats import FeedRow, RowError, feed_rows
from .matching import Matcher

logger = logging.getLogger(__name__)

CHUNK_ROWS = 5000
WRITE_BATCH = 5000
MAX_REPORTED = 1000  # errors and unmatched rows kept on the run (the counts are exact)
PROGRESS_EVERY_SECONDS = 0.5

ItemKey = tuple[int, str, str, str]  # card, condition, finish, language


class Existing(NamedTuple):
    id: int
    quantity: int
    feed_price: Decimal | None
    provider_sku: str


@dataclass
class Plan:
    creates: list[tuple] = field(default_factory=list)  # (key, quantity, feed_price, sku, card name)
    updates: list[tuple] = field(default_factory=list)  # (id, quantity, feed_price, sku, reprice)
    zero_ids: list[int] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    unmatched: list[dict] = field(default_factory=list)
    unmatched_count: int = 0
    rows: int = 0

    def error(self, error: RowError) -> None:
        self.skipped += 1
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(error.as_dict())

    def not_found(self, row: FeedRow, reason: str) -> None:
        self.skipped += 1
        self.unmatched_count += 1
        if len(self.unmatched) < MAX_REPORTED:
            self.unmatched.append(
                {
                    "row": row.row,
                    "name": row.name or row.scryfall_id,
                    "set": row.set_name or row.set_code,
                    "number": row.number,
                    "reason": reason,
                }
            )


def load_existing(store_id: int) -> dict[ItemKey, Existing]:
    query = StoreInventoryItem.objects.filter(store_id=store_id).values_list(
        "id", "card_id", "condition", "finish", "language", "quantity", "feed_price", "provider_sku"
    )
    shared: dict[str, str] = {}  # one object per distinct condition, finish, language
    return {
        (
            card_id,
            shared.setdefault(condition, condition),
            shared.setdefault(finish, finish),
            shared.setdefault(language, language),
        ): Existing(item_id, quantity, feed_price, sku)
        for item_id, card_id, condition, finish, language, quantity, feed_price, sku in query.iterator(chunk_size=10000)
    }


def plan_sync(run: InventorySyncRun, raw: IO[bytes], *, mapping: dict | None) -> Plan:
    """Pass 1. Raises FeedStructureError (nothing planned, nothing written) for a bad file."""
    counter, rows = feed_rows(run.provider, raw, mapping=mapping)
    existing = load_existing(run.store_id)
    matcher = Matcher()
    plan = Plan()
    seen_keys: dict[ItemKey, int] = {}
    seen_skus: dict[str, int] = {}
    last_progress = time.monotonic()
    chunk: list[FeedRow] = []

    def flush() -> None:
        matcher.prepare(chunk)
        for row in chunk:
            _plan_row(row, plan=plan, matcher=matcher, existing=existing, seen_keys=seen_keys, seen_skus=seen_skus)
        chunk.clear()

    for item in rows:
        plan.rows += 1
        if isinstance(item, RowError):
            plan.error(item)
            continue
        chunk.append(item)
        if len(chunk) >= CHUNK_ROWS:
            flush()
            now = time.monotonic()
            if now - last_progress >= PROGRESS_EVERY_SECONDS:
                last_progress = now
                InventorySyncRun.objects.filter(pk=run.pk).update(
                    bytes_processed=counter.bytes_read, rows_processed=plan.rows
                )
    if chunk:
        flush()
    if run.mode == SyncMode.FULL:
        plan.zero_ids = [entry.id for key, entry in existing.items() if entry.quantity > 0 and key not in seen_keys]
    return plan


def _plan_row(row: FeedRow, *, plan: Plan, matcher: Matcher, existing, seen_keys, seen_skus) -> None:
    if row.sku:
        first = seen_skus.get(row.sku)
        if first is not None:
            plan.error(RowError(row.row, "SKU", f"Duplicate SKU {row.sku}: row {first} has it already; skipped."))
            return
        seen_skus[row.sku] = row.row
    card, reason = matcher.match(row)
    if card is None:
        plan.not_found(row, reason)
        return
    if card.finishes and row.finish not in card.finishes:
        plan.error(
            RowError(
                row.row,
                "Condition",
                f"{card.name} ({card.set_code.upper()} {card.number}) is not printed in {row.finish}.",
            )
        )
        return
    key = (card.id, row.condition, row.finish, row.language)
    first = seen_keys.get(key)
    if first is not None:
        plan.error(
            RowError(
                row.row,
                "",
                f"Same card, condition, finish and language as row {first} "
                f"({card.name} {row.condition} {row.finish} {row.language}); skipped.",
            )
        )
        return
    seen_keys[key] = row.row
    current = existing.get(key)
    sku = row.sku[:64]
    if current is None:
        if row.quantity == 0:
            plan.unchanged += 1  # nothing on the shelf and nothing to record
        else:
            plan.creates.append((key, row.quantity, row.price, sku, card.name))
        return
    feed_price = row.price if row.price is not None else current.feed_price
    if (
        current.quantity == row.quantity
        and current.feed_price == feed_price
        and (not sku or current.provider_sku == sku)
    ):
        plan.unchanged += 1
        return
    plan.updates.append(
        (current.id, row.quantity, feed_price, sku or current.provider_sku, feed_price != current.feed_price)
    )


def apply_plan(*, store: LGSProfile, plan: Plan) -> None:
    """Pass 2, inside the caller's transaction."""
    now = timezone.now()
    auto = store.auto_price_adjustment
    if connection.vendor == "postgresql":
        _create_postgresql(store.pk, plan.creates, auto=auto, now=now)
    else:
        for start in range(0, len(plan.creates), WRITE_BATCH):
            batch = [
                StoreInventoryItem(
                    store_id=store.pk,
                    card_id=key[0],
                    condition=key[1],
                    finish=key[2],
                    language=key[3],
                    quantity=quantity,
                    feed_price=feed_price,
                    price=None if auto else feed_price,
                    provider_sku=sku,
                    card_name=name,
                    created_at=now,
                    updated_at=now,
                )
                for key, quantity, feed_price, sku, name in plan.creates[start : start + WRITE_BATCH]
            ]
            StoreInventoryItem.objects.bulk_create(
                batch,
                update_conflicts=True,
                unique_fields=["store", "card", "condition", "finish", "language"],
                update_fields=["quantity", "feed_price", "price", "provider_sku", "card_name", "updated_at"],
            )
    for start in range(0, len(plan.updates), WRITE_BATCH):
        _update_batch(plan.updates[start : start + WRITE_BATCH], auto=auto, now=now)
    if plan.zero_ids and connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # one statement, however many items the feed left out
            cursor.execute(
                "UPDATE stores_storeinventoryitem SET quantity = 0, updated_at = %s "
                "WHERE id = ANY(%s::bigint[]) AND quantity > 0",
                [now, plan.zero_ids],
            )
        return
    for start in range(0, len(plan.zero_ids), WRITE_BATCH):
        StoreInventoryItem.objects.filter(pk__in=plan.zero_ids[start : start + WRITE_BATCH], quantity__gt=0).update(
            quantity=0, updated_at=now
        )


COPY_COLUMNS = (
    ("store_id", "int8"),
    ("card_id", "int8"),
    ("condition", "text"),
    ("finish", "text"),
    ("language", "text"),
    ("quantity", "int4"),
    ("feed_price", "numeric"),
    ("price", "numeric"),
    ("currency", "text"),
    ("provider_sku", "text"),
    ("card_name", "text"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
)


def _create_postgresql(store_id: int, creates: list[tuple], *, auto: bool, now) -> None:
    """New items in one binary COPY straight into the table (docs/decisions/0038).

    Pass 1 saw none of these keys stored, so nothing can conflict — unless an API call created
    one of them while this sync read the file. Then the COPY fails as a whole, its savepoint
    is rolled back, and the same rows go through INSERT … ON CONFLICT instead.
    """
    if not creates:
        return
    from psycopg.errors import UniqueViolation

    statement = "COPY stores_storeinventoryitem ({}) FROM STDIN (FORMAT BINARY)".format(
        ", ".join(name for name, _ in COPY_COLUMNS)
    )
    try:
        with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            copy.set_types([sql_type for _, sql_type in COPY_COLUMNS])
            for (card_id, condition, finish, language), quantity, feed_price, sku, name in creates:
                copy.write_row(
                    (
                        store_id,
                        card_id,
                        condition,
                        finish,
                        language,
                        quantity,
                        feed_price,
                        None if auto else feed_price,
                        "USD",
                        sku,
                        name,
                        now,
                        now,
                    )
                )
    except UniqueViolation:
        for start in range(0, len(creates), WRITE_BATCH):
            _insert_batch(store_id, creates[start : start + WRITE_BATCH], auto=auto, now=now)


def _insert_batch(store_id: int, batch: list[tuple], *, auto: bool, now) -> None:
    """New items as one INSERT … SELECT FROM unnest(…) ON CONFLICT: the fallback of the COPY above."""
    card_ids, conditions, finishes, languages, quantities, feed_prices, skus, names = ([] for _ in range(8))
    for (card_id, condition, finish, language), quantity, feed_price, sku, name in batch:
        card_ids.append(card_id)
        conditions.append(condition)
        finishes.append(finish)
        languages.append(language)
        quantities.append(quantity)
        feed_prices.append(feed_price)
        skus.append(sku)
        names.append(name)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO stores_storeinventoryitem
                (store_id, card_id, condition, finish, language, quantity, feed_price, price, currency,
                 provider_sku, card_name, created_at, updated_at)
            SELECT %s, v.card_id, v.condition, v.finish, v.language, v.quantity, v.feed_price,
                   CASE WHEN %s THEN NULL ELSE v.feed_price END, 'USD', v.sku, v.name, %s, %s
            FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::integer[], %s::numeric[], %s::text[],
                        %s::text[])
                AS v(card_id, condition, finish, language, quantity, feed_price, sku, name)
            ON CONFLICT (store_id, card_id, condition, finish, language) DO UPDATE
                SET quantity = EXCLUDED.quantity, feed_price = EXCLUDED.feed_price, price = EXCLUDED.price,
                    provider_sku = EXCLUDED.provider_sku, card_name = EXCLUDED.card_name,
                    updated_at = EXCLUDED.updated_at
            """,
            [store_id, auto, now, now, card_ids, conditions, finishes, languages, quantities, feed_prices, skus, names],
        )


def _update_batch(batch: list[tuple], *, auto: bool, now) -> None:
    """Quantities, feed prices and SKUs; `price` follows a changed feed price unless auto-adjusted."""
    if connection.vendor == "postgresql":
        ids, quantities, feed_prices, skus, reprice = (list(column) for column in zip(*batch, strict=True))
        if auto:
            reprice = [False] * len(reprice)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE stores_storeinventoryitem AS item
                SET quantity = v.quantity, feed_price = v.feed_price, provider_sku = v.sku,
                    price = CASE WHEN v.reprice THEN v.feed_price ELSE item.price END,
                    updated_at = %s
                FROM unnest(%s::bigint[], %s::integer[], %s::numeric[], %s::text[], %s::boolean[])
                    AS v(id, quantity, feed_price, sku, reprice)
                WHERE item.id = v.id
                """,
                [now, ids, quantities, feed_prices, skus, reprice],
            )
        return
    items = []
    by_id = {row[0]: row for row in batch}
    for item in StoreInventoryItem.objects.filter(pk__in=by_id):
        _, quantity, feed_price, sku, reprice = by_id[item.pk]
        item.quantity, item.feed_price, item.provider_sku, item.updated_at = quantity, feed_price, sku, now
        if reprice and not auto:
            item.price = feed_price
        items.append(item)
    StoreInventoryItem.objects.bulk_update(items, ["quantity", "feed_price", "provider_sku", "price", "updated_at"])


def write_plan(*, run: InventorySyncRun, plan: Plan, started: float) -> None:
    with transaction.atomic():
        if connection.vendor == "postgresql" and (plan.creates or plan.updates or plan.zero_ids):
            # COMMIT need not wait for the WAL flush: a crash in that moment loses this whole
            # run (never part of it: the run row is in the same transaction and is failed as
            # stale later), and the next sync of the same feed writes it (docs/decisions/0038).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        store = LGSProfile.objects.select_for_update().get(pk=run.store_id)
        apply_plan(store=store, plan=plan)
        now = timezone.now()
        InventorySyncRun.objects.filter(pk=run.pk).update(
            status=SyncRunStatus.SUCCEEDED,
            rows_processed=plan.rows,
            bytes_processed=run.bytes_total,
            created_count=len(plan.creates),
            updated_count=len(plan.updates),
            zeroed_count=len(plan.zero_ids),
            unchanged_count=plan.unchanged,
            skipped_count=plan.skipped,
            errors=plan.errors,
            error_count=plan.error_count,
            unmatched=plan.unmatched,
            unmatched_count=plan.unmatched_count,
            finished_at=now,
            updated_at=now,
        )
        store.last_sync_at = now
        store.sync_status = SyncRunStatus.SUCCEEDED
        store.save(update_fields=["last_sync_at", "sync_status", "updated_at"])
    logger.info("store %s sync %s: %s rows in %.1fs", run.store_id, run.pk, plan.rows, time.monotonic() - started)
