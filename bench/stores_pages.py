"""Stores pages beside their same-rows references, under gunicorn (the harness of bench/pages.py).

Usage (after bench/stores_finder.py, bench/stores_sync.py and bench/stores_buylist.py filled the
scratch database):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bazaar_storesperf_bench REDIS_URL=redis://127.0.0.1:6379/12 \
        .venv/bin/python bench/stores_pages.py [--seconds 20] [--concurrency 8] [--only finder,store]

The server, phases and percentiles are bench/pages.py's (`start_server`, `phase`,
`percentile`): gunicorn with 2 sync workers, production settings plus the reference views of
bench/reference_stores.py. Each page, then its reference, gets one phase back to back with
`--concurrency` keep-alive clients. Pages:

- finder: `/stores/?near=<WA ZIP>&radius_km=50` (up to 100 of the 50,000 stores); its reference
  gets the same stores by id with their distance;
- store: `/stores/<id>/?page=<1-200>` of the 100,000-item store (50 rows by card name, market
  prices); the reference reads the same 50 rows with their market price;
- buylist: the owner's `/dashboard/store/buylist/` of the 50,000-SKU store (rules form, the
  first 50 buylist rows, their count); the reference reads the same 50 rows;
- matches: the owner's `/dashboard/store/matches/` (opted-in traders nearby whose wants it stocks
  and whose haves it buys); the reference reads the same traders by id.

One line per page, as bench/pages.py prints them; ratio = reference req/s ÷ real req/s.
"""

import argparse
import os
import random
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages import free_port, iter_choice, percentile, phase, start_server  # noqa: E402 (sets the settings module)


def session_cookie(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def build_pages(rng: random.Random):
    """[(name, cookie or None, [(real path, reference path)])]: the reference of each pair shows the same rows."""
    import zipcodes

    from stores.matches import store_matches
    from stores.models import LGSProfile
    from stores.selectors import FinderFilters, stores_near

    big = LGSProfile.objects.filter(user__username="bench_store").select_related("user").first()
    buylist_store = LGSProfile.objects.filter(user__username="bench_buylist").select_related("user").first()
    if big is None or buylist_store is None:
        raise SystemExit("run bench/stores_sync.py and bench/stores_buylist.py first")
    finder_pairs = []
    for place in [z for z in zipcodes.filter_by(state="WA") if z["zip_code_type"] == "STANDARD"][:200]:
        lat, lng = float(place["lat"]), float(place["long"])
        found = stores_near(lat=lat, lng=lng, radius_km=50, filters=FinderFilters())
        ids = ",".join(str(entry.store.pk) for entry in found)
        finder_pairs.append(
            (
                f"/stores/?near={place['zip_code']}&radius_km=50",
                f"/bench/ref/stores/finder/?lat={lat}&lng={lng}&ids={ids}",
            )
        )
    store_pairs = [
        (f"/stores/{big.pk}/?page={page}", f"/bench/ref/stores/{big.pk}/inventory/?page={page}")
        for page in range(1, 201)
    ]
    matched = store_matches(store=buylist_store)
    match_ids = ",".join(str(match.user_id) for match in matched)
    owner = session_cookie(buylist_store.user)
    pages = [
        ("finder", None, finder_pairs),
        ("store", None, store_pairs),
        ("buylist", owner, [("/dashboard/store/buylist/", "/bench/ref/stores/buylist/")]),
        ("matches", owner, [("/dashboard/store/matches/", f"/bench/ref/stores/matches/?ids={match_ids}")]),
    ]
    return pages, len(matched)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per phase")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--only", default="", help="comma-separated page names")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))
    import django

    os.environ["SECRET_KEY"] = secrets.token_urlsafe(60)  # one secret for this process and the server
    django.setup()
    rng = random.Random(15)
    pages, match_count = build_pages(rng)
    port = free_port()
    server = start_server(port)
    print(
        f"{args.concurrency} clients, {args.seconds:.0f} s per phase, gunicorn 2 sync workers, port {port}, "
        f"load average {os.getloadavg()[0]:.2f} at start; {match_count} local matches",
        flush=True,
    )
    try:
        for name, cookie, pairs in pages:
            if only and name not in only:
                continue
            headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
            if cookie:
                headers["Cookie"] = cookie
            real = iter_choice(rng, [pair[0] for pair in pairs])
            reference = iter_choice(rng, [pair[1] for pair in pairs])
            real_lat, real_err, real_sample = phase(port, real, headers, args.seconds, args.concurrency)
            ref_lat, ref_err, ref_sample = phase(port, reference, headers, args.seconds, args.concurrency)
            real_rps, ref_rps = len(real_lat) / args.seconds, len(ref_lat) / args.seconds
            ratio = ref_rps / real_rps if real_rps else float("inf")
            extra = f" errors={real_err}/{ref_err} {real_sample or ref_sample}" if real_err or ref_err else ""
            print(
                f"{name} ratio={ratio:.2f} p50={percentile(real_lat, 0.5) * 1000:.0f} "
                f"p99={percentile(real_lat, 0.99) * 1000:.0f} ref_p50={percentile(ref_lat, 0.5) * 1000:.0f} "
                f"rps={real_rps:.1f}/{ref_rps:.1f} load={os.getloadavg()[0]:.2f}{extra}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
