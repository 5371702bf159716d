from functools import lru_cache
from html import escape as html_escape

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from cards.enums import Rarity
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


_RARITY_CELLS = {
    value: f'<td><span class="rarity rarity-{html_escape(value)}">{html_escape(str(label))}</span></td>'
    for value, label in Rarity.choices
}
_EMPTY_PRICE = '<td class="num"><span class="muted">—</span></td>'


def _price_cell(card_id: int, finish: str, found) -> str:
    if found is None:
        return _EMPTY_PRICE
    price, currency = found
    return (
        f'<td class="num"><span id="price-{card_id}-{finish}" class="price" data-live-card="{card_id}" '
        f'data-price="{price}" data-currency="{html_escape(currency)}">'
        f"{html_escape(format_money(price, currency))}</span></td>"
    )


@register.simple_tag
def card_table_rows(rows) -> str:
    """The <tr>s of cards/partials/_card_table.html for CardRows (cards.selectors.card_rows_page), in one loop.

    The same markup a per-row template would give (name link, reserved-list badge, set and number,
    rarity, the live price spans of cards/partials/_price.html) at a fraction of the template cost.
    """
    path = _card_path_template()
    out = []
    for row in rows:
        badge = ' <span class="badge" title="Reserved list">RL</span>' if row.is_reserved else ""
        out.append(
            f'<tr><td><a href="{path.format(row.id)}">{html_escape(row.name)}</a>{badge}</td>'
            f'<td><span class="set-code">{html_escape(row.set_code.upper())}</span> '
            f'<span class="muted small">#{html_escape(row.collector_number)}</span></td>'
            + (_RARITY_CELLS.get(row.rarity) or f"<td>{html_escape(row.rarity)}</td>")
            + _price_cell(row.id, "nonfoil", row.prices.get("nonfoil"))
            + _price_cell(row.id, "foil", row.prices.get("foil"))
            + "</tr>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 -- every value above is escaped (html.escape, quotes too)
