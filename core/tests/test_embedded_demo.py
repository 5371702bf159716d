"""The embedded default really runs: web answers, and beat + worker threads execute a periodic job.

Runs `manage.py run_demo` as a subprocess with no DATABASE_URL/REDIS_URL-backed services
(a fresh SQLite file, memory broker, in-memory channel layer), exactly as `make demo` does.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from core.asgi_server import free_port

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _socket_opens(port: int, *, origin: str) -> bool:
    try:
        with ws_connect(f"ws://127.0.0.1:{port}/ws/prices/?cards=1", origin=origin, proxy=None, open_timeout=5):
            return True
    except InvalidStatus:
        return False


@pytest.fixture
def embedded_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER"}}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        REDIS_URL="",
        CELERY_TASK_ALWAYS_EAGER="false",
        BEAT_FAST_SECONDS="3",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    return env


def test_run_demo_serves_pages_and_runs_periodic_jobs_in_process(embedded_env, tmp_path):
    port = free_port()
    log_path = tmp_path / "demo.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_demo", "--port", str(port), "--no-feed"],
            cwd=ROOT,
            env=embedded_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            assert _wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), 60), log_path.read_text()
            assert _answers(f"http://127.0.0.1:{port}/")
            # Its websockets accept the address it prints (and its loopback twin), nothing else.
            assert _socket_opens(port, origin=f"http://127.0.0.1:{port}")
            assert _socket_opens(port, origin=f"http://localhost:{port}")
            assert not _socket_opens(port, origin=f"http://127.0.0.1:{port + 1}")
            task_ran = "Task accounts.tasks.recompute_all_reputations"
            assert _wait_for(lambda: task_ran in log_path.read_text() and "succeeded" in log_path.read_text(), 60), (
                log_path.read_text()
            )
        finally:
            process.send_signal(signal.SIGINT)
            returncode = process.wait(timeout=30)
    assert returncode == 0, log_path.read_text()
    assert "embedded (SQLite, memory broker, in-process channel layer)" in log_path.read_text()
