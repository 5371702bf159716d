"""Every main page and API list beside its same-rows reference view, under gunicorn (issue 10).

Usage (PostgreSQL, a scratch database seeded by bench/seed.py):
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bazaar_bench_pages REDIS_URL=redis://127.0.0.1:6379/4
    .venv/bin/python bench/seed.py                                  # once
    .venv/bin/python bench/pages.py --ratios [--seconds 20] [--concurrency 8] [--only matches,search]

The server is production's HTTP setup: gunicorn, 2 sync workers, BAZAAR_ENV=production
(DEBUG off, manifest static files: collectstatic runs first into the gitignored staticfiles/),
with DJANGO_SETTINGS_MODULE=bench.settings, which adds the /bench/ref/… views of
bench/reference.py to the project's URLs. Requests carry X-Forwarded-Proto: https as behind
the production proxy. For each page, the real view and then its reference get one phase each
(`--seconds`, after 2 s of warm-up), back to back, with `--concurrency` keep-alive clients.
Signed-in pages use a session of `bench_me`. One line per page:

    <page> ratio=<reference req/s ÷ real req/s> p50=<real ms> p99=<real ms> ref_p50=<ms> rps=<real>/<ref>

The search phase requests one-edit typos of catalog names (the edits of bench/typos.py); its
recall (the typed card's name among the first 5 results) is computed separately, through the
selector, and printed after the table.
"""

import argparse
import http.client
import os
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.setdefault("LOG_LEVEL", "WARNING")

ME = "bench_me"
BIG = "bench_big"
SEARCH_QUERIES = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


def build_pages(rng: random.Random):
    """[(name, signed_in, real path chooser, reference path chooser)] and the search recall.

    `signed_in` is True for bench_me's session, or another user's session cookie.
    """
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User
    from bench.typos import one_edit_typos
    from cards.models import Card
    from cards.selectors import card_search_queryset
    from trades.models import Message, TradeProposal
    from trades.selectors.matches import matches_for

    def session_cookie(user) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return f"sessionid={session.session_key}"

    me = User.objects.get(username=ME)
    cookie = session_cookie(me)
    big = User.objects.filter(username=BIG).first()

    card_ids = list(Card.objects.values_list("id", flat=True))
    names = sorted(set(Card.objects.values_list("name", flat=True)))
    typos = []
    for name in rng.sample(names, min(len(names), SEARCH_QUERIES)):
        typo = rng.choice(one_edit_typos(name, rng=rng, limit=4) or [name])
        typos.append((name, typo))
    searches, found = [], 0
    for name, typo in typos:
        rows = list(card_search_queryset(query=typo).values_list("id", "name")[:30])
        found += name in [row_name for _, row_name in rows[:5]]
        searches.append((typo, ",".join(str(pk) for pk, _ in rows)))
    recall = found / len(typos)

    matches = matches_for(user=me, limit=20)
    match_ids = ",".join(str(line.have.pk) for match in matches for line in (*match.they_give, *match.i_give))
    proposal = TradeProposal.objects.filter(proposer=me).order_by("pk").first()
    thread_id = Message.objects.filter(sender=me).values_list("thread_id", flat=True).first()

    def fixed(path):
        return lambda: path

    def search_pair():
        typo, ids = rng.choice(searches)
        return "/cards/?q=" + typo.replace(" ", "+"), f"/bench/ref/search/?ids={ids}"

    pages = [
        ("home", True, fixed("/"), fixed("/bench/ref/home/")),
        ("search", False, search_pair, None),
        ("card", False, lambda: f"/cards/{rng.choice(card_ids)}/", lambda: f"/bench/ref/card/{rng.choice(card_ids)}/"),
        ("movers", False, fixed("/cards/movers/"), fixed("/bench/ref/movers/")),
        ("lists", True, fixed("/trades/lists/"), fixed("/bench/ref/lists/")),
        # The same page for a 38,000-item list (bench/seed.py's bench_big): its cost should not grow.
        *([("lists_big", session_cookie(big), fixed("/trades/lists/"), fixed("/bench/ref/lists/"))] if big else []),
        ("matches", True, fixed("/trades/matches/"), fixed(f"/bench/ref/matches/?ids={match_ids}")),
        ("proposal", True, fixed(f"/trades/proposals/{proposal.pk}/"), fixed(f"/bench/ref/proposal/{proposal.pk}/")),
        ("trades", True, fixed("/trades/"), fixed("/bench/ref/trades/")),
        ("thread", True, fixed(f"/trades/threads/{thread_id}/"), fixed(f"/bench/ref/thread/{thread_id}/")),
        ("api_cards", True, fixed("/api/v1/cards/"), fixed("/bench/ref/api/cards/")),
        ("api_haves", True, fixed("/api/v1/haves/"), fixed("/bench/ref/api/haves/")),
        ("api_proposals", True, fixed("/api/v1/proposals/"), fixed("/bench/ref/api/proposals/")),
        ("api_matches", True, fixed("/api/v1/matches/"), fixed(f"/bench/ref/api/matches/?ids={match_ids}")),
    ]
    return pages, cookie, recall, len(typos), len(matches)


def start_server(port: int):
    env = dict(
        os.environ,
        BAZAAR_ENV="production",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        # One signed-in user and 8 clients: the API's per-user throttle would answer 429s.
        API_THROTTLE_USER="1000000/min",
        API_THROTTLE_ANON="1000000/min",
        DJANGO_SETTINGS_MODULE="bench.settings",
    )
    bin_dir = Path(sys.executable).parent
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    deadline = time.time() + 60
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass
        if time.time() > deadline:
            server.terminate()
            raise SystemExit("gunicorn did not start")
        time.sleep(0.3)


def phase(port: int, choose, headers: dict, seconds: float, concurrency: int) -> tuple[list[float], int, str]:
    latencies: list[float] = []
    errors = {"count": 0, "sample": ""}
    lock = threading.Lock()
    now = time.perf_counter()
    warm_until, stop_at = now + 2.0, now + 2.0 + seconds

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local = []
        while time.perf_counter() < stop_at:
            path = choose()
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                ok, status = False, repr(error)
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            if started > warm_until:
                if ok:
                    local.append(time.perf_counter() - started)
                else:
                    with lock:
                        errors["count"] += 1
                        errors["sample"] = f"{status} {path[:80]}"
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors["count"], errors["sample"]


def ratios(seconds: float, concurrency: int, only: set[str] | None) -> None:
    import django

    # One secret for this process (which signs the session) and the server.
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(60)
    django.setup()
    rng = random.Random(10)
    pages, cookie, recall, typo_count, match_count = build_pages(rng)
    port = free_port()
    server = start_server(port)
    load_before = os.getloadavg()[0]
    print(
        f"{concurrency} clients, {seconds:.0f} s per phase, gunicorn 2 sync workers, port {port}, "
        f"load average {load_before:.2f} at start",
        flush=True,
    )
    try:
        for name, signed_in, real, reference in pages:
            if only and name not in only:
                continue
            headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
            if signed_in:
                headers["Cookie"] = signed_in if isinstance(signed_in, str) else cookie
            if reference is None:  # a chooser returning both paths: the reference gets the same rows
                pairs = [real() for _ in range(500)]
                real_choose = iter_choice(rng, [pair[0] for pair in pairs])
                ref_choose = iter_choice(rng, [pair[1] for pair in pairs])
            else:
                real_choose, ref_choose = real, reference
            real_lat, real_err, real_sample = phase(port, real_choose, headers, seconds, concurrency)
            ref_lat, ref_err, ref_sample = phase(port, ref_choose, headers, seconds, concurrency)
            real_rps, ref_rps = len(real_lat) / seconds, len(ref_lat) / seconds
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
    print(f"search recall@5 on {typo_count} one-edit typos: {recall:.1%}; matches shown: {match_count}")


def iter_choice(rng: random.Random, paths: list[str]):
    return lambda: rng.choice(paths)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ratios", action="store_true", help="run every page beside its reference")
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per phase")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--only", default="", help="comma-separated page names")
    args = parser.parse_args()
    if not args.ratios:
        parser.error("nothing to do: pass --ratios")
    ratios(args.seconds, args.concurrency, set(filter(None, args.only.split(","))) or None)


if __name__ == "__main__":
    main()
