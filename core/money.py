"""Money: Decimal amounts with a currency, rounded once, converted to minor units only at the edge."""

from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.db import models

CENT = Decimal("0.01")

# ISO 4217 minor-unit exponents for the currencies we accept (never `* 100`).
CURRENCY_DECIMALS = {"USD": 2, "EUR": 2, "GBP": 2, "CAD": 2, "AUD": 2, "JPY": 0}
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥"}
DEFAULT_CURRENCY = "USD"
CURRENCY_CHOICES = [(code, code) for code in CURRENCY_DECIMALS]

MoneyField = partial(models.DecimalField, max_digits=12, decimal_places=2)
CurrencyField = partial(models.CharField, max_length=3, default=DEFAULT_CURRENCY, choices=CURRENCY_CHOICES)


def quantize_money(amount: Decimal | int | str) -> Decimal:
    """Round to cents, half up: the one rounding step for any computed amount."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal, currency: str) -> int:
    exponent = CURRENCY_DECIMALS[currency.upper()]
    scaled = (Decimal(amount) * (Decimal(10) ** exponent)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(scaled)


def from_minor_units(value: int, currency: str) -> Decimal:
    exponent = CURRENCY_DECIMALS[currency.upper()]
    return quantize_money(Decimal(value) / (Decimal(10) ** exponent))


def format_money(amount: Decimal | None, currency: str = DEFAULT_CURRENCY) -> str:
    if amount is None:
        return "—"
    currency = (currency or DEFAULT_CURRENCY).upper()
    exponent = CURRENCY_DECIMALS.get(currency, 2)
    value = Decimal(amount).quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
    return f"{sign}{symbol}{abs(value):,.{exponent}f}"
