"""Per-row pieces of the trades pages without a template include or a URL reversal per row."""

from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@lru_cache(maxsize=8)
def _path_template(name: str) -> str:
    return reverse(name, args=[0]).replace("/0/", "/{}/")


@register.filter
def proposal_path(pk) -> str:
    """The proposal page's path, reversed once per process (URLs do not change at run time)."""
    return _path_template("trades:proposal_detail").format(int(pk))


@register.filter
def trade_path(pk) -> str:
    return _path_template("trades:trade_detail").format(int(pk))


@register.simple_tag
def status_badge(status: str, label: str) -> str:
    """A proposal's or trade's status as a badge: `{% status_badge proposal.status proposal.get_status_display %}`."""
    return format_html('<span class="badge status status-{}" data-testid="status">{}</span>', status, label)
