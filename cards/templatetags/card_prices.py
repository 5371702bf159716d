from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils.html import format_html

from core.money import format_money

register = template.Library()


@register.filter
def finish_price(card, finish: str):
    """The CardPrice of one finish from a card's prefetched `current_prices` (no query), or None."""
    for price in card.current_prices.all():
        if price.finish == finish:
            return price
    return None


@register.filter
def signed_pct(value) -> str:
    """+12.50% / minus 3.10% for a percentage change; an em dash when unknown."""
    if value is None:
        return "—"
    return f"+{value:.2f}%" if value > 0 else f"−{abs(value):.2f}%" if value < 0 else "0.00%"


@register.simple_tag
def live_price(card_id, finish, price, currency):
    """The same span as cards/partials/_price.html (no direction, not OOB), for per-row use on hot pages."""
    if price is None or price == "":
        return format_html(
            '<span id="price-{}-{}" class="price" data-live-card="{}">—</span>', card_id, finish or "nonfoil", card_id
        )
    return format_html(
        '<span id="price-{}-{}" class="price" data-live-card="{}" data-price="{}" data-currency="{}">{}</span>',
        card_id,
        finish or "nonfoil",
        card_id,
        price,
        currency,
        format_money(price, currency),
    )


@lru_cache(maxsize=1)
def _card_path_template() -> str:
    return reverse("cards:detail", args=[0]).replace("/0/", "/{}/")


@register.filter
def card_path(card_id) -> str:
    """The card page's path, reversed once per process (URLs do not change at run time)."""
    return _card_path_template().format(int(card_id))
