import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.services import api_token_create, api_token_revoke, reputation_update
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def test_me_with_session(client):
    user = UserFactory(username="alice")
    reputation_update(user=user, completed_trades=10)
    client.force_login(user)
    body = client.get("/api/v1/me/").json()
    assert body["username"] == "alice"
    assert (body["reputation_score"], body["reputation_tier"], body["completed_trades"]) == ("110.00", "bronze", 10)


def test_me_with_token_records_last_use(client):
    user = UserFactory(username="alice")
    token, raw = api_token_create(user=user, name="bot", expires_in_days=None)
    response = client.get("/api/v1/me/", headers=bearer(raw))
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_me_for_a_user_without_reputation_row(client):
    admin = User.objects.create_superuser(username="root", email="root@example.com", password="x-very-long-pw")
    client.force_login(admin)
    assert client.get("/api/v1/me/").json()["reputation_tier"] == "new"


def test_me_requires_authentication(client):
    assert client.get("/api/v1/me/").status_code == 401


def test_expired_token_is_401_with_a_clear_message(client):
    user = UserFactory()
    token, raw = api_token_create(user=user, name="old", expires_in_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/v1/me/", headers=bearer(raw))
    assert response.status_code == 401
    assert response.json()["detail"] == "Token has expired."
    assert ApiToken.objects.get(pk=token.pk).last_used_at is None


def test_revoked_and_unknown_tokens_are_401(client):
    user = UserFactory()
    token, raw = api_token_create(user=user, name="old", expires_in_days=None)
    api_token_revoke(user=user, token_id=token.pk)
    response = client.get("/api/v1/me/", headers=bearer(raw))
    assert (response.status_code, response.json()["detail"]) == (401, "Invalid or revoked token.")
    response = client.get("/api/v1/me/", headers=bearer("bz_nope_nope"))
    assert response.status_code == 401


def test_token_list_create_and_delete(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/api/v1/tokens/", {"name": "script", "expires_in_days": 7}, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(rf"bz_{body['prefix']}_[A-Za-z0-9_-]{{43}}", body["token"])
    assert body["name"] == "script"
    listed = client.get("/api/v1/tokens/").json()
    assert (listed["next"], listed["previous"]) == (None, None)
    assert [t["name"] for t in listed["results"]] == ["script"]
    assert "token" not in listed["results"][0]
    # The new token works for the API…
    assert client.get("/api/v1/me/", headers=bearer(body["token"])).status_code == 200
    # …until it is revoked.
    assert client.delete(f"/api/v1/tokens/{body['id']}/").status_code == 204
    assert client.get("/api/v1/tokens/").json() == {"next": None, "previous": None, "results": []}
    client.logout()
    assert client.get("/api/v1/me/", headers=bearer(body["token"])).status_code == 401


def test_token_create_validation_errors_write_nothing(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/api/v1/tokens/", {"name": "x", "expires_in_days": 0}, content_type="application/json")
    assert response.status_code == 400
    api_token_create(user=user, name="dup", expires_in_days=None)
    response = client.post("/api/v1/tokens/", {"name": "dup"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "You already have a token with that name.",
        "code": "invalid",
        "errors": {"name": ["You already have a token with that name."]},
    }
    assert ApiToken.objects.filter(user=user).count() == 1


def test_another_users_token_is_404_over_the_api(client):
    owner, other = UserFactory(), UserFactory()
    token, _ = api_token_create(user=owner, name="mine", expires_in_days=None)
    client.force_login(other)
    assert client.delete(f"/api/v1/tokens/{token.pk}/").status_code == 404
    assert client.get("/api/v1/tokens/").json() == {"next": None, "previous": None, "results": []}
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_tokens_cannot_manage_tokens(client):
    user = UserFactory()
    _, raw = api_token_create(user=user, name="bot", expires_in_days=None)
    response = client.post("/api/v1/tokens/", {"name": "more"}, content_type="application/json", headers=bearer(raw))
    assert response.status_code in (401, 403)
    assert ApiToken.objects.filter(user=user).count() == 1


def test_schema_and_docs_work_offline(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/tokens/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the docs page loads Swagger UI assets"
    assert all(url.startswith("/") and not url.startswith("//") for url in assets), assets
    assert "cdn" not in html.lower()
    for url in assets:
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url


def test_reputation_decimal_values_over_api(client):
    user = UserFactory()
    reputation_update(user=user, review_count=3, review_average=Decimal("4.67"))
    client.force_login(user)
    assert client.get("/api/v1/me/").json()["review_average"] == "4.67"
