"""seed_demo's escrow part: escrows in every state, made through the services against an
emulator whose objects are saved for the demo's own emulator, and one open dispute for the staff
demo, paid through the emulator, with a photo and messages from both traders and staff; running
it twice changes nothing."""

import io
import json
from decimal import Decimal

import pytest
from PIL import Image

from accounts import demo as accounts_demo
from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, CardPriceFactory
from escrow import demo
from escrow.enums import EscrowStatus
from escrow.models import Dispute, EscrowEvent, EscrowTransaction
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
    demo.seed_escrows_in_every_state(out)
    statuses = set(EscrowTransaction.objects.filter(payee=trader).values_list("status", flat=True))
    assert statuses == set(EscrowStatus.values), out.getvalue()
    disputed = EscrowTransaction.objects.get(payee=trader, status=EscrowStatus.DISPUTED)
    assert disputed.flagged_for_staff and disputed.stripe_dispute_id
    saved = json.loads(state.read_text())["objects"]
    assert any(obj["object"] == "transfer" for obj in saved.values())
    count = EscrowTransaction.objects.count()
    demo.seed_escrows_in_every_state(out)
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


def test_seed_makes_one_open_dispute_with_evidence_and_messages(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("STRIPE_EMULATOR_STATE", str(tmp_path / "emulator.json"))
    settings.STRIPE_API_BASE = ""  # as `make demo` seeds: the emulator, started for the seeding
    accounts_demo.seed(io.StringIO())
    from accounts.models import User

    for username in (demo.DISPUTE_PAYER, demo.DISPUTE_PAYEE):
        HaveItemFactory(owner=User.objects.get(username=username), quantity=2)
    out = io.StringIO()
    demo.seed(out)
    dispute = Dispute.objects.get()
    escrow = dispute.escrow
    assert (dispute.status, escrow.status, escrow.payer.username, escrow.payee.username) == (
        "open",
        "disputed",
        "demo_trader",
        "second_trader",
    )
    assert escrow.stripe_payment_intent_id and escrow.stripe_charge_id  # paid for real, on the emulator
    (photo,) = dispute.evidence.all()
    with Image.open(photo.file.path) as image:
        assert (image.format, image.size) == ("PNG", (480, 320))
    authors = list(dispute.messages.values_list("author__username", flat=True))
    assert authors == ["second_trader", "bazaar_staff"]
    assert "open on escrow" in out.getvalue()
    events = EscrowEvent.objects.count()
    demo.seed(io.StringIO())
    assert Dispute.objects.count() == 1 and EscrowEvent.objects.count() == events
