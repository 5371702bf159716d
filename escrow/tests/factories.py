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
