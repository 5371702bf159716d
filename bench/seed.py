"""Seed issue 10's benchmark dataset into a scratch database (used by bench/pages.py).

    createdb -h 127.0.0.1 -U postgres bazaar_bench_pages
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bazaar_bench_pages REDIS_URL=redis://127.0.0.1:6379/4
    .venv/bin/python bench/seed.py            # catalog (if missing) + traders, idempotent for the traders

Catalog: bench/cards_pages.py's 30,000 cards / 7.24 M snapshots (INSERT … SELECT over
generate_series, ~6 min on a quiet machine; skipped when the catalog is there). Traders: one
trader `bench_me` (Seattle, 30 km radius) with 200 haves and 200 wants; 1,000 traders within
30 km holding 30 haves and 30 wants each (drawn from the same 2,000 popular cards, so matches
exist); 60 proposals between `bench_me` and them (4 items each, one thread each) and one
thread with 200 messages. Rows go in with COPY (psycopg's copy protocol), ~5 s.
"""

import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

ME = "bench_me"
TRADERS = 1000
LAT, LON = 47.6062, -122.3321
POPULAR = 2000
PROPOSALS = 60
MESSAGES = 200


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed_traders(traders: int = TRADERS) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from cards.models import Card

    rng = random.Random(10)
    now = timezone.now()
    with transaction.atomic():
        old = list(User.objects.filter(username__startswith="bench_").values_list("pk", flat=True))
        if old:
            with connection.cursor() as cursor:
                # Bench-only rows: delete them in dependency order (no cascades through the ORM).
                cursor.execute(
                    "DELETE FROM trades_proposalitem WHERE proposal_id IN "
                    "(SELECT id FROM trades_tradeproposal WHERE proposer_id = ANY(%s) OR recipient_id = ANY(%s))",
                    [old, old],
                )
                cursor.execute(
                    "DELETE FROM trades_proposalevent WHERE proposal_id IN "
                    "(SELECT id FROM trades_tradeproposal WHERE proposer_id = ANY(%s))",
                    [old],
                )
                cursor.execute(
                    "DELETE FROM trades_tradeproposal WHERE proposer_id = ANY(%s) OR recipient_id = ANY(%s)",
                    [old, old],
                )
                cursor.execute("DELETE FROM trades_message WHERE sender_id = ANY(%s)", [old])
                cursor.execute(
                    "DELETE FROM trades_thread WHERE id IN "
                    "(SELECT thread_id FROM trades_threadparticipant WHERE user_id = ANY(%s))",
                    [old],
                )
            User.objects.filter(pk__in=old).delete()
        card_ids = list(Card.objects.order_by("pk").values_list("pk", flat=True)[:POPULAR])
        password = make_password("bench-password")
        me = User.objects.create(
            username=ME, email=f"{ME}@bench.test", password=password, latitude=LAT, longitude=LON, trade_radius_km=30
        )
        others = User.objects.bulk_create(
            [
                User(
                    username=f"bench_{i:05}",
                    email=f"bench_{i:05}@bench.test",
                    password=password,
                    latitude=round(LAT + rng.uniform(-0.18, 0.18), 6),
                    longitude=round(LON + rng.uniform(-0.18, 0.18), 6),
                    trade_radius_km=50,
                )
                for i in range(traders)
            ],
            batch_size=2000,
        )
        columns = [
            "created_at",
            "updated_at",
            "owner_id",
            "card_id",
            "quantity",
            "condition",
            "finish",
            "language",
            "note",
        ]
        haves = [(now, now, me.pk, pk, 2, "NM", "nonfoil", "en", "") for pk in rng.sample(card_ids, 200)]
        wants = [(now, now, me.pk, pk, 1, "MP", "nonfoil", "en", "") for pk in rng.sample(card_ids, 200)]
        for user in others:
            haves += [
                (now, now, user.pk, pk, rng.randint(1, 4), "NM", "nonfoil", "en", "") for pk in rng.sample(card_ids, 30)
            ]
            wants += [
                (now, now, user.pk, pk, rng.randint(1, 3), "LP", "nonfoil", "en", "") for pk in rng.sample(card_ids, 30)
            ]
        with connection.cursor() as cursor:
            _copy(
                cursor,
                "lists_haveitem",
                [*columns, "trade_for_wants_only", "reserved"],
                [(*row, False, 0) for row in haves],
            )
            _copy(cursor, "lists_wantitem", columns, wants)
            # Proposals: half sent by me, half received, each in its own thread with both participants.
            for i, other in enumerate(others[:PROPOSALS]):
                cursor.execute(
                    "INSERT INTO trades_thread (created_at, updated_at, last_message_at) "
                    "VALUES (%s, %s, %s) RETURNING id",
                    [now, now, now],
                )
                thread_id = cursor.fetchone()[0]
                _copy(
                    cursor,
                    "trades_threadparticipant",
                    ["thread_id", "user_id", "last_read_at"],
                    [(thread_id, me.pk, now), (thread_id, other.pk, None)],
                )
                proposer, recipient = (me.pk, other.pk) if i % 2 else (other.pk, me.pk)
                cursor.execute(
                    """INSERT INTO trades_tradeproposal (created_at, updated_at, proposer_id, recipient_id, thread_id,
                           status, message, cash_from_proposer, cash_from_recipient, currency, proposer_value,
                           recipient_value, decline_reason)
                       VALUES (%s, %s, %s, %s, %s, 'pending', 'Bench offer', 0, 0, 'USD', 10, 10, '') RETURNING id""",
                    [now, now, proposer, recipient, thread_id],
                )
                proposal_id = cursor.fetchone()[0]
                _copy(
                    cursor,
                    "trades_proposalitem",
                    ["proposal_id", "side", "card_id", "quantity", "condition", "finish", "language", "unit_value"],
                    [
                        (proposal_id, side, pk, 1, "NM", "nonfoil", "en", 2)
                        for side, pk in zip(
                            ["proposer", "proposer", "recipient", "recipient"], rng.sample(card_ids, 4), strict=False
                        )
                    ],
                )
                if i == 0:
                    _copy(
                        cursor,
                        "trades_message",
                        ["thread_id", "sender_id", "body", "is_system", "created_at"],
                        [
                            (
                                thread_id,
                                (me.pk, other.pk)[m % 2],
                                f"Message {m}: does the {m % 7}th card ship today?",
                                False,
                                now - timezone.timedelta(minutes=MESSAGES - m),
                            )
                            for m in range(MESSAGES)
                        ],
                    )
            cursor.execute("ANALYZE")
    print(
        f"seeded {ME} (200/200), {traders} traders with 30/30 items, {PROPOSALS} proposals, a {MESSAGES}-message thread"
    )


def main() -> None:
    import django

    django.setup()
    from cards.models import Card

    started = time.perf_counter()
    if Card.objects.count() < 30_000:
        sys.path.insert(0, str(ROOT / "bench"))
        import cards_pages

        cards_pages.setup()
    seed_traders()
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
