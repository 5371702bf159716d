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


def _seed_dispute_escrow(payer, payee):
    """A paid escrow between the two demo traders, made through the services against the emulator."""
    from decimal import Decimal

    from tools.stripe_emulator import Emulator
    from trades import services as trade_services
    from trades.demo import _propose

    from . import services, stripe_api
    from .models import PayoutAccount

    state = os.environ.get("STRIPE_EMULATOR_STATE") or str(settings.BASE_DIR / ".stripe-emulator.json")
    emulator = Emulator(webhook_secret=settings.STRIPE_WEBHOOK_SECRET, state_path=state).start()
    settings.STRIPE_API_BASE = emulator.base_url
    stripe_api.configure()
    try:
        account = PayoutAccount.objects.filter(user=payee).first()
        if account is None or not account.is_enabled:
            services.payout_account_connect(user=payee)
            account = PayoutAccount.objects.get(user=payee)
            emulator.complete_onboarding(account.stripe_account_id)
            services.payout_account_sync(stripe_account_id=account.stripe_account_id)
        proposal = _propose(payer, payee, "My cards and $60 through escrow.", cash_from_proposer=Decimal("60.00"))
        if proposal is None:
            return None
        trade = trade_services.proposal_accept(proposal_id=proposal.pk, actor=payee)
        escrow = services.escrow_create(trade_id=trade.pk, actor=payer)
        escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=payer)
        emulator.pay(escrow.stripe_checkout_session_id, "4242424242424242")
        return services.escrow_sync_payment(escrow_id=escrow.pk, stripe_event_id="")
    finally:
        emulator.stop()
        settings.STRIPE_API_BASE = ""


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
    try:
        escrow = _seed_dispute_escrow(payer, payee)
        if escrow is None:
            stdout.write("  escrow dispute: the demo traders have no cards to trade; skipping\n")
            return
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
    stdout.write(f"  escrow dispute: open on escrow {escrow.pk} ({payer.username} vs {payee.username})\n")


def seed(stdout) -> None:
    seed_open_dispute(stdout)
