"""Every signals route with an object id or username, found from the URL resolver (so a new route
cannot forget its check): an outsider gets 404 and nothing is written; anonymous gets 401/403 or the
login page (or 404 on pages anyone may read)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.tests.factories import UserFactory
from signals.models import CreatorFollow, Recommendation, SignalEvent, SignalFollower

from .factories import RecommendationFactory

pytestmark = pytest.mark.django_db
METHODS = ("get", "post", "patch", "delete")


def _routes(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            callback = getattr(entry.callback, "view_class", entry.callback)
            if callback.__module__.startswith("signals."):
                yield prefix + str(entry.pattern), callback


def _object_routes():
    routes = [(route, callback) for route, callback in _routes() if "<int:pk>" in route or "<str:username>" in route]
    assert len(routes) == 9  # 5 pages + 4 API routes; a new one must be added to the expectations here
    return routes


def _methods(callback) -> list[str]:
    if hasattr(callback, "http_method_names") and hasattr(callback, "as_view"):
        return [method for method in METHODS if hasattr(callback, method)]
    return ["get", "post"]


def _send(client, method: str, url: str):
    """The API takes JSON bodies only (docs/api.md); pages take forms."""
    if method == "get":
        return client.get(url)
    if url.startswith("/api/"):
        return getattr(client, method)(url, "{}", content_type="application/json")
    return getattr(client, method)(url)


def _state():
    return (
        list(
            Recommendation.objects.order_by("pk").values_list(
                "pk", "status", "visibility", "follower_count", "is_hidden"
            )
        ),
        SignalFollower.objects.count(),
        CreatorFollow.objects.count(),
        SignalEvent.objects.count(),
    )


def test_outsiders_get_404_and_nothing_changes(client):
    private = RecommendationFactory(visibility="private")
    outsider = UserFactory()
    client.force_login(outsider)
    before = _state()
    for route, callback in _object_routes():
        url = "/" + route.replace("<int:pk>", str(private.pk)).replace("<str:username>", "no-such-trader")
        for method in _methods(callback):
            response = _send(client, method, url)
            assert response.status_code in (404, 405), (method, url, response.status_code)
    assert _state() == before


def test_anonymous_is_refused_and_nothing_changes(client):
    private = RecommendationFactory(visibility="private")
    before = _state()
    for route, callback in _object_routes():
        url = "/" + route.replace("<int:pk>", str(private.pk)).replace("<str:username>", private.created_by.username)
        for method in _methods(callback):
            response = _send(client, method, url)
            assert response.status_code in (401, 403, 404, 405) or (
                response.status_code == 302 and "/accounts/login/" in response["Location"]
            ), (method, url, response.status_code)
    assert _state() == before
