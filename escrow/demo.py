"""Demo wiring: `make demo` runs the Stripe emulator unless real Stripe is configured."""

import os
import socket

from django.conf import settings

EMULATOR_KEY_PREFIX = "sk_test_bazaarEmulator"


def uses_emulator() -> bool:
    """The emulator's default key, or an explicit STRIPE_API_BASE, means: not real Stripe."""
    return settings.STRIPE_SECRET_KEY.startswith(EMULATOR_KEY_PREFIX) and not settings.STRIPE_API_BASE


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_stripe_emulator(*, site_url: str, stdout):
    """Start the emulator, point stripe-python (and child processes) at it, and run stripe_setup."""
    from tools.stripe_emulator import Emulator

    from . import stripe_api
    from .setup import stripe_setup, webhook_path

    if not uses_emulator():
        stripe_setup(site_url=site_url)
        stdout.write("Stripe: using the configured account (STRIPE_SECRET_KEY).")
        return None
    port = settings.STRIPE_EMULATOR_PORT or _free_port()
    state = os.environ.get("STRIPE_EMULATOR_STATE") or str(settings.BASE_DIR / ".stripe-emulator.json")
    emulator = Emulator(
        port=port,
        webhook_url=site_url.rstrip("/") + webhook_path(),
        webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
        state_path=state,
    ).start()
    settings.STRIPE_API_BASE = os.environ["STRIPE_API_BASE"] = emulator.base_url
    if "SITE_URL" not in os.environ:  # Stripe sends people back here
        settings.SITE_URL = os.environ["SITE_URL"] = site_url
    stripe_api.configure()
    stripe_setup(site_url=site_url)
    stdout.write(f"Stripe emulator at {emulator.base_url} (test mode; card 4242 4242 4242 4242 pays).")
    return emulator.stop
