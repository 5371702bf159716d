"""Crafted input on every route: a 400/404/413 in the API's error shape (or an HTML 4xx), never a 500.

Routes come from the schema (API) and the URL resolver (HTML), so new routes are covered when
they are added. Signed in, so the checks reach past authentication.
"""

import base64
import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator

from accounts.tests.factories import UserFactory
from core.tests.access import _callback_module, _project_apps, load_registry
from core.tests.test_api_conventions import HUGE_PAGE, assert_error

pytestmark = pytest.mark.django_db

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
OPERATIONS = [
    (method.upper(), route, operation)
    for route, methods in SCHEMA["paths"].items()
    for method, operation in methods.items()
]
BAD_CURSORS = [base64.b64encode(b"p=abc").decode(), base64.b64encode(b"o=1&p=9999-99-99").decode(), "%%%"]


def _query_names(operation) -> set[str]:
    return {parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "query"}


def _path_with(route: str, value: str) -> str:
    path = route
    while "{" in path:
        start = path.index("{")
        path = path[:start] + value + path[path.index("}", start) + 1 :]
    return path


@pytest.fixture
def signed_in(client):
    client.force_login(UserFactory())
    return client


def _call(client, method: str, path: str, body: str | None = None):
    if method == "GET":
        return client.get(path)
    return getattr(client, method.lower())(path, body, content_type="application/json")


LISTS = [(method, route) for method, route, operation in OPERATIONS if "cursor" in _query_names(operation)]
WITH_IDS = [(method, route) for method, route, _operation in OPERATIONS if "{" in route]
WITH_BODIES = [(method, route) for method, route, operation in OPERATIONS if "requestBody" in operation]


def test_the_schema_has_the_routes_these_tests_walk():
    assert len(LISTS) >= 6 and len(WITH_IDS) >= 20 and len(WITH_BODIES) >= 10


@pytest.mark.parametrize("method,route", LISTS)
def test_lists_refuse_bad_cursors_and_page_sizes(signed_in, method, route):
    path = _path_with(route, "1")
    for cursor in BAD_CURSORS:
        response = signed_in.get(path, {"cursor": cursor})
        assert response.status_code in (400, 404), (path, cursor, response.content[:200])
        assert response["Content-Type"] == "application/json"
    for size in ("0", "abc", HUGE_PAGE):
        response = signed_in.get(path, {"page_size": size})
        assert response.status_code in (400, 404) and response["Content-Type"] == "application/json"


@pytest.mark.parametrize("method,route", WITH_IDS)
@pytest.mark.parametrize("value", ["abc", "1.5", "-1", HUGE_PAGE, "%00"])
def test_non_integer_and_huge_ids_are_json_404(signed_in, method, route, value):
    response = _call(signed_in, method, _path_with(route, value), "{}")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("method,route", WITH_BODIES)
def test_deep_and_oversized_bodies_are_refused_in_shape(signed_in, settings, method, route):
    path = _path_with(route, "1")
    deep = _call(signed_in, method, path, "[" * 50_000 + "]" * 50_000)
    assert deep.status_code in (400, 404), deep.content[:200]
    assert deep["Content-Type"] == "application/json"
    if deep.status_code == 400:
        assert_error(deep, 400, "parse_error")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    assert_error(_call(signed_in, method, path, json.dumps({"note": "x" * 2_000})), 413, "request_too_large")
    not_json = getattr(signed_in, method.lower())(path, "a=1", content_type="text/plain")
    assert not_json.status_code in (404, 413, 415) and not_json["Content-Type"] == "application/json"


def _html_list_routes() -> list[str]:
    """Project pages that take no path parameter (lists, forms, dashboards)."""
    project_modules = tuple(config.name + "." for config in _project_apps())
    names = []

    def walk(resolver, namespace):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if inner and namespace and pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}"
                if not str(pattern.pattern).startswith(("api/", "admin/")):
                    walk(pattern, inner)
            elif isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.converters:
                if pattern.pattern.regex.groupindex or not _callback_module(pattern).startswith(project_modules):
                    continue
                names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver(), None)
    return sorted(set(names))


HTML_ROUTES = _html_list_routes()


def test_the_resolver_has_the_pages_these_tests_walk():
    assert {"cards:search", "notifications:list", "lists:lists", "trades:index", "trades:thread_list"} <= set(
        HTML_ROUTES
    )


@pytest.mark.parametrize("name", HTML_ROUTES)
@pytest.mark.parametrize("page", [HUGE_PAGE, "abc", "-1", "0"])
def test_pages_never_fail_on_crafted_page_numbers(signed_in, name, page):
    response = signed_in.get(reverse(name), {"page": page, "q": "sol", "tab": "have"})
    assert response.status_code < 500
    assert response.status_code in (200, 302, 404, 405, 422)


REGISTRY = load_registry()


@pytest.mark.parametrize("entry", sorted(REGISTRY.routes.values(), key=lambda e: e.key), ids=lambda e: e.key)
def test_object_pages_never_fail_on_crafted_page_numbers(client, entry):
    target = entry.make()
    if target.owners:
        client.force_login(target.owners[0])
    response = client.get(reverse(entry.name, kwargs=target.kwargs), {"page": HUGE_PAGE, "cursor": BAD_CURSORS[0]})
    assert response.status_code < 500
