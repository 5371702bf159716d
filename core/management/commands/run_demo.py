"""Run the whole product on one machine: web (HTTP + websockets), Celery worker and beat, price feed.

Embedded default (no REDIS_URL): one process. The Celery worker and beat run as threads on
the in-process memory broker and the demo price feed runs as a thread, because the
in-memory channel layer only reaches consumers in this process.

With REDIS_URL: worker, beat and the price feed are started as child processes (as in
production) and stopped with this command. Ctrl-C stops everything it started.
"""

import logging
import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from core.asgi_server import ThreadedAsgiServer

logger = logging.getLogger("bazaar.demo")


class Command(BaseCommand):
    help = "Run web + Celery worker + beat + demo price feed (embedded or with Redis)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-feed", action="store_true", help="Do not run the demo price feed.")
        parser.add_argument("--feed-interval", type=float, default=3.0, help="Seconds between demo price ticks.")

    def handle(self, *args, host, port, no_feed, feed_interval, **options):
        self.stop_event = threading.Event()
        self.children: list[subprocess.Popen] = []
        self.threads: list[threading.Thread] = []
        embedded = not settings.REDIS_URL
        # Ctrl-C and SIGTERM both stop everything (also when started with SIGINT ignored, as
        # background jobs of a shell are).
        signal.signal(signal.SIGTERM, self._raise_interrupt)
        signal.signal(signal.SIGINT, self._raise_interrupt)
        try:
            if embedded:
                self._start_embedded_celery()
                if not no_feed:
                    self._start_feed_thread(feed_interval)
            else:
                self._start_child_processes(no_feed=no_feed, feed_interval=feed_interval)
            self._trust_own_origin(host, port)
            server = ThreadedAsgiServer(host=host, port=port, log_level="info").start(timeout=60)
            mode = "embedded (SQLite, memory broker, in-process channel layer)" if embedded else "Redis + PostgreSQL"
            self.stdout.write(self.style.SUCCESS(f"\nBazaar is running at http://{host}:{port}/  [{mode}]"))
            self.stdout.write("Demo trader: trader@bazaar.test / bazaar-demo-123   (Ctrl-C stops everything)\n")
            self._wait_for_interrupt(server)
        finally:
            self._shutdown()

    def _trust_own_origin(self, host: str, port: int) -> None:
        """Websockets pass only an exact Origin (SITE_URL or CSRF_TRUSTED_ORIGINS): the address
        this command prints, and its loopback twin, are where the demo is opened. Listening on
        another interface? Set SITE_URL to the address browsers use."""
        loopback = {"127.0.0.1", "localhost"}
        hosts = loopback if host in loopback else {host}
        wildcard_binds = {"0.0.0.0", "::"}  # noqa: S104 (not a bind: these are never an Origin's host)
        origins = [f"http://{name}:{port}" for name in sorted(hosts - wildcard_binds)]
        settings.CSRF_TRUSTED_ORIGINS = [*settings.CSRF_TRUSTED_ORIGINS, *origins]

    # --- embedded --------------------------------------------------------------------------
    def _start_embedded_celery(self) -> None:
        from celery.beat import EmbeddedService

        from config.celery import app

        worker = app.WorkController(
            hostname="demo@localhost",
            pool_cls="threads",
            concurrency=2,
            loglevel="INFO",
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
        )
        worker_thread = threading.Thread(target=worker.start, name="celery-worker", daemon=True)
        worker_thread.start()
        self._worker = worker
        beat = EmbeddedService(app, thread=True, scheduler_cls=settings.CELERY_BEAT_SCHEDULER)
        beat.start()
        self._beat = beat
        self.stdout.write("Celery worker and beat running in-process (memory broker).")

    def _start_feed_thread(self, interval: float) -> None:
        try:
            from cards.feed import run_price_feed
        except ImportError:
            self.stdout.write("No price feed available.")
            return
        thread = threading.Thread(
            target=run_price_feed,
            kwargs={"interval": interval, "stop_event": self.stop_event, "stdout": self.stdout},
            name="demo-price-feed",
            daemon=True,
        )
        thread.start()
        self.threads.append(thread)

    # --- with Redis ------------------------------------------------------------------------
    def _start_child_processes(self, *, no_feed: bool, feed_interval: float) -> None:
        celery = [sys.executable, "-m", "celery", "-A", "config"]
        commands = [
            [*celery, "worker", "--loglevel=INFO", "--concurrency=2"],
            [*celery, "beat", "--loglevel=INFO"],
        ]
        if not no_feed:
            commands.append([sys.executable, "manage.py", "run_price_feed", "--interval", str(feed_interval)])
        for command in commands:
            self.children.append(subprocess.Popen(command, cwd=settings.BASE_DIR))  # noqa: S603
        self.stdout.write(f"Started {len(self.children)} child processes (worker, beat, feed).")

    # --- lifecycle -------------------------------------------------------------------------
    def _raise_interrupt(self, signum, frame):
        """SIGTERM stops like Ctrl-C. A repeated signal (e.g. sent to the whole process group)
        must not abort the shutdown half-way, which would leave worker threads running."""
        if self.stop_event.is_set():
            return
        self.stop_event.set()
        raise KeyboardInterrupt

    def _wait_for_interrupt(self, server: ThreadedAsgiServer) -> None:
        try:
            while server.thread.is_alive():
                for child in self.children:
                    if child.poll() is not None:
                        raise RuntimeError(f"{' '.join(child.args[:5])} exited with {child.returncode}")
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            self.stop_event.set()
            signal.signal(signal.SIGINT, self._raise_interrupt)
            server.stop()

    def _shutdown(self) -> None:
        self.stop_event.set()
        for child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        if getattr(self, "_beat", None):
            self._beat.stop()
        if getattr(self, "_worker", None):
            self._worker.stop(in_sighandler=False)
        for thread in self.threads:
            thread.join(timeout=5)
