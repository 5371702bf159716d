from decimal import Decimal

import pytest

from core.money import format_money, from_minor_units, quantize_money, to_minor_units


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("10.00", "USD", 1000), ("0.01", "USD", 1), ("12.345", "USD", 1235), ("500", "JPY", 500), ("19.99", "EUR", 1999)],
)
def test_to_minor_units_uses_currency_exponent(amount, currency, minor):
    assert to_minor_units(Decimal(amount), currency) == minor


def test_from_minor_units_round_trips():
    assert from_minor_units(1999, "USD") == Decimal("19.99")
    assert from_minor_units(500, "JPY") == Decimal("500.00")


def test_quantize_rounds_half_up_once():
    assert quantize_money(Decimal("0.005")) == Decimal("0.01")
    assert quantize_money(Decimal("2.675")) == Decimal("2.68")


def test_format_money():
    assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert format_money(Decimal("-3"), "EUR") == "-€3.00"
    assert format_money(None) == "—"
