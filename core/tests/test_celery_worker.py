"""A real Celery worker (prefork pool, Redis broker) runs project tasks: not eager mode.

The rest of the suite runs tasks eagerly, which never exercises retries or acks-late
redelivery through a broker. Here one `celery -A config worker` child process consumes a
queue of its own under a broker key prefix of its own (so it cannot take or leave messages
belonging to anything else on this Redis), against the test database. Each wait is bounded;
the whole module stays under 60 s (25 s to start, 15 s per task at most).
"""

import os
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection

from accounts.tests.factories import UserFactory
from notifications.models import Notification

ROOT = Path(__file__).resolve().parents[2]
WORKER_START_TIMEOUT = 25
TASK_TIMEOUT = 15


class FlakySmtpHandler(socketserver.StreamRequestHandler):
    """A minimal SMTP server: the first connection is refused with 421 (a transient
    failure), later ones accept the message."""

    def handle(self):
        server = self.server
        with server.lock:
            server.connections += 1
            refuse = server.connections == 1
        if refuse:
            self.wfile.write(b"421 bazaar-test busy, try again later\r\n")
            return
        self.wfile.write(b"220 bazaar-test ESMTP\r\n")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.wfile.write(b"250 bazaar-test\r\n")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.wfile.write(b"250 OK\r\n")
            elif command == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                body = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(data.decode())
                with server.lock:
                    server.messages.append("".join(body))
                self.wfile.write(b"250 queued\r\n")
            elif command == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"502 unknown\r\n")


class FlakySmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), FlakySmtpHandler)
        self.lock = threading.Lock()
        self.connections = 0
        self.messages: list[str] = []


def _wait_for(predicate, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def _test_database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def smtp_server():
    server = FlakySmtpServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, smtp_server, tmp_path_factory):
    """One prefork worker with one pool child, on its own queue and broker key prefix."""
    name = f"bazaar-test-worker-{uuid.uuid4().hex[:12]}"
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_KEY_PREFIX": f"{name}:",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.server_address[1]),
        "EMAIL_USE_TLS": "false",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    log = log_path.open("w")
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--queues", name, "--hostname", f"{name}@localhost",
        "--pool", "prefork", "--concurrency", "1",
        "--include", "core.tests.worker_probe",
        "--without-heartbeat", "--without-mingle", "--without-gossip",
        "--loglevel", "INFO",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    # Not the current app: shared tasks elsewhere in the suite must keep using config.celery (eager).
    producer = Celery("bazaar-test-producer", broker=settings.CELERY_BROKER_URL, set_as_current=False)
    producer.conf.broker_transport_options = {"global_keyprefix": f"{name}:"}
    try:
        ready = _wait_for(lambda: "ready." in log_path.read_text() or process.poll() is not None, WORKER_START_TIMEOUT)
        assert ready and process.poll() is None, log_path.read_text()
        yield {"queue": name, "producer": producer, "log": log_path}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        producer.close()
        client = redis.Redis.from_url(settings.REDIS_URL)
        leftovers = list(client.scan_iter(match=f"{name}:*"))
        if leftovers:
            client.delete(*leftovers)


@pytest.mark.django_db(transaction=True)
def test_email_task_is_retried_by_the_worker_after_a_transient_smtp_failure(worker, smtp_server):
    # Given a notification whose email has not been sent, and a mail server that refuses the first try
    user = UserFactory(email="retry@bazaar.test")
    notification = Notification.objects.create(recipient=user, kind="proposal_received", title="New proposal")
    # When the task goes through the broker to the real worker
    worker["producer"].send_task(
        "notifications.tasks.notification_email_send", args=[notification.pk], queue=worker["queue"]
    )

    # Then the worker retries it (autoretry on SMTPException) and the second attempt delivers it once
    def delivered():
        # emailed_at is also set, briefly, while the first (failing) attempt holds its claim:
        # wait for the message itself.
        notification.refresh_from_db()
        return bool(smtp_server.messages) and notification.emailed_at is not None

    assert _wait_for(delivered, TASK_TIMEOUT), worker["log"].read_text()
    assert smtp_server.connections == 2
    assert len(smtp_server.messages) == 1
    assert "retry@bazaar.test" in smtp_server.messages[0]
    assert "Retry in" in worker["log"].read_text()


def test_task_is_redelivered_when_its_pool_child_is_killed(worker):
    # Given a task that kills the pool process running it the first time
    client = redis.Redis.from_url(settings.REDIS_URL)
    key = f"{settings.CACHES['default']['KEY_PREFIX']}:probe:{uuid.uuid4().hex}"
    try:
        # When it is sent to the real worker
        worker["producer"].send_task("core.tests.worker_probe.die_once", args=[key], queue=worker["queue"])
        # Then acks-late + reject-on-worker-lost put the message back and a new child completes it
        assert _wait_for(lambda: client.get(f"{key}:done") is not None, TASK_TIMEOUT), worker["log"].read_text()
        assert client.get(f"{key}:attempts") == b"2"
        assert client.get(f"{key}:done") == b"2"
        assert "WorkerLostError" in worker["log"].read_text()
    finally:
        client.delete(f"{key}:attempts", f"{key}:done")
