"""Seeded data for the schemathesis contract run (core/tests/test_api_contract.py).

Each app may add `<app>/tests/contract_seed.py` with `seed(*, user, other)`: make the objects its
API serves, some owned by `user` (the token the run uses) and some by `other`, and return the
ids to try in paths, by the collection's path segment: `{"proposals": [12, 13]}`, and under
"body" values for body fields of create operations: `{"body": {("/api/v1/haves/", "card"):
[card ids]}}`. Half of the generated values then come from those, so requests reach real
objects and get past validation, not only 404s and 400s. An API without a seed is still tested.
"""

import importlib
import json

from core.tests.access import _project_apps


def contract_seeds() -> list:
    """Seeds in INSTALLED_APPS order, so an app can build on what the apps below it seeded."""
    seeds = []
    for config in _project_apps():
        module_name = f"{config.name}.tests.contract_seed"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name in (module_name, f"{config.name}.tests"):
                continue
            raise
        seeds.append(module.seed)
    return seeds


def seed_all(*, user, other) -> dict:
    """Every app's seed; path ids merged by collection, body values by (operation path, field)."""
    ids: dict[str, list] = {}
    bodies: dict[tuple[str, str], list] = {}
    for seed in contract_seeds():
        result = dict(seed(user=user, other=other) or {})
        for (path, field), values in result.pop("body", {}).items():
            bodies.setdefault((path, field), []).extend(values)
        for segment, values in result.items():
            ids.setdefault(segment, []).extend(values)
    return {"ids": ids, "bodies": bodies}


def schemathesis_config(seeded: dict, *, probability: float = 0.5) -> str:
    """schemathesis.toml: seeded values as dictionaries that half of the generated values draw from.

    `ids`: each collection's ids for its `{id}` path parameter (`/api/v1/<collection>/{id}/...`).
    `bodies`: values for a body field of the operations at exactly one path, e.g.
    `("/api/v1/haves/", "card"): [card ids]` or `("/api/v1/proposals/", "offer[*].have_item")`.
    """
    lines, operations = [], []
    for segment, values in sorted(seeded["ids"].items()):
        lines += [f"[dictionaries.{segment}]", f"values = {json.dumps(sorted(set(values)))}", ""]
        operations.append((f"^/api/v1/{segment}/[{{]", {"path.id": segment}))
    by_path: dict[str, dict[str, str]] = {}
    for number, ((path, field), values) in enumerate(sorted(seeded["bodies"].items())):
        name = f"body{number}"
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(sorted(set(values)))}", ""]
        by_path.setdefault(f"^{path}$", {})[f"body.{field}"] = name
    operations += sorted(by_path.items())
    for regex, bindings in operations:
        parameters = ", ".join(
            f'"{key}" = {{ dictionary = "{name}", probability = {probability} }}' for key, name in bindings.items()
        )
        lines += ["[[operations]]", f'include-path-regex = "{regex}"', f"parameters = {{ {parameters} }}", ""]
    return "\n".join(lines)
