"""Signal list, detail and leaderboard pages and their API endpoints beside same-rows references.

Usage (the scratch database of bench/signals.py --setup: 100,000 users, 1,000,000 signals,
5,000,000 follows):
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bazaar_bench_signals REDIS_URL=redis://127.0.0.1:6379/6
    .venv/bin/python bench/signals_pages.py [--seconds 20] [--concurrency 8] [--only list,api_detail]

The harness of bench/pages.py (its `start_server`, `phase` and `percentile`): gunicorn with 2 sync
workers, BAZAAR_ENV=production, DJANGO_SETTINGS_MODULE=bench.settings (the reference views of
bench/reference_signals.py), keep-alive clients, 2 s of warm-up per phase. Each page gets a
phase, then its reference one; both are requested by the same signed-in trader (`bench50001`,
who follows creators, so followers-only signals are in their list), the detail phases draw from
the same 500 public signals. One line per page:

    <page> ratio=<reference req/s ÷ real req/s> p50=<real ms> p99=<real ms> ref_p50=<ms> rps=<real>/<ref>
           cpu=<server CPU ms per real request>/<per reference request> cpu_ratio=<real ÷ reference> load=<1-min>

The server's CPU time (user + system of the gunicorn workers, from /proc) is measured over each
phase: on a busy machine the req/s ratio moves with other processes' load, CPU per request much
less. The driver's own CPU time is printed at the end.
"""

import argparse
import os
import random
import resource
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages import free_port, percentile, phase, start_server  # noqa: E402  (sets bench.settings)

VIEWER = "bench50001"
DETAIL_SAMPLE = 500
TICKS = os.sysconf("SC_CLK_TCK")


def _server_cpu_seconds(master_pid: int) -> float:
    """User + system CPU of the gunicorn master and its workers (children found through /proc)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        if pid == master_pid or ppid == master_pid:
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / TICKS


def build_pages(rng: random.Random):
    from django.db import connection
    from django.test import Client

    from accounts.models import User

    client = Client()  # only to open a real session for the viewer (the server shares SECRET_KEY)
    client.force_login(User.objects.get(username=VIEWER))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM signals_recommendation WHERE visibility = 'public' AND NOT is_hidden AND id %% 997 = 0 "
            "ORDER BY id LIMIT %s",
            [DETAIL_SAMPLE],
        )
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        raise SystemExit("no signals: run bench/signals.py --setup first")

    def fixed(path):
        return lambda: path

    def detail(prefix):
        return lambda: f"{prefix}{rng.choice(ids)}/"

    pages = [
        ("list", fixed("/signals/"), fixed("/bench/ref/signals/")),
        ("detail", detail("/signals/"), detail("/bench/ref/signals/")),
        ("leaderboard", fixed("/signals/leaderboard/?period=30d"), fixed("/bench/ref/signals/leaderboard/?period=30d")),
        ("api_list", fixed("/api/v1/signals/"), fixed("/bench/ref/api/signals/")),
        ("api_detail", detail("/api/v1/signals/"), detail("/bench/ref/api/signals/")),
        (
            "api_leaderboard",
            fixed("/api/v1/signals/leaderboard/?period=30d"),
            fixed("/bench/ref/api/signals/leaderboard/?period=30d"),
        ),
    ]
    return pages, f"sessionid={client.cookies['sessionid'].value}", len(ids)


def run(seconds: float, concurrency: int, only: set[str] | None) -> None:
    import django

    os.environ["SECRET_KEY"] = secrets.token_urlsafe(60)  # one secret for the session and the server
    django.setup()
    rng = random.Random(14)
    pages, cookie, detail_count = build_pages(rng)
    port = free_port()
    server = start_server(port)
    headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1", "Cookie": cookie}
    print(
        f"{concurrency} clients, {seconds:.0f} s per phase, gunicorn 2 sync workers, port {port}, "
        f"{detail_count} detail ids, load average {os.getloadavg()[0]:.2f} at start",
        flush=True,
    )

    def measured(choose):
        before = _server_cpu_seconds(server.pid)
        latencies, errors, sample = phase(port, choose, headers, seconds, concurrency)
        return latencies, errors, sample, _server_cpu_seconds(server.pid) - before

    try:
        for name, real, reference in pages:
            if only and name not in only:
                continue
            real_lat, real_err, real_sample, real_cpu = measured(real)
            ref_lat, ref_err, ref_sample, ref_cpu = measured(reference)
            real_rps, ref_rps = len(real_lat) / seconds, len(ref_lat) / seconds
            ratio = ref_rps / real_rps if real_rps else float("inf")
            # Warm-up requests are served too (2 s of each phase): CPU per request counts them.
            real_ms = real_cpu * 1000 / max(1, len(real_lat))
            ref_ms = ref_cpu * 1000 / max(1, len(ref_lat))
            extra = f" errors={real_err}/{ref_err} {real_sample or ref_sample}" if real_err or ref_err else ""
            print(
                f"{name} ratio={ratio:.2f} p50={percentile(real_lat, 0.5) * 1000:.0f} "
                f"p99={percentile(real_lat, 0.99) * 1000:.0f} ref_p50={percentile(ref_lat, 0.5) * 1000:.0f} "
                f"rps={real_rps:.1f}/{ref_rps:.1f} cpu={real_ms:.1f}/{ref_ms:.1f} "
                f"cpu_ratio={real_ms / ref_ms if ref_ms else float('inf'):.2f} load={os.getloadavg()[0]:.2f}{extra}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(10)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"driver CPU time {usage.ru_utime + usage.ru_stime:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per phase")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--only", default="", help="comma-separated page names")
    args = parser.parse_args()
    run(args.seconds, args.concurrency, set(filter(None, args.only.split(","))) or None)


if __name__ == "__main__":
    main()
