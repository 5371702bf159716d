from django import template

from core.money import format_money

register = template.Library()


@register.filter(name="money")
def money(amount, currency="USD"):
    """The one way money is shown: {{ amount|money }} or {{ amount|money:obj.currency }}."""
    return format_money(amount, currency)
