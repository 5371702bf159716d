"""Accounts' routes that name an object, for the resolver-wide access test (docs/api.md)."""

from accounts.services import api_token_create
from accounts.tests.factories import UserFactory
from core.tests.access import OWNER, PUBLIC, AccessRoute, Target


def _token():
    owner = UserFactory()
    token, _raw = api_token_create(user=owner, name="script", expires_in_days=None)
    return Target(kwargs={"token_id": token.pk}, owners=[owner])


def _trader():
    return Target(kwargs={"username": UserFactory().username})


ROUTES = [
    AccessRoute("api-token-detail", _token, OWNER),
    AccessRoute("accounts:token_revoke", _token, OWNER),
    AccessRoute("accounts:profile", _trader, PUBLIC),
]
