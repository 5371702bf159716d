"""Demo wiring: `make demo` runs the Stripe emulator unless real Stripe is configured."""

import contextlib
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


# --- seed_demo: escrows in every state ----------------------------------------------------------
def _seed_emulator():
    """The demo's emulator, on the state file `run_demo`'s emulator loads, for the seeding only."""
    from tools.stripe_emulator import Emulator

    from . import stripe_api

    state = os.environ.get("STRIPE_EMULATOR_STATE") or str(settings.BASE_DIR / ".stripe-emulator.json")
    emulator = Emulator(webhook_secret=settings.STRIPE_WEBHOOK_SECRET, state_path=state).start()
    settings.STRIPE_API_BASE = emulator.base_url
    stripe_api.configure()
    return emulator


def _enabled_payout(emulator, user) -> None:
    from . import services
    from .models import PayoutAccount

    account = PayoutAccount.objects.filter(user=user).first()
    if account is None or not account.is_enabled:
        services.payout_account_connect(user=user)
        account = PayoutAccount.objects.get(user=user)
        emulator.complete_onboarding(account.stripe_account_id)
        services.payout_account_sync(stripe_account_id=account.stripe_account_id)


def _cash_trade(payer, payee, cash: str):
    """An agreed trade in which `payer` adds cash (through the trade services, as people do)."""
    from decimal import Decimal

    from trades import services as trade_services
    from trades.demo import _propose

    proposal = _propose(
        payer, payee, "Cards both ways, and I add cash through escrow.", cash_from_proposer=Decimal(cash)
    )
    if proposal is None:
        return None
    return trade_services.proposal_accept(proposal_id=proposal.pk, actor=payee)


def _pay(emulator, escrow):
    from . import services

    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=escrow.payer)
    emulator.pay(escrow.stripe_checkout_session_id, "4242424242424242")
    return services.escrow_sync_payment(escrow_id=escrow.pk, stripe_event_id="")


def _ship(escrow, side: str, carrier: str, tracking: str):
    from . import services

    user = escrow.payer if side == "payer" else escrow.payee
    if side in services.shipping_sides(escrow):
        services.escrow_ship(escrow_id=escrow.pk, actor=user, carrier=carrier, tracking_number=tracking)
    return escrow.__class__.objects.get(pk=escrow.pk)


# State → how far the demo escrow goes. Each runs through the services against Stripe (the
# emulator), so its Stripe objects, events and ledger are real.
DEMO_STATES = [
    ("pending_payment", "alice_seattle", "120.00"),
    ("cancelled", "bob_tacoma", "105.00"),
    ("payment_received", "carol_bellevue", "140.00"),
    ("items_shipped", "dan_redmond", "160.00"),
    ("items_received", "erin_everett", "110.00"),
    ("released", "frank_kirkland", "175.00"),
    ("refunded", "alice_seattle", "90.00"),
    ("disputed", "bob_tacoma", "130.00"),
]


def seed_escrows_in_every_state(stdout) -> None:
    """Escrows with demo_trader as payee in every state. Only against the emulator: real Stripe
    keys never get demo charges. Idempotent: once demo escrows exist nothing changes."""
    from accounts.models import User
    from core.errors import DomainError

    from . import stripe_api
    from .models import EscrowTransaction

    demo = User.objects.filter(username="demo_trader").first()
    if demo is None:
        stdout.write("  escrow: no demo_trader; skipping")
        return
    if EscrowTransaction.objects.filter(payee=demo).exists():
        stdout.write("  escrow: already seeded")
        return
    if not uses_emulator():
        stdout.write("  escrow: real Stripe is configured; no demo charges are made")
        return
    emulator = _seed_emulator()
    made = []
    try:
        _enabled_payout(emulator, demo)
        for state, payer_name, cash in DEMO_STATES:
            payer = User.objects.filter(username=payer_name).first()
            try:
                trade = _cash_trade(payer, demo, cash) if payer else None
                if trade is None:
                    continue
                escrow = _seed_one(emulator, trade, state)
            except DomainError as error:
                stdout.write(f"  escrow: {state} skipped ({error.message})")
                continue
            made.append(f"{escrow.status}")
    finally:
        emulator.stop()
        settings.STRIPE_API_BASE = ""
        stripe_api.configure()
    stdout.write("  escrow: " + (", ".join(made) or "none (no trades with cards)"))


def _seed_one(emulator, trade, state: str):
    from . import services

    escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    if state == "pending_payment":
        return services.escrow_checkout_start(escrow_id=escrow.pk, actor=escrow.payer)
    if state == "cancelled":
        return services.escrow_cancel(escrow_id=escrow.pk, actor=escrow.payee, reason="Settled in person.")
    escrow = _pay(emulator, escrow)
    if state == "payment_received":
        return escrow
    if state == "refunded":
        services.escrow_request_cancel(escrow_id=escrow.pk, actor=escrow.payer, reason="Card sold elsewhere.")
        return services.escrow_request_cancel(escrow_id=escrow.pk, actor=escrow.payee)
    if state == "disputed":
        emulator.dispute_create(escrow.stripe_charge_id, reason="product_not_received")
        return services.escrow_sync_charge(escrow_id=escrow.pk)
    escrow = _ship(escrow, "payer", "USPS", f"9400{trade.pk:08d}1")
    escrow = _ship(escrow, "payee", "UPS", f"1Z{trade.pk:08d}9")
    if state == "items_shipped":
        return escrow
    if state == "items_received":
        # The release waits for Stripe (a refused first attempt); the beat job releases it later.
        # (stripe-python retries a 500 STRIPE_MAX_NETWORK_RETRIES times: every try is refused.)
        for _ in range(settings.STRIPE_MAX_NETWORK_RETRIES + 1):
            emulator.failures.append({"status": 500, "path": "/v1/transfers", "delay": 0})
    for side in ("payer", "payee"):
        user = escrow.payer if side == "payer" else escrow.payee
        with contextlib.suppress(services.InvalidTransition):  # nothing was shipped to this side
            escrow = services.escrow_confirm_receipt(escrow_id=escrow.pk, actor=user)
    return escrow


# --- seed_demo: one open dispute for the staff demo ---------------------------------------------
DISPUTE_PAYER, DISPUTE_PAYEE = "demo_trader", "second_trader"


def _demo_dispute_image() -> bytes:
    """A drawn 'photo' of a creased card, so the staff demo has evidence to look at."""
    from io import BytesIO

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), (236, 231, 222))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((140, 30, 340, 290), radius=14, fill=(32, 52, 110), outline=(10, 10, 10), width=4)
    draw.line((150, 80, 330, 250), fill=(235, 235, 235), width=5)  # the crease
    draw.text((160, 270), "Force of Will - creased", fill=(255, 255, 255))
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def seed_open_dispute(stdout) -> None:
    """demo_trader disputes a paid escrow with second_trader (a photo, and messages from both
    sides and staff), so staff@bazaar.test finds it in the admin's dispute queue. Only against
    the emulator; idempotent: once a dispute exists nothing changes."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import User
    from core.errors import DomainError

    from . import services
    from .models import Dispute

    if Dispute.objects.exists():
        stdout.write("  escrow dispute: already seeded\n")
        return
    if not uses_emulator():
        stdout.write("  escrow dispute: real Stripe is configured; no demo charges are made\n")
        return
    users = {user.username: user for user in User.objects.filter(username__in=[DISPUTE_PAYER, DISPUTE_PAYEE])}
    staff = User.objects.filter(is_staff=True, is_active=True).order_by("pk").first()
    if len(users) < 2 or staff is None:
        stdout.write("  escrow dispute: demo users missing; skipping\n")
        return
    payer, payee = users[DISPUTE_PAYER], users[DISPUTE_PAYEE]
    emulator = _seed_emulator()
    try:
        _enabled_payout(emulator, payee)
        trade = _cash_trade(payer, payee, "60.00")
        if trade is None:
            stdout.write("  escrow dispute: the demo traders have no cards to trade; skipping\n")
            return
        escrow = _pay(emulator, services.escrow_create(trade_id=trade.pk, actor=payer))
        photo = SimpleUploadedFile("creased-force-of-will.png", _demo_dispute_image(), "image/png")
        services.dispute_open(
            escrow_id=escrow.pk,
            actor=payer,
            reason="The Force of Will arrived with a crease across the art; it was listed as near mint.",
            evidence=[photo],
        )
        services.dispute_message_add(
            escrow_id=escrow.pk, actor=payee, body="It was near mint when I sleeved it; the envelope may have bent."
        )
        services.dispute_message_add(
            escrow_id=escrow.pk, actor=staff, body="Thanks both. Could you send a photo of the envelope?"
        )
    except DomainError as error:
        stdout.write(f"  escrow dispute: skipped ({error.message})\n")
        return
    finally:
        emulator.stop()
        settings.STRIPE_API_BASE = ""
    stdout.write(f"  escrow dispute: open on escrow {escrow.pk} ({payer.username} vs {payee.username})\n")


def seed(stdout) -> None:
    seed_escrows_in_every_state(stdout)
    seed_open_dispute(stdout)
