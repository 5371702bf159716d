"""Serve config.asgi with uvicorn, trusting forwarded headers exactly as TRUSTED_PROXY_COUNT says.

Production's websocket process: `python manage.py run_asgi --host 0.0.0.0 --port 8001 --workers 2`.
"""

import uvicorn
from django.core.management.base import BaseCommand

from core.asgi_server import forwarding_options


class Command(BaseCommand):
    help = "Run the ASGI app (HTTP + websockets) with uvicorn; forwarded headers per TRUSTED_PROXY_COUNT."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument("--log-level", default="info")

    def handle(self, *args, host, port, workers, log_level, **options):
        uvicorn.run(
            "config.asgi:application",
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            lifespan="off",
            **forwarding_options(),
        )
