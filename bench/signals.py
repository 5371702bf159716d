"""Signals at scale: list, detail and leaderboard (service and page) and the daily evaluation.

Usage (PostgreSQL, a scratch database; never the dev or test database):
    createdb -h 127.0.0.1 -U postgres bazaar_bench_signals
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bazaar_bench_signals REDIS_URL=redis://127.0.0.1:6379/6 \
           CACHE_KEY_PREFIX=benchsignals CHANNEL_PREFIX=benchsignals
    .venv/bin/python bench/signals.py --setup        # 100,000 users, 1,000,000 signals, 5,000,000 followers
    .venv/bin/python bench/signals.py --services     # selector timings in-process (p50/p99)
    .venv/bin/python bench/signals.py --evaluate     # the daily job over 50,000 due signals (re-arms them first)

The data is written server-side (`INSERT ... SELECT generate_series`, the fastest bulk path:
no rows cross the client socket at all) then ANALYZEd. Shape: 20,000 cards with 60 days of
daily nonfoil snapshots and a current price; 100,000 users (reputation rows; 20,000 of them
creators across tiers); 1,000,000 signals (70% public, 20% followers-only, 10% private;
900,000 evaluated over the last year, 50,000 active and due, 50,000 active in the future);
5,000,000 signal follows (5 per signal, half acted on) and 500,000 creator follows.

The pages and their API endpoints beside same-rows references: bench/signals_pages.py.
"""

import argparse
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

CARDS = 20_000
USERS = 100_000
CREATORS = 20_000
SIGNALS = 1_000_000
EVALUATED = 900_000
DUE = 50_000
FOLLOWS_PER_SIGNAL = 5
CREATOR_FOLLOWS = 500_000
DAYS = 60
PASSWORD = "bench-password-123"


def _django():
    import django

    django.setup()


def setup() -> None:
    _django()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()

    def step(label, sql, params=None):
        if params is not None:  # a literal % (modulo) must be doubled when parameters are bound
            sql = re.sub(r"%(?![s(])", "%%", sql)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        print(f"{label}: {time.perf_counter() - started:.0f} s", flush=True)

    step(
        "truncate",
        "TRUNCATE signals_signalfollower, signals_creatorfollow, signals_signalevent, signals_leaderboardstanding, "
        "signals_leaderboardcomputation, signals_recommendation, cards_pricesnapshot, cards_cardprice, cards_card, "
        "accounts_userreputation, account_emailaddress, accounts_user RESTART IDENTITY CASCADE",
    )
    step(
        "cards",
        """
        INSERT INTO cards_card (created_at, updated_at, scryfall_id, name, lang, set_code, set_name,
                                collector_number, rarity, finishes, is_reserved, image_url)
        SELECT now(), now(), md5('bench-signal-card-' || g)::uuid, 'Bench Card ' || g, 'en', 's' || (g % 40),
               'Bench Set ' || (g % 40), (g / 40 + 1)::text, 'rare', '["nonfoil"]'::jsonb, false, ''
        FROM generate_series(1, %s) AS g
        """,
        [CARDS],
    )
    step(
        "snapshots",
        """
        INSERT INTO cards_pricesnapshot (card_id, finish, source, price, currency, captured_at)
        SELECT c.id, 'nonfoil', 'demo', round((5 + (c.id % 97) + 3 * sin(d / 7.0 + c.id))::numeric, 2), 'USD',
               date_trunc('day', now()) - make_interval(days => d)
        FROM cards_card c CROSS JOIN generate_series(0, %s) AS d
        """,
        [DAYS],
    )
    step(
        "current prices",
        """
        INSERT INTO cards_cardprice (card_id, finish, price, currency, source, captured_at)
        SELECT card_id, finish, price, 'USD', 'demo', captured_at FROM cards_pricesnapshot
        WHERE captured_at = date_trunc('day', now())
        """,
    )
    step(
        "users",
        """
        INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                                   date_joined, account_type, business_name, business_verified, country, postal_code,
                                   trade_radius_km, match_with_stores, shipping_address)
        SELECT %s, false, 'bench' || g, '', '', 'bench' || g || '@bench.test', false, true, now() - interval '400 days',
               'personal', '', false, 'US', '', 50, false, ''
        FROM generate_series(1, %s) AS g
        """,
        [make_password(PASSWORD), USERS],
    )
    # Creators (ids 1..20,000) across tiers: every fifth gold with a featured-grade record.
    step(
        "reputations",
        """
        INSERT INTO accounts_userreputation (created_at, updated_at, user_id, completed_trades, cancelled_trades,
            total_trade_value, review_count, review_average, signals_followed, signals_profitable, signal_accuracy_pct,
            signals_authored_evaluated, author_hits, author_accuracy_pct, disputes_involved, disputes_lost,
            reputation_score, reputation_tier, computed_at)
        SELECT now(), now(), u.id,
               CASE WHEN u.id <= %(creators)s THEN 20 + u.id % 40 ELSE u.id % 5 END, 0, 0, 0, 0, 0, 0, 0,
               CASE WHEN u.id <= %(creators)s THEN 45 ELSE 0 END,
               CASE WHEN u.id <= %(creators)s THEN 20 + u.id % 25 ELSE 0 END,
               CASE WHEN u.id <= %(creators)s THEN round((20 + u.id % 25) * 100.0 / 45, 2) ELSE 0 END, 0, 0,
               CASE WHEN u.id <= %(creators)s THEN (ARRAY[150, 350, 450, 650, 950])[1 + u.id % 5] ELSE 40 END,
               CASE WHEN u.id <= %(creators)s THEN (ARRAY['bronze','silver','silver','gold','platinum'])[1 + u.id % 5]
                    ELSE 'new' END, now()
        FROM accounts_user u
        """,
        {"creators": CREATORS},
    )
    step(
        "signals",
        """
        INSERT INTO signals_recommendation (created_at, updated_at, card_id, finish, action, entry_price, currency,
            target_price, target_date, rationale, created_by_id, is_user_generated, visibility, is_public,
            follower_count, user_rationale, user_target_price, user_target_date, status, evaluated_at, price_at_end,
            peak_price, accuracy, hit, profit_pct, peak_profit_pct, closed_early, is_hidden, hidden_reason)
        SELECT s.created, s.created, 1 + g % %(cards)s, 'nonfoil', s.action, 10.00, 'USD',
               CASE s.action WHEN 'BUY' THEN 12.00 WHEN 'SELL' THEN 8.00 END, s.target, '',
               1 + g % %(creators)s, true, s.visibility, s.visibility = 'public', %(follows)s,
               'Bench rationale for a generated signal.', CASE s.action WHEN 'BUY' THEN 12.00 WHEN 'SELL' THEN 8.00 END,
               s.target, CASE WHEN g <= %(evaluated)s THEN 'evaluated' ELSE 'active' END,
               CASE WHEN g <= %(evaluated)s THEN s.target END,
               CASE WHEN g <= %(evaluated)s THEN 11.00 END, CASE WHEN g <= %(evaluated)s THEN 11.50 END,
               CASE WHEN g <= %(evaluated)s THEN (g % 3) * 0.4 END, CASE WHEN g <= %(evaluated)s THEN g % 3 > 0 END,
               CASE WHEN g <= %(evaluated)s AND s.action <> 'HOLD' THEN 10.00 END,
               CASE WHEN g <= %(evaluated)s AND s.action <> 'HOLD' THEN 15.00 END, false, false, ''
        FROM generate_series(1, %(signals)s) AS g
        CROSS JOIN LATERAL (
            SELECT (ARRAY['BUY','SELL','HOLD'])[1 + g % 3] AS action,
                   CASE WHEN g % 10 < 7 THEN 'public' WHEN g % 10 < 9 THEN 'followers' ELSE 'private' END AS visibility,
                   CASE WHEN g <= %(evaluated)s THEN now() - make_interval(days => 30 + (g % 330))
                        ELSE now() - make_interval(days => 25) END AS created,
                   CASE WHEN g <= %(evaluated)s THEN now() - make_interval(days => (g % 330))
                        WHEN g <= %(evaluated)s + %(due)s THEN date_trunc('day', now()) - interval '1 day'
                        ELSE date_trunc('day', now()) + make_interval(days => 10 + g % 100) END AS target
        ) AS s
        """,
        {
            "cards": CARDS,
            "creators": CREATORS,
            "follows": FOLLOWS_PER_SIGNAL,
            "evaluated": EVALUATED,
            "due": DUE,
            "signals": SIGNALS,
        },
    )
    step(
        "signal follows",
        """
        INSERT INTO signals_signalfollower (recommendation_id, user_id, followed_at, acted_on, acted_at, acted_price,
                                            outcome_evaluated, outcome_profit_pct)
        SELECT r.id, 1 + (r.id * 7 + k * 19997) % %(users)s, r.created_at, k % 2 = 0,
               CASE WHEN k % 2 = 0 THEN r.created_at END, CASE WHEN k % 2 = 0 THEN 10.50 END,
               r.status = 'evaluated' AND k % 2 = 0,
               CASE WHEN r.status = 'evaluated' AND k % 2 = 0 AND r.action <> 'HOLD' THEN 4.76 END
        FROM signals_recommendation r CROSS JOIN generate_series(0, %(per)s - 1) AS k
        """,
        {"users": USERS, "per": FOLLOWS_PER_SIGNAL},
    )
    step(
        "creator follows",
        """
        INSERT INTO signals_creatorfollow (follower_id, creator_id, created_at)
        SELECT DISTINCT ON (f, c) f, c, now() FROM (
            SELECT 1 + g % %(users)s AS f, 1 + ((g / %(users)s) * 4001 + g * 7) % %(creators)s AS c
            FROM generate_series(1, %(n)s) AS g
        ) x WHERE f <> c
        """,
        {"users": USERS, "creators": CREATORS, "n": CREATOR_FOLLOWS},
    )
    step(
        "sequences", "SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), (SELECT max(id) FROM accounts_user))"
    )
    step("analyze", "ANALYZE")
    from signals.evaluation import leaderboard_recompute

    t0 = time.perf_counter()
    leaderboard_recompute()
    print(f"leaderboard precompute (3 periods over {EVALUATED:,} evaluated): {time.perf_counter() - t0:.1f} s")
    with connection.cursor() as cursor:
        for table in ("accounts_user", "signals_recommendation", "signals_signalfollower", "signals_creatorfollow"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            print(f"{table}: {cursor.fetchone()[0]:,}")
    print(f"setup done in {time.perf_counter() - started:.0f} s")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def _timed(label, fn, runs=200):
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    print(f"{label:46} p50 {percentile(samples, 0.5) * 1000:7.1f} ms   p99 {percentile(samples, 0.99) * 1000:7.1f} ms")


def services() -> None:
    _django()
    from django.contrib.auth.models import AnonymousUser
    from django.utils import timezone

    from accounts.models import User
    from signals import selectors
    from signals.models import Recommendation

    viewer = User.objects.select_related("reputation").get(username="bench50001")
    ids = list(Recommendation.objects.filter(visibility="public").values_list("id", flat=True)[::997][:500])
    anonymous = AnonymousUser()
    print(f"load average {os.getloadavg()[0]:.2f}; {len(ids)} detail ids")

    def page(filters, user=viewer):
        return lambda: selectors.signal_list_page(user=user, filters=filters, page=1, per_page=25).items

    SignalFilters = selectors.SignalFilters
    _timed("list newest (signed in)", page(SignalFilters()))
    _timed("list newest (anonymous)", page(SignalFilters(), anonymous))
    _timed("list most followed", page(SignalFilters(sort="most_followed")))
    _timed("list best creator", page(SignalFilters(sort="best_creator")), runs=20)
    _timed("list action=SELL status=active", page(SignalFilters(action="SELL", status="active")))
    _timed("list featured", page(SignalFilters(featured=True)), runs=50)
    _timed("list card filter", page(SignalFilters(card=1234)))
    _timed("list q=Card 12", page(SignalFilters(q="Card 12")), runs=50)
    _timed("list from creators I follow", page(SignalFilters(scope="following")), runs=50)

    def detail():
        signal = selectors.access_signal(user=viewer, pk=random.choice(ids))
        selectors.signal_detail_context(user=viewer, signal=signal, now=timezone.now())

    _timed("detail (access + context)", detail)
    _timed("leaderboard 30d (precomputed)", lambda: selectors.leaderboard(period="30d"))


def rearm() -> None:
    """Put the 50,000 due signals (and their follows) back as they were before evaluation."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE signals_recommendation SET status = 'active', evaluated_at = NULL, price_at_end = NULL,
                   peak_price = NULL, accuracy = NULL, hit = NULL, profit_pct = NULL, peak_profit_pct = NULL,
                   closed_early = false
            WHERE id > %s AND id <= %s
            """,
            [EVALUATED, EVALUATED + DUE],
        )
        cursor.execute(
            "UPDATE signals_signalfollower SET outcome_evaluated = false, outcome_profit_pct = NULL "
            "WHERE recommendation_id > %s AND recommendation_id <= %s",
            [EVALUATED, EVALUATED + DUE],
        )
        cursor.execute("DELETE FROM signals_signalevent")
        cursor.execute("VACUUM ANALYZE signals_recommendation")
        cursor.execute("VACUUM ANALYZE signals_signalfollower")
        cursor.execute("VACUUM ANALYZE accounts_userreputation")


def _backend_cpu_seconds() -> float:
    """User + system CPU of this connection's PostgreSQL backend (same machine: /proc)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def evaluate() -> None:
    import logging

    _django()
    from django.utils import timezone

    from signals.evaluation import evaluate_due_signals, leaderboard_recompute

    # The job logs its phases at INFO; show them.
    logging.basicConfig(format="  %(message)s")
    logging.getLogger("signals.evaluation").setLevel(logging.INFO)
    rearm()
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    started, cpu, backend = time.perf_counter(), time.process_time(), _backend_cpu_seconds()
    evaluated = evaluate_due_signals(now=timezone.now())
    took, cpu, backend = time.perf_counter() - started, time.process_time() - cpu, _backend_cpu_seconds() - backend
    print(
        f"evaluated {evaluated:,} due signals (outcomes, follower outcomes, stats, reputation) in {took:.1f} s; "
        f"CPU time: this process {cpu:.1f} s, its PostgreSQL backend {backend:.1f} s; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    started = time.perf_counter()
    leaderboard_recompute()
    print(f"leaderboard precompute after it: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    again = evaluate_due_signals(now=timezone.now())
    print(f"second run: {again} signals in {time.perf_counter() - started:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--setup", action="store_true")
    parser.add_argument("--services", action="store_true")
    parser.add_argument("--evaluate", action="store_true")
    args = parser.parse_args()
    if args.setup:
        setup()
    if args.services:
        services()
    if args.evaluate:
        evaluate()


if __name__ == "__main__":
    main()
