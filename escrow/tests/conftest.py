"""Escrow tests talk to a real Stripe emulator (one per session, on a free port) through
stripe-python and dj-stripe's real webhook endpoint; nothing here mocks Stripe."""

import json

import pytest
import requests
from django.conf import settings

from escrow import stripe_api
from tools.stripe_emulator import Emulator, sign_payload


@pytest.fixture(scope="session")
def stripe_emulator():
    emulator = Emulator(webhook_secret=settings.STRIPE_WEBHOOK_SECRET, retry_delays=(0.2, 0.4, 0.8)).start()
    yield emulator
    emulator.stop()


@pytest.fixture(autouse=True)
def emulator(stripe_emulator, settings):
    """Point stripe-python at the emulator; webhooks wait in its outbox unless a test delivers them."""
    settings.STRIPE_API_BASE = stripe_emulator.base_url
    stripe_api.configure()
    stripe_emulator.webhook_url = None
    stripe_emulator.outbox.clear()
    stripe_emulator.failures.clear()
    yield stripe_emulator
    stripe_emulator.webhook_url = None


@pytest.fixture
def stripe_ready(db):
    """dj-stripe's APIKey and WebhookEndpoint rows, as `stripe_setup` makes them."""
    from escrow.setup import stripe_setup

    return stripe_setup(site_url="http://testserver")


class Webhooks:
    """Delivers the emulator's pending events to dj-stripe's endpoint through the test client."""

    def __init__(self, emulator, client, path):
        self.emulator, self.client, self.path = emulator, client, path

    def pending(self) -> list[dict]:
        return requests.get(f"{self.emulator.base_url}/_emulator/outbox", timeout=5).json()["data"]

    def post(self, payload: str, *, signature: str | None = "sign", timestamp: int | None = None, client=None):
        headers = {}
        if signature == "sign":
            headers["HTTP_STRIPE_SIGNATURE"] = sign_payload(payload, settings.STRIPE_WEBHOOK_SECRET, timestamp)
        elif signature is not None:
            headers["HTTP_STRIPE_SIGNATURE"] = signature
        return (client or self.client).post(self.path, data=payload, content_type="application/json", **headers)

    def deliver_all(self, *, types: set[str] | None = None) -> list[tuple[str, int]]:
        results = []
        for item in self.pending():
            if types and item["type"] not in types:
                continue
            results.append((item["type"], self.post(item["payload"]).status_code))
        return results

    @staticmethod
    def event(item: dict) -> dict:
        return json.loads(item["payload"])


@pytest.fixture
def webhooks(emulator, stripe_ready):
    from django.test import Client

    from escrow.setup import webhook_path

    return Webhooks(emulator, Client(), webhook_path())
