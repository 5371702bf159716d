"""Serve the Stripe emulator (tools/stripe_emulator) until Ctrl-C."""

import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from tools.stripe_emulator import Emulator


class Command(BaseCommand):
    help = "Run the Stripe emulator: point STRIPE_API_BASE at it; it signs and delivers webhooks to --webhook-url."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=12111)
        parser.add_argument("--webhook-url", default="", help="dj-stripe's endpoint (printed by stripe_setup).")
        parser.add_argument("--webhook-secret", default=settings.STRIPE_WEBHOOK_SECRET)

    def handle(self, *args, host, port, webhook_url, webhook_secret, **options):
        emulator = Emulator(host=host, port=port, webhook_url=webhook_url or None, webhook_secret=webhook_secret)
        emulator.start()
        self.stdout.write(self.style.SUCCESS(f"Stripe emulator at {emulator.base_url}"))
        self.stdout.write(f"  STRIPE_API_BASE={emulator.base_url}")
        self.stdout.write(f"  webhooks → {webhook_url or '(none: kept in /_emulator/outbox)'}")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            emulator.stop()
