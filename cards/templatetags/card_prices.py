from django import template

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
