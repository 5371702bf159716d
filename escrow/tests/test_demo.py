"""seed_demo's escrow part: escrows in every state, made through the services against an
emulator whose objects are saved for the demo's own emulator; idempotent."""

import io
import json
from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, CardPriceFactory
from escrow import demo
from escrow.enums import EscrowStatus
from escrow.models import EscrowTransaction
from escrow.reconcile import reconcile
from lists.tests.factories import HaveItemFactory

pytestmark = pytest.mark.django_db


def test_seed_makes_escrows_in_every_state_and_is_idempotent(settings, tmp_path, monkeypatch):
    state = tmp_path / "stripe-emulator.json"
    monkeypatch.setenv("STRIPE_EMULATOR_STATE", str(state))
    settings.STRIPE_API_BASE = ""  # what `make demo` has before its emulator starts
    trader = UserFactory(username="demo_trader")
    HaveItemFactory(owner=trader, card=CardFactory(), quantity=40)
    for _, username, _ in demo.DEMO_STATES:
        if not UserFactory._meta.model.objects.filter(username=username).exists():
            card = CardFactory()
            CardPriceFactory(card=card, price=Decimal("5.00"))
            HaveItemFactory(owner=UserFactory(username=username), card=card, quantity=5)
    out = io.StringIO()
    demo.seed(out)
    statuses = set(EscrowTransaction.objects.filter(payee=trader).values_list("status", flat=True))
    assert statuses == set(EscrowStatus.values), out.getvalue()
    disputed = EscrowTransaction.objects.get(payee=trader, status=EscrowStatus.DISPUTED)
    assert disputed.flagged_for_staff and disputed.stripe_dispute_id
    saved = json.loads(state.read_text())["objects"]
    assert any(obj["object"] == "transfer" for obj in saved.values())
    count = EscrowTransaction.objects.count()
    demo.seed(out)
    assert EscrowTransaction.objects.count() == count
    assert "already seeded" in out.getvalue()


def test_seed_never_charges_real_stripe(settings):
    settings.STRIPE_SECRET_KEY = "sk_live_" + "x" * 24
    settings.STRIPE_API_BASE = ""
    UserFactory(username="demo_trader")
    out = io.StringIO()
    demo.seed(out)
    assert "real Stripe" in out.getvalue() and not EscrowTransaction.objects.exists()
    assert reconcile() == []
