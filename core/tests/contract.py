"""Seeded data for the schemathesis contract run (core/tests/test_api_contract.py).

Each app may add `<app>/tests/contract_seed.py` with `seed(*, user, other)`: make the objects its
API serves, some owned by `user` (the token the run uses) and some by `other`, and return the
ids to try in paths, by the collection's path segment: `{"proposals": [12, 13]}`. Half of the
generated requests for `/api/v1/proposals/{id}/...` then use one of those ids, so they reach
real objects and not only 404s. An API without a seed is still tested.
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


def seed_all(*, user, other) -> dict[str, list[int]]:
    ids: dict[str, list[int]] = {}
    for seed in contract_seeds():
        for segment, values in (seed(user=user, other=other) or {}).items():
            ids.setdefault(segment, []).extend(values)
    return ids


def schemathesis_config(ids: dict[str, list[int]], *, probability: float = 0.5) -> str:
    """schemathesis.toml: each collection's seeded ids as a dictionary its `{id}` path parameter draws from."""
    lines = []
    for segment, values in sorted(ids.items()):
        lines += [f"[dictionaries.{segment}]", f"values = {json.dumps(sorted(set(values)))}", ""]
    for segment in sorted(ids):
        binding = f'{{ dictionary = "{segment}", probability = {probability} }}'
        lines += [
            "[[operations]]",
            f'include-path-regex = "^/api/v1/{segment}/[{{]"',
            f'parameters = {{ "path.id" = {binding} }}',
            "",
        ]
    return "\n".join(lines)
