"""Fast bulk writes for imports: COPY on PostgreSQL, the ORM elsewhere.

Only cards.services calls these, and the importers call `commit_without_flush_wait`.

Django's bulk_create/bulk_update compile a parameter per value and bulk_update builds one
CASE per row; on a 100,000-card import that SQL building cost more than the database work.
COPY (binary: cheaper to format than text) streams the rows. Rows that may meet stored ones
go into a temporary table and one set-based statement (INSERT ... ON CONFLICT, UPDATE ...
FROM) applies them; rows of cards created in the same transaction cannot conflict and are
copied straight into their table. On other databases (the SQLite demo) the same functions
fall back to the ORM.
"""

# ruff: noqa: S608 -- table and column names in the SQL here are constants from the models, never input.
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from django.db import connection

from .models import Card, CardPrice, PriceSnapshot

BATCH_SIZE = 2000


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def commit_without_flush_wait() -> None:
    """Let the current transaction's COMMIT return before its WAL is on disk (PostgreSQL only).

    For an import batch's own transaction: a crash in the next moment can lose the last
    batches, never part of one, and importing the file again writes them (imports are
    idempotent). Waiting for the flush was ~5 % of a first 100,000-card import.
    """
    if _is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _copy_into_temp(
    table: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence], *, binary: bool = False
) -> None:
    """(Re)fill a session-local temporary table with rows via COPY."""
    column_sql = ", ".join(f"{name} {sql_type}" for name, sql_type in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({column_sql})")
        cursor.execute(f"TRUNCATE {table}")
    _copy_into_table(table, columns, rows, binary=binary)


# SQL column type → the type name psycopg dumps a binary COPY value as.
BINARY_COPY_TYPES = {
    "bigint": "int8",
    "integer": "int4",
    "boolean": "bool",
    "varchar": "text",
    "numeric": "numeric",
    "date": "date",
    "timestamptz": "timestamptz",
    "uuid": "uuid",
    "jsonb": "jsonb",
}


def _copy_into_table(
    table: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence], *, binary: bool = False
) -> None:
    """COPY rows into a table (straight into a real one only for rows that cannot conflict with stored ones).

    `binary` (every column type in BINARY_COPY_TYPES, values of exactly those Python types):
    formatting rows in binary costs a fraction of the text format (uuids must be UUIDs then).
    """
    names = ", ".join(name for name, _ in columns)
    statement = f"COPY {table} ({names}) FROM STDIN" + (" (FORMAT BINARY)" if binary else "")
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        if binary:
            copy.set_types([BINARY_COPY_TYPES[sql_type.split("(")[0]] for _, sql_type in columns])
        for row in rows:
            copy.write_row(row)


def snapshots_insert(rows: Sequence[tuple], *, new_cards: bool = False) -> None:
    """rows: (card_id, finish, source, price, currency, captured_at); duplicates of stored ones are skipped.

    `new_cards`: every row is of a card created in this transaction (so nothing can conflict
    and the rows are copied straight into the table, skipping the temporary table).
    """
    if not rows:
        return
    if not _is_postgres():
        PriceSnapshot.objects.bulk_create(
            [
                PriceSnapshot(
                    card_id=card_id, finish=finish, source=source, price=price, currency=currency, captured_at=at
                )
                for card_id, finish, source, price, currency, at in rows
            ],
            batch_size=BATCH_SIZE,
            ignore_conflicts=True,
        )
        return
    columns = [
        ("card_id", "bigint"),
        ("finish", "varchar(10)"),
        ("source", "varchar(30)"),
        ("price", "numeric(12,2)"),
        ("currency", "varchar(3)"),
        ("captured_at", "timestamptz"),
    ]
    if new_cards:
        _copy_into_table(PriceSnapshot._meta.db_table, columns, rows, binary=True)
        return
    _copy_into_temp("cards_snapshot_load", columns, rows, binary=True)
    names = ", ".join(name for name, _ in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PriceSnapshot._meta.db_table} ({names}) SELECT {names} FROM cards_snapshot_load "
            "ON CONFLICT DO NOTHING"
        )


CURRENT_PRICE_FIELDS = (
    "price",
    "currency",
    "source",
    "captured_at",
    "price_24h_ago",
    "price_7d_ago",
    "change_24h_pct",
    "change_7d_pct",
)


def current_prices_upsert(rows: Sequence[tuple], *, new_cards: bool = False) -> None:
    """rows: (card_id, finish, *CURRENT_PRICE_FIELDS values); one row per (card, finish).

    `new_cards`: as in snapshots_insert (no card has a current price yet: plain COPY).
    """
    if not rows:
        return
    if not _is_postgres():
        CardPrice.objects.bulk_create(
            [
                CardPrice(card_id=row[0], finish=row[1], **dict(zip(CURRENT_PRICE_FIELDS, row[2:], strict=True)))
                for row in rows
            ],
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["card", "finish"],
            update_fields=list(CURRENT_PRICE_FIELDS),
        )
        return
    columns = [
        ("card_id", "bigint"),
        ("finish", "varchar(10)"),
        ("price", "numeric(12,2)"),
        ("currency", "varchar(3)"),
        ("source", "varchar(30)"),
        ("captured_at", "timestamptz"),
        ("price_24h_ago", "numeric(12,2)"),
        ("price_7d_ago", "numeric(12,2)"),
        ("change_24h_pct", "numeric(9,2)"),
        ("change_7d_pct", "numeric(9,2)"),
    ]
    if new_cards:
        _copy_into_table(CardPrice._meta.db_table, columns, rows, binary=True)
        return
    _copy_into_temp("cards_price_load", columns, rows, binary=True)
    names = ", ".join(name for name, _ in columns)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in CURRENT_PRICE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CardPrice._meta.db_table} ({names}) SELECT {names} FROM cards_price_load "
            f"ON CONFLICT (card_id, finish) DO UPDATE SET {updates}"
        )


def cards_write(*, create: Sequence[dict], update: Sequence[tuple[int, dict]], fields: Sequence[str], now: datetime):
    """Insert new cards and overwrite `fields` of changed ones; returns {scryfall_id: pk} of the created."""
    created: dict[str, int] = {}
    if not _is_postgres():
        if create:
            cards = [Card(**values) for values in create]
            Card.objects.bulk_create(cards, batch_size=500)
            created = {str(card.scryfall_id): card.pk for card in cards}
        if update:
            cards = []
            for pk, values in update:
                card = Card(pk=pk, updated_at=now, **values)
                cards.append(card)
            Card.objects.bulk_update(cards, [*fields, "updated_at"], batch_size=500)
        return created
    table = Card._meta.db_table
    if create:
        # New cards are copied straight in with ids taken from the sequence first (no temporary
        # table, no RETURNING); a card inserted meanwhile by someone else fails the unique
        # scryfall_id and rolls the batch back, as an INSERT would.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(create)]
            )
            ids = [pk for (pk,) in cursor.fetchall()]
        _copy_into_table(
            table,
            [
                ("id", "bigint"),
                ("scryfall_id", "uuid"),
                *((name, _pg_type(name)) for name in fields),
                ("created_at", "timestamptz"),
                ("updated_at", "timestamptz"),
            ],
            [
                (pk, UUID(values["scryfall_id"]), *(_pg_value(name, values[name]) for name in fields), now, now)
                for pk, values in zip(ids, create, strict=True)
            ],
            binary=True,
        )
        created = {values["scryfall_id"]: pk for pk, values in zip(ids, create, strict=True)}
    if update:
        columns = [("id", "bigint")] + [(name, _pg_type(name)) for name in fields]
        rows = [(pk, *(_pg_value(name, values[name]) for name in fields)) for pk, values in update]
        _copy_into_temp("cards_card_load", columns, rows, binary=True)
        assignments = ", ".join(f"{name} = load.{name}" for name in fields)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS card SET {assignments}, updated_at = %s FROM cards_card_load AS load "
                "WHERE card.id = load.id",
                [now],
            )
    return created


def cards_existing(scryfall_ids: Sequence[str], fields: Sequence[str]) -> list[tuple]:
    """(id, scryfall_id, *fields) of the cards with these Scryfall ids; `= ANY(array)` on PostgreSQL.

    An `__in` over 5,000 UUIDs costs more to build in the ORM than to run.
    """
    if not _is_postgres():
        return list(Card.objects.filter(scryfall_id__in=list(scryfall_ids)).values_list("id", "scryfall_id", *fields))
    names = ", ".join(fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, scryfall_id, {names} FROM {Card._meta.db_table} WHERE scryfall_id = ANY(%s::uuid[])",
            [list(scryfall_ids)],
        )
        rows = cursor.fetchall()
    if "finishes" in fields:
        position = 2 + list(fields).index("finishes")
        rows = [
            (
                *row[:position],
                json.loads(row[position]) if isinstance(row[position], str) else row[position],
                *row[position + 1 :],
            )
            for row in rows
        ]
    return rows


def _pg_type(name: str) -> str:
    field = Card._meta.get_field(name)
    return field.db_type(connection)


def _pg_value(name: str, value):
    """A card field's value as binary COPY takes it."""
    if name == "oracle_id" and value is not None:
        return UUID(value)
    return value
