"""Paths of a list row's actions, reversed once per process instead of twice per row."""

from functools import lru_cache

from django import template
from django.urls import reverse

register = template.Library()


@lru_cache(maxsize=16)
def _item_path_template(name: str, kind: str) -> str:
    return reverse(f"lists:{name}", args=[kind, 0]).replace("/0/", "/{}/")


@register.simple_tag
def list_item_path(name: str, kind: str, pk) -> str:
    """`{% list_item_path "list_item_edit" kind item.pk %}`: the same path as {% url %}, per row for free."""
    return _item_path_template(name, kind).format(int(pk))
