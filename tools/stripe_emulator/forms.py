"""Stripe's form encoding: `a[b][c]=v`, `items[0][x]=v`, `expand[]=v` → nested dicts and lists."""

import re
from urllib.parse import parse_qsl

_KEY = re.compile(r"([^\[\]]+)|\[([^\[\]]*)\]")


def _path(key: str) -> list[str]:
    return [head or inner for head, inner in _KEY.findall(key)]


def _listify(node):
    """Dicts whose keys are all digits (or the '' of `a[]`) become lists, in index order."""
    if isinstance(node, dict):
        node = {key: _listify(value) for key, value in node.items()}
        if node and all(key.isdigit() for key in node):
            return [node[key] for key in sorted(node, key=int)]
        return node
    return node


def decode(body: str) -> dict:
    result: dict = {}
    appends: dict[tuple, int] = {}
    for raw_key, value in parse_qsl(body, keep_blank_values=True):
        parts = _path(raw_key)
        if not parts:
            continue
        node = result
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "":  # `expand[]=x`: append
                position = appends.get(tuple(parts[:index]), 0)
                appends[tuple(parts[:index])] = position + 1
                part = str(position)
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise ValueError(f"Invalid array: {raw_key}")
    return _listify(result)
