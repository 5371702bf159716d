"""Resolver-wide access test: no route that names an object can forget its access check.

The registry (core/tests/access.py, filled by each app's tests/access_routes.py) maps every such
route to a factory and a visibility. For every entry and every method:
- an outsider (signed in, not an owner or party) gets 404 — or 405 for a method the route does
  not take — and nothing is written to the database;
- anonymous callers get 401/403 from the API and a login redirect (or 405) from pages;
- the owners/parties themselves do reach the object (so the 404 above is the access check, not
  a wrong id from the factory).
"""

import json

import pytest
from django.db import connection, transaction
from django.urls import reverse

from accounts.tests.factories import UserFactory
from core.tests.access import (
    METHODS,
    PARTY,
    PUBLIC,
    READABLE_BY_OUTSIDERS,
    VISIBILITIES,
    load_registry,
    walk_resolver,
)

REGISTRY = load_registry()
ENTRIES = sorted(REGISTRY.routes.values(), key=lambda entry: entry.key)
RESOLVED = {route.name: route for route in walk_resolver()}
NOT_WRITTEN_TABLES = {"django_session"}  # signing in writes the session before we look


def _key(entry) -> str:
    return entry.key


def test_every_route_that_names_an_object_is_registered():
    unnamed = [route.route for route in RESOLVED.values() if not route.name]
    assert unnamed == [], "give these routes a name so the registry can list them"
    registered = REGISTRY.names
    missing = sorted(f"{name} ({RESOLVED[name].route}, {RESOLVED[name].module})" for name in set(RESOLVED) - registered)
    assert missing == [], "add these routes to <app>/tests/access_routes.py (see docs/api.md):\n" + "\n".join(missing)
    stale = sorted(set(registered) - set(RESOLVED))
    assert stale == [], f"registered but not routes with a path parameter: {stale}"


def test_every_entry_has_a_reason_or_a_factory():
    assert all(reason.strip() for reason in REGISTRY.not_objects.values())
    assert {entry.visibility for entry in ENTRIES} <= set(VISIBILITIES)


def test_ids_in_api_paths_are_digits():
    """Anything but digits where an id goes must be a 404 from the resolver, never a 500 from int()."""
    loose = []
    for route in RESOLVED.values():
        if not route.is_api:
            continue
        for name, kind in route.parameters.items():
            if name == "username":
                continue
            if kind not in ("IntConverter", "regex:[0-9]+", r"regex:\d+"):
                loose.append(f"{route.route}: {name} is {kind}")
    assert loose == []


def _writes() -> dict[str, int]:
    """Rows inserted, updated or deleted by this transaction so far, per table (PostgreSQL's own counters)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables")
        return {table: count for table, count in cursor.fetchall() if table not in NOT_WRITTEN_TABLES and count}


def _request(client, method: str, url: str, *, is_api: bool, payload: dict):
    if method == "get":
        return client.get(url)
    if is_api:
        return getattr(client, method)(url, json.dumps(payload), content_type="application/json")
    if method == "post":
        return client.post(url, payload)
    return getattr(client, method)(url)


def _url(entry, target) -> str:
    return reverse(entry.name, kwargs=target.kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("entry", ENTRIES, ids=_key)
def test_outsider_gets_404_and_writes_nothing(client, entry):
    target = entry.make()
    url = _url(entry, target)
    is_api = RESOLVED[entry.name].is_api
    client.force_login(UserFactory())
    for method in METHODS:
        before = _writes()
        response = _request(client, method, url, is_api=is_api, payload=entry.payload)
        if entry.visibility in READABLE_BY_OUTSIDERS:
            if method == "get":
                assert response.status_code == 200, f"{method.upper()} {url}: a public object is readable"
                continue
            if method in entry.outsider_writes:
                continue
            assert response.status_code < 500, f"{method.upper()} {url}"
        else:
            assert response.status_code in (404, 405), f"{method.upper()} {url} as an outsider"
        assert _writes() == before, f"{method.upper()} {url} as an outsider wrote to the database"


@pytest.mark.django_db
@pytest.mark.parametrize("entry", ENTRIES, ids=_key)
def test_anonymous_is_refused(client, entry):
    target = entry.make()
    url = _url(entry, target)
    is_api = RESOLVED[entry.name].is_api
    for method in METHODS:
        before = _writes()
        response = _request(client, method, url, is_api=is_api, payload=entry.payload)
        if entry.visibility == PUBLIC and method == "get":
            assert response.status_code == 200, f"GET {url}: a public object is readable anonymously"
            continue
        if entry.visibility == PUBLIC and method not in entry.outsider_writes:
            assert response.status_code < 500, f"{method.upper()} {url} anonymously"
        elif is_api:
            assert response.status_code in (401, 403, 405), f"{method.upper()} {url} anonymously"
        else:
            is_login_redirect = response.status_code == 302 and response["Location"].startswith("/accounts/login/")
            # A page that does not need a login (a trader's lists) hides a private object with a 404.
            refused = response.status_code in (403, 404, 405)
            assert is_login_redirect or refused, f"{method.upper()} {url} anonymously"
        assert _writes() == before, f"{method.upper()} {url} anonymously wrote to the database"


class _RollBack(Exception):
    pass


@pytest.mark.django_db
@pytest.mark.parametrize(
    "entry", [e for e in ENTRIES if e.visibility not in READABLE_BY_OUTSIDERS], ids=lambda entry: entry.key
)
def test_owners_reach_the_object(client, entry):
    """The factory makes the object the route names: each owner gets past the access check."""
    target = entry.make()
    assert target.owners, f"{entry.name}: an {entry.visibility} object needs its owners"
    if entry.visibility == PARTY:
        assert len(target.owners) >= 2, f"{entry.name}: a party object has two or more parties"
    url = _url(entry, target)
    is_api = RESOLVED[entry.name].is_api
    for owner in target.owners:
        client.force_login(owner)
        statuses = []
        for method in METHODS:
            try:
                with transaction.atomic():  # an owner's write is undone: each method sees the same object
                    statuses.append(_request(client, method, url, is_api=is_api, payload=entry.payload).status_code)
                    raise _RollBack
            except _RollBack:
                pass
        assert 404 not in statuses, f"{url} as {owner}: {statuses} (the factory's owners must see it)"
        assert any(status != 405 for status in statuses), f"{url}: no method is served"
