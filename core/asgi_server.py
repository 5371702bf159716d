"""Run the project's ASGI app with uvicorn in a background thread (browser tests, embedded demo)."""

import socket
import threading
import time

import uvicorn
from django.conf import settings


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def forwarding_options() -> dict:
    """uvicorn's forwarded-header trust, from TRUSTED_PROXY_COUNT / FORWARDED_ALLOW_IPS.

    uvicorn on its own trusts X-Forwarded-For/-Proto from 127.0.0.1 (or $FORWARDED_ALLOW_IPS):
    on a demo where every browser is on loopback, any client could then pick its own address
    and reset per-address rate limits. Without a trusted proxy the headers are ignored.
    """
    if settings.TRUSTED_PROXY_COUNT <= 0:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": settings.FORWARDED_ALLOW_IPS}


class ThreadedAsgiServer:
    def __init__(self, *, host: str = "127.0.0.1", port: int | None = None, log_level: str = "warning"):
        self.host = host
        self.port = port or free_port(host)
        config = uvicorn.Config(
            "config.asgi:application",
            host=self.host,
            port=self.port,
            log_level=log_level,
            lifespan="off",
            **forwarding_options(),
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="asgi-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 20.0) -> "ThreadedAsgiServer":
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"ASGI server did not start on {self.url}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
