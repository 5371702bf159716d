"""The escrow fee (SPEC §6), in Decimal: shown before paying, charged to the payer on top."""

from decimal import Decimal

from django.conf import settings

from core.money import quantize_money


def escrow_fee(*, amount: Decimal) -> Decimal:
    """Percent of the amount, rounded once (half up), clamped to [ESCROW_FEE_MIN, ESCROW_FEE_MAX]."""
    fee = quantize_money(Decimal(amount) * settings.ESCROW_FEE_PERCENT / Decimal(100))
    return min(max(fee, settings.ESCROW_FEE_MIN), settings.ESCROW_FEE_MAX)
