"""seed_demo's escrow part: one open dispute for the staff demo, paid through the emulator, with a
photo and messages from both traders and staff; running it twice changes nothing."""

import io

import pytest
from PIL import Image

from accounts import demo as accounts_demo
from escrow import demo
from escrow.models import Dispute, EscrowEvent
from lists.tests.factories import HaveItemFactory

pytestmark = pytest.mark.django_db


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
