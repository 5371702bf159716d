"""Seeded data for the schemathesis contract run (core/tests/test_api_contract.py).

Each app may add `<app>/tests/contract_seed.py` with `seed(*, user, other)`: make the objects its
API serves, some owned by `user` (the token the run uses) and some by `other`, so that the
generated requests reach real objects and not only 404s. An API without a seed is still tested.
"""

import importlib

from core.tests.access import _project_apps


def contract_seeds() -> list:
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
