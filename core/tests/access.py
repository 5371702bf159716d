"""The access-route registry: every URL that names an object (id or username) says who may see it.

Each app contributes its own entries from `<app>/tests/access_routes.py`:

    from core.tests.access import OWNER, AccessRoute, Target

    def _notification():
        notification = NotificationFactory()
        return Target(kwargs={"pk": notification.pk}, owners=[notification.recipient])

    ROUTES = [AccessRoute("notifications:read", _notification, OWNER)]
    NOT_OBJECT_ROUTES = {}  # {"url name": "why its path parameter names no object"}

core/tests/test_access_routes.py walks the URL resolver (HTML and API), fails on any project
route with a path parameter that no app registered, and checks every method as an outsider
(404 — or 405 for a method the route does not take — and nothing written) and anonymously
(401/403 for the API, a login redirect for pages). See docs/api.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

OWNER = "owner"  # one user's object: only they see it
PARTY = "party"  # two or more users' shared object (a proposal, a trade): only the parties see it
PUBLIC = "public"  # anyone may read it (a card, a trader's profile); writes still need their own right
SIGNED_IN = "signed_in"  # any signed-in user may read it (the page to propose a trade to a trader)
VISIBILITIES = (OWNER, PARTY, PUBLIC, SIGNED_IN)
READABLE_BY_OUTSIDERS = (PUBLIC, SIGNED_IN)

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Target:
    """What a factory made: the URL kwargs, and the users who may see it (none for public objects)."""

    kwargs: dict
    owners: Sequence = ()


@dataclass(frozen=True)
class AccessRoute:
    name: str  # the URL name as reverse() takes it ("trades:proposal_detail", "notification-detail")
    make: Callable[[], Target]
    visibility: str
    payload: dict = field(default_factory=dict)  # a body that would pass validation, so only access stops it
    outsider_writes: tuple[str, ...] = ()  # public routes: methods any signed-in user may write with
    variant: str = ""  # a second entry for the same route, e.g. "private" lists beside public ones

    def __post_init__(self):
        if self.visibility not in VISIBILITIES:
            raise ValueError(f"{self.name}: visibility must be one of {VISIBILITIES}")

    @property
    def key(self) -> str:
        return f"{self.name}[{self.variant}]" if self.variant else self.name


@dataclass(frozen=True)
class ResolvedRoute:
    name: str
    route: str  # the pattern as text, for messages
    parameters: dict  # name → converter class name ("IntConverter") or "regex:<pattern>"
    module: str

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


def _project_apps() -> list:
    # The project's own apps sit directly under BASE_DIR; a virtualenv inside the checkout
    # (make's .venv) holds third-party apps under it too, deeper down.
    base = Path(settings.BASE_DIR).resolve()
    return [config for config in apps.get_app_configs() if Path(config.path).resolve().parent == base]


def _callback_module(pattern: URLPattern) -> str:
    callback = pattern.callback
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    return (view_class or callback).__module__


def _parameters(pattern) -> dict:
    converters = getattr(pattern.pattern, "converters", {})
    found = {name: type(converter).__name__ for name, converter in converters.items()}
    regex = pattern.pattern.regex
    for name in regex.groupindex:
        if name not in found:
            found[name] = "regex:" + _group_pattern(regex.pattern, name)
    return found


def _group_pattern(pattern: str, name: str) -> str:
    start = pattern.index(f"(?P<{name}>") + len(f"(?P<{name}>")
    depth, index = 1, start
    while depth and index < len(pattern):
        depth += {"(": 1, ")": -1}.get(pattern[index], 0)
        index += 1
    return pattern[start : index - 1]


def walk_resolver() -> Iterator[ResolvedRoute]:
    """Every project view's route that captures a path parameter (third-party and admin views aside)."""
    project_modules = tuple(config.name + "." for config in _project_apps())

    def walk(resolver: URLResolver, prefix: str, namespace: str | None, inherited: dict):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern, prefix + str(pattern.pattern), inner, {**inherited, **_parameters(pattern)})
                continue
            parameters = {**inherited, **_parameters(pattern)}
            module = _callback_module(pattern)
            if not parameters or not module.startswith(project_modules):
                continue
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or "")
            yield ResolvedRoute(name=name, route=prefix + str(pattern.pattern), parameters=parameters, module=module)

    yield from walk(get_resolver(), "", None, {})


@dataclass
class Registry:
    routes: dict[str, AccessRoute]  # by key (name, or name[variant])
    not_objects: dict[str, str]
    sources: dict[str, str]  # key → module that registered it

    @property
    def names(self) -> set[str]:
        return {entry.name for entry in self.routes.values()} | set(self.not_objects)


def load_registry() -> Registry:
    """Collect ROUTES and NOT_OBJECT_ROUTES from every project app's tests/access_routes.py."""
    routes: dict[str, AccessRoute] = {}
    not_objects: dict[str, str] = {}
    sources: dict[str, str] = {}
    for config in _project_apps():
        module_name = f"{config.name}.tests.access_routes"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name in (module_name, f"{config.name}.tests"):
                continue
            raise
        for entry in getattr(module, "ROUTES", []):
            if entry.key in sources:
                raise ValueError(f"{entry.key} is registered twice ({sources[entry.key]} and {module_name})")
            routes[entry.key] = entry
            sources[entry.key] = module_name
        for name, reason in getattr(module, "NOT_OBJECT_ROUTES", {}).items():
            if name in sources:
                raise ValueError(f"{name} is registered twice ({sources[name]} and {module_name})")
            not_objects[name] = reason
            sources[name] = module_name
    return Registry(routes=routes, not_objects=not_objects, sources=sources)
