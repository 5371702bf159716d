"""Signals' routes that name an object, for the resolver-wide access test (docs/api.md)."""

from core.tests.access import OWNER, PUBLIC, SIGNED_IN, AccessRoute, Target
from signals.tests.factories import RecommendationFactory, priced_card


def _private():
    signal = RecommendationFactory(visibility="private", card=priced_card())
    return Target(kwargs={"pk": signal.pk}, owners=[signal.created_by])


def _public():
    signal = RecommendationFactory(visibility="public", card=priced_card())
    return Target(kwargs={"pk": signal.pk})


ROUTES = [
    AccessRoute("signals:detail", _private, OWNER),
    AccessRoute("signals:detail", _public, PUBLIC, variant="public"),
    AccessRoute("signals:edit", _private, OWNER),
    AccessRoute("signals:close", _private, OWNER),
    AccessRoute("signals:follow", _private, OWNER, payload={"do": "follow"}),
    AccessRoute("api-signal-detail", _private, OWNER, payload={"visibility": "private"}),
    AccessRoute("api-signal-detail", _public, SIGNED_IN, variant="public", payload={"visibility": "public"}),
    AccessRoute("api-signal-close", _private, OWNER),
    AccessRoute("api-signal-follow", _private, OWNER, payload={"acted_on": True}),
]
NOT_OBJECT_ROUTES = {
    "signals:creator_follow": "username names a trader to follow: any signed-in trader may follow anyone "
    "(unknown or inactive names are 404; tested in signals/tests/test_views.py and test_access.py)",
    "api-creator-follow": "username names a trader to follow: any signed-in trader may follow anyone "
    "(unknown or inactive names are 404; tested in signals/tests/test_api.py)",
}
