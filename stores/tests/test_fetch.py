"""Fetching a store's feed URL: private, loopback and link-local addresses are refused at every hop."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from stores.enums import SyncRunStatus, SyncSource
from stores.models import InventorySyncRun
from stores.services.syncs import sync_run_execute
from stores.sync.fetch import FetchPolicy, FetchRefused, address_is_public, fetch_to_file

from .factories import StoreFactory


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "224.0.0.1",
    ],
)
def test_non_public_addresses_are_not_public(address):
    assert address_is_public(address) is False


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_are_public(address):
    assert address_is_public(address) is True


@pytest.mark.parametrize(
    "url, reason",
    [
        ("https://localhost/feed.csv", "resolves to"),  # the name resolves to a loopback address
        ("https://127.0.0.1/feed.csv", "private, loopback or link-local"),
        ("https://169.254.169.254/latest/meta-data/", "private, loopback or link-local"),
        ("https://10.0.0.5/feed.csv", "private, loopback or link-local"),
        ("https://[::1]/feed.csv", "private, loopback or link-local"),
        ("http://example.com/feed.csv", "Only https"),
        ("ftp://example.com/feed.csv", "Only https"),
        ("https://user:secret@example.com/feed.csv", "credentials"),
        ("https:///feed.csv", "no host"),
    ],
)
def test_refused_before_connecting(url, reason):
    with pytest.raises(FetchRefused, match=reason):
        fetch_to_file(url)


class FeedServer:
    """A real HTTP server on a free loopback port; `routes` maps a path to a handler function."""

    def __init__(self):
        self.routes = {}
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                server.routes[self.path](self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server():
    server = FeedServer()
    yield server
    server.close()


# Tests reach the loopback test server only through this policy; production allows https to public hosts.
def local_policy(**overrides):
    options = {
        "schemes": frozenset({"http"}),
        "extra_allowed_addresses": frozenset({"127.0.0.1"}),
        "max_bytes": 1024 * 1024,
        "timeout_seconds": 5,
    }
    options.update(overrides)
    return FetchPolicy(**options)


def respond(status, body=b"", headers=None):
    def handler(request):
        request.send_response(status)
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return handler


def test_a_permitted_fetch_streams_the_body_and_sends_the_auth_header(feed_server):
    feed_server.routes["/feed.csv"] = respond(200, b"a,b\r\n1,2\r\n")
    with fetch_to_file(feed_server.url("/feed.csv"), auth_header="X-Api-Key: s3cret", policy=local_policy()) as body:
        assert body.read() == b"a,b\r\n1,2\r\n"
    assert feed_server.requests[0][1]["X-Api-Key"] == "s3cret"


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/", "http://10.255.255.1/feed.csv", "http://[::1]:9/feed.csv"],
)
def test_a_redirect_to_a_private_address_is_refused(feed_server, target):
    feed_server.routes["/feed.csv"] = respond(302, headers={"Location": target})
    with pytest.raises(FetchRefused, match="private, loopback or link-local"):
        fetch_to_file(feed_server.url("/feed.csv"), policy=local_policy())
    assert len(feed_server.requests) == 1  # the redirect target was never contacted


def test_redirect_loops_are_cut_off(feed_server):
    feed_server.routes["/loop"] = respond(302, headers={"Location": "/loop"})
    with pytest.raises(FetchRefused, match="redirects"):
        fetch_to_file(feed_server.url("/loop"), policy=local_policy())


def test_a_body_over_the_size_cap_is_refused(feed_server):
    feed_server.routes["/big.csv"] = respond(200, b"x" * (2 * 1024 * 1024))
    with pytest.raises(FetchRefused, match="larger than 1 MB"):
        fetch_to_file(feed_server.url("/big.csv"), policy=local_policy())


def test_a_body_over_the_cap_without_content_length_is_cut_while_streaming(feed_server):
    def endless(request):
        request.send_response(200)
        request.end_headers()
        chunk = b"y" * 65536
        try:
            for _ in range(64):
                request.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass

    feed_server.routes["/stream.csv"] = endless
    with pytest.raises(FetchRefused, match="larger than 1 MB"):
        fetch_to_file(feed_server.url("/stream.csv"), policy=local_policy())


def test_a_slow_trickle_is_cut_at_the_time_cap(feed_server):
    def trickle(request):
        request.send_response(200)
        request.end_headers()
        try:
            for _ in range(30):
                request.wfile.write(b"z")
                request.wfile.flush()
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass

    feed_server.routes["/slow.csv"] = trickle
    started = time.monotonic()
    with pytest.raises(FetchRefused, match="longer than 1 seconds"):
        fetch_to_file(feed_server.url("/slow.csv"), policy=local_policy(timeout_seconds=1))
    assert time.monotonic() - started < 2.5


def test_an_error_status_is_refused(feed_server):
    feed_server.routes["/gone.csv"] = respond(404, b"nope")
    with pytest.raises(FetchRefused, match="HTTP 404"):
        fetch_to_file(feed_server.url("/gone.csv"), policy=local_policy())


@pytest.mark.django_db
def test_a_scheduled_run_against_a_private_url_fails_and_changes_nothing():
    store = StoreFactory(sync_url="https://127.0.0.1/feed.csv", inventory_sync_provider="tcgplayer")
    run = InventorySyncRun.objects.create(store=store, provider="tcgplayer", mode="full", source=SyncSource.URL)
    sync_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == SyncRunStatus.FAILED
    assert "private, loopback or link-local" in run.failure_message
    assert store.inventory_items.count() == 0
