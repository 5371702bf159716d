"""Dependencies point one way (STYLE.md): lower apps never import the apps built on them.

Reads every module's import statements (top level and inside functions) with `ast`, so a
lazy `from trades... import` inside a function is caught too. Tests may import factories
across apps; only application code is checked.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_APPS = {"lists", "trades", "signals", "stores"}
# app -> apps it must never import: the shared apps none of the domain apps, lists not trades.
FORBIDDEN = {
    "core": DOMAIN_APPS,
    "accounts": DOMAIN_APPS,
    "cards": DOMAIN_APPS,
    "notifications": DOMAIN_APPS,
    "lists": {"trades", "signals", "stores"},
    "trades": {"signals"},
    "signals": {"lists", "trades", "stores"},
}


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _app_modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "tests" not in path.relative_to(ROOT).parts:
            yield path


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_app_does_not_import_the_apps_above_it(app):
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_apps(path) & FORBIDDEN[app]) for path in _app_modules(app)
    }

    assert {path: apps for path, apps in offenders.items() if apps} == {}


def test_selectors_never_import_their_apps_services():
    """Selectors read and services write: a selector that needs a service has a write in a read."""
    offenders = []
    for app in ("accounts", "cards", "lists", "trades", "notifications", "signals", "stores"):
        for path in _app_modules(app):
            if path.stem != "selectors" and path.parent.name != "selectors":
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom):
                    module = ("." * node.level) + (node.module or "")
                    if module in (".services", f"{app}.services") or module.startswith(
                        (".services.", f"{app}.services.")
                    ):
                        offenders.append(f"{path.relative_to(ROOT)}: {module}")

    assert offenders == []
