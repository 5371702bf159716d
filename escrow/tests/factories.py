from decimal import Decimal

from accounts.tests.factories import UserFactory
from escrow import services
from escrow.models import PayoutAccount
from trades.tests.factories import TradeFactory


def onboarded(emulator, user=None):
    """A trader with an enabled payout account, made the real way (Stripe account + onboarding)."""
    user = user or UserFactory()
    services.payout_account_connect(user=user)
    account = PayoutAccount.objects.get(user=user)
    emulator.complete_onboarding(account.stripe_account_id)
    services.payout_account_sync(stripe_account_id=account.stripe_account_id)
    return user


def cash_trade(*, payer=None, payee=None, cash: str = "150.00", **kwargs):
    """An active trade in which `payer` (party_a) adds `cash` for `payee` (party_b)."""
    payer = payer or UserFactory()
    payee = payee or UserFactory()
    return TradeFactory(
        proposal__proposer=payer,
        proposal__recipient=payee,
        cash_a_to_b=Decimal(cash),
        total_value=Decimal(cash) + Decimal("40.00"),
        **kwargs,
    )


def escrow_row(*, trade=None, status="pending_payment", **kwargs):
    """An escrow row made directly (for state-machine tests that need no Stripe objects)."""
    from datetime import timedelta

    from django.utils import timezone

    from escrow.models import EscrowTransaction

    trade = trade or cash_trade()
    return EscrowTransaction.objects.create(
        trade=trade,
        payer=trade.party_a,
        payee=trade.party_b,
        amount=Decimal("150.00"),
        fee_amount=Decimal("4.50"),
        total_charged=Decimal("154.50"),
        status=status,
        expires_at=timezone.now() + timedelta(hours=48),
        **kwargs,
    )


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), color=(200, 30, 30), **save) -> bytes:
    """A real image file of `fmt`, made with Pillow (as a phone or a screenshot would be)."""
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt, **save)
    return out.getvalue()


def image_upload(name: str = "photo.png", fmt: str = "PNG", content: bytes | None = None, **kwargs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content_type = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}.get(fmt, "image/png")
    return SimpleUploadedFile(name, content if content is not None else image_bytes(fmt, **kwargs), content_type)


def disputed(*, status: str = "payment_received", by: str = "payer", images: int = 1, escrow=None):
    """An escrow row disputed through the service, with `images` evidence images."""
    from escrow.services import dispute_open

    escrow = escrow or escrow_row(status=status)
    actor = escrow.payer if by == "payer" else escrow.payee
    uploads = [image_upload(f"photo{index}.png") for index in range(images)]
    return dispute_open(escrow_id=escrow.pk, actor=actor, reason="The Force of Will arrived creased.", evidence=uploads)


def give_cards(trade, *, sides: str = "ab"):
    """Trade items: party a and/or b each give one card (so they ship)."""
    from cards.tests.factories import CardFactory
    from trades.models import TradeItem

    for side in sides:
        TradeItem.objects.create(
            trade=trade,
            giver=trade.party_a if side == "a" else trade.party_b,
            card=CardFactory(),
            quantity=1,
            unit_value=Decimal("20.00"),
        )
    return trade


def paid_escrow(emulator, *, sides: str = "ab", cash: str = "150.00"):
    """An escrow paid through Checkout for a trade whose parties ship `sides` (a = payer)."""
    trade = give_cards(cash_trade(payee=onboarded(emulator), cash=cash), sides=sides)
    escrow = services.escrow_create(trade_id=trade.pk, actor=trade.party_a)
    escrow = services.escrow_checkout_start(escrow_id=escrow.pk, actor=trade.party_a)
    emulator.pay(escrow.stripe_checkout_session_id, "4242424242424242")
    return services.escrow_sync_payment(escrow_id=escrow.pk, stripe_event_id="evt_test")


def stripe_objects(emulator, kind: str, **match) -> list[dict]:
    return [
        obj
        for obj in emulator.objects.values()
        if obj["object"] == kind and all(obj.get(key) == value for key, value in match.items())
    ]
