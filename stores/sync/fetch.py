"""Fetching a store's inventory feed from its URL without letting the URL reach inside our network.

A store owner types the URL, so it is untrusted: it could name `localhost`, a cloud metadata
address (169.254.169.254) or a host whose DNS answer is a private address, or redirect to one.
So every hop (the first request and each redirect) is resolved here, every address the name
resolves to must be public, and the connection goes to the checked address itself (the TLS
certificate is still verified against the host name), so a second DNS answer cannot swap in
another address between check and connect (DNS rebinding). Size and time are capped while
streaming to a temporary file; the body is never held in memory.
"""

from __future__ import annotations

import ipaddress
import socket
import tempfile
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings

MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024


class FetchRefused(Exception):
    """The URL, an address it resolves to, a redirect or the response broke a rule; nothing was kept."""


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int = field(default_factory=lambda: settings.STORE_SYNC_MAX_BYTES)
    timeout_seconds: float = field(default_factory=lambda: settings.STORE_SYNC_FETCH_TIMEOUT_SECONDS)
    schemes: frozenset[str] = frozenset({"https"})
    # Tests only: exact addresses allowed although not public (a local test server).
    extra_allowed_addresses: frozenset[str] = frozenset()


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast)


def resolve_checked(host: str, port: int, policy: FetchPolicy) -> str:
    """The first address of `host` after checking that every address it resolves to is allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchRefused(f"The host {host} could not be resolved ({error}).") from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise FetchRefused(f"The host {host} has no address.")
    for address in addresses:
        if address not in policy.extra_allowed_addresses and not address_is_public(address):
            raise FetchRefused(
                f"{host} resolves to {address}, a private, loopback or link-local address; "
                "only public hosts are fetched."
            )
    return addresses[0]


def check_url(url: str, policy: FetchPolicy) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    if parts.scheme not in policy.schemes:
        raise FetchRefused(f"Only {', '.join(sorted(policy.schemes))} URLs are fetched (got {parts.scheme or 'none'}).")
    if not parts.hostname:
        raise FetchRefused("The URL has no host.")
    if parts.username or parts.password:
        raise FetchRefused("Put credentials in the auth header, not in the URL.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port, path


def fetch_to_file(url: str, *, auth_header: str = "", policy: FetchPolicy | None = None):
    """Download `url` into a temporary file (returned open for binary reading, at the start).

    `auth_header` ("Name: value") is sent to the first host only, never to a redirect target
    on another host.
    """
    policy = policy or FetchPolicy()
    deadline = time.monotonic() + policy.timeout_seconds
    first_host = None
    for _hop in range(MAX_REDIRECTS + 1):
        scheme, host, port, path = check_url(url, policy)
        address = resolve_checked(host, port, policy)
        first_host = first_host or host
        headers = {"Host": host if port in (80, 443) else f"{host}:{port}", "User-Agent": "Bazaar inventory sync"}
        if auth_header and host == first_host:
            name, _, value = auth_header.partition(":")
            headers[name.strip()] = value.strip()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchRefused(f"The download took longer than {policy.timeout_seconds:.0f} seconds.")
        timeout = urllib3.Timeout(connect=min(10.0, remaining), read=min(30.0, remaining))
        if scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address, port, server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED", timeout=timeout
            )
        else:
            pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout)
        try:
            response = pool.urlopen("GET", path, headers=headers, redirect=False, retries=False, preload_content=False)
        except urllib3.exceptions.HTTPError as error:
            raise FetchRefused(f"The download from {host} failed ({error.__class__.__name__}).") from None
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    raise FetchRefused(f"{host} redirected without a Location.")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchRefused(f"{host} answered HTTP {response.status}.")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > policy.max_bytes:
                raise FetchRefused(f"The file is larger than {policy.max_bytes // (1024 * 1024)} MB.")
            return _stream_to_file(response, policy=policy, deadline=deadline)
        finally:
            response.release_conn()
            pool.close()
    raise FetchRefused(f"More than {MAX_REDIRECTS} redirects.")


def _stream_to_file(response, *, policy: FetchPolicy, deadline: float):
    target = tempfile.TemporaryFile()  # noqa: SIM115 (returned open to the caller, who closes it)
    written = 0
    try:
        while chunk := response.read1(CHUNK_BYTES):  # one socket read each: the deadline is checked often
            written += len(chunk)
            if written > policy.max_bytes:
                raise FetchRefused(f"The file is larger than {policy.max_bytes // (1024 * 1024)} MB.")
            if time.monotonic() > deadline:
                raise FetchRefused(f"The download took longer than {policy.timeout_seconds:.0f} seconds.")
            target.write(chunk)
    except urllib3.exceptions.HTTPError as error:
        target.close()
        raise FetchRefused(f"The download failed ({error.__class__.__name__}).") from None
    except FetchRefused:
        target.close()
        raise
    target.seek(0)
    return target
