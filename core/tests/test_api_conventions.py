"""The API conventions of docs/api.md: one error shape for every 4xx, crafted input never a 500."""

import base64
import io
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from rest_framework.exceptions import ParseError
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken
from accounts.services import api_token_create
from accounts.tests.factories import UserFactory
from cards.tests.factories import CardPriceFactory
from core.api import exception_handler
from core.errors import DomainError, InvalidTransition, NotAllowed
from core.parsers import MAX_JSON_DEPTH, JSONParser, RequestTooLarge
from notifications.models import Notification
from notifications.services import notification_send

pytestmark = pytest.mark.django_db

HUGE_PAGE = "9223372036854775808"  # one past bigint


def _cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def assert_error(response, status: int, code: str, *, errors: list[str] | None = None):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) <= {"detail", "code", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["code"] == code
    if errors is None:
        assert "errors" not in body
    else:
        assert sorted(body["errors"]) == sorted(errors)
        assert all(isinstance(m, str) for messages in body["errors"].values() for m in messages)
    return body


@pytest.fixture
def user_client(client):
    user = UserFactory()
    client.force_login(user)
    client.user = user
    return client


def _notify(user, count=1):
    return [notification_send(recipient=user, kind="proposal_received", title=f"n{i}") for i in range(count)]


# --- the error shape, status by status --------------------------------------------------------


def test_validation_errors_name_their_fields(user_client):
    response = user_client.post("/api/v1/tokens/", {"expires_in_days": 0}, content_type="application/json")
    body = assert_error(response, 400, "invalid", errors=["name", "expires_in_days"])
    assert body["errors"]["name"] == ["This field is required."]
    assert ApiToken.objects.count() == 0


def test_malformed_json_is_a_400_parse_error(user_client):
    response = user_client.post("/api/v1/tokens/", "{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_unknown_and_revoked_tokens_are_401(client):
    response = client.get("/api/v1/me/", headers={"Authorization": "Bearer bz_nope_nope"})
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Bearer"
    assert_error(client.get("/api/v1/me/"), 401, "not_authenticated")


def test_session_only_routes_are_403_without_a_session(client):
    owner = UserFactory()
    _token, raw = api_token_create(user=owner, name="script", expires_in_days=None)
    response = client.get("/api/v1/tokens/", headers={"Authorization": f"Bearer {raw}"})
    assert_error(response, 403, "not_authenticated")


def test_missing_objects_and_foreign_objects_are_the_same_404(user_client):
    foreign = _notify(UserFactory())[0]
    missing = user_client.get("/api/v1/notifications/999999999/")
    other = user_client.get(f"/api/v1/notifications/{foreign.pk}/")
    assert assert_error(missing, 404, "not_found") == assert_error(other, 404, "not_found")


@pytest.mark.parametrize(
    "url",
    ["/api/v1/nope/", "/api/v1/me", "/api/nothing", "/api/v1/notifications/abc/", "/api/v1/cards/1.5/prices/"],
)
def test_unmatched_api_paths_are_json_404(user_client, url):
    assert_error(user_client.get(url), 404, "not_found")
    assert_error(user_client.post(url, "{}", content_type="application/json"), 404, "not_found")


def test_unmatched_api_post_without_csrf_is_still_json_404():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    assert_error(client.post("/api/v1/tokens", {"name": "x"}), 404, "not_found")


def test_wrong_method_is_405(user_client):
    assert_error(user_client.put("/api/v1/me/", "{}", content_type="application/json"), 405, "method_not_allowed")


def test_only_json_bodies_are_accepted(user_client):
    response = user_client.post("/api/v1/tokens/", "name=script", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")
    assert ApiToken.objects.count() == 0


def test_asking_for_anything_but_json_is_a_json_406(user_client):
    response = user_client.get("/api/v1/me/", headers={"Accept": "text/html"})
    assert_error(response, 406, "not_acceptable")


def test_throttled_requests_are_429_with_retry_after(client, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "1/min")
    CardPriceFactory()
    assert client.get("/api/v1/movers/").status_code == 200
    response = client.get("/api/v1/movers/")
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize(
    "error,status,code",
    [
        (DomainError("Bad amount."), 400, "invalid"),
        (NotAllowed("Only the recipient may accept."), 403, "not_allowed"),
        (InvalidTransition("Already accepted."), 409, "invalid_transition"),
    ],
)
def test_domain_errors_keep_their_status_and_code(error, status, code):
    response = exception_handler(error, {})
    assert (response.status_code, response.data) == (status, {"detail": error.message, "code": code})


def test_nested_validation_errors_are_flattened_to_dotted_fields():
    from rest_framework.exceptions import ValidationError

    error = ValidationError({"items": [{}, {"quantity": ["Too many."]}], "non_field_errors": ["Empty."]})
    response = exception_handler(error, {})
    assert response.data == {
        "detail": "items.1.quantity: Too many.",
        "code": "invalid",
        "errors": {"items.1.quantity": ["Too many."], "non_field_errors": ["Empty."]},
    }


# --- crafted input -----------------------------------------------------------------------------


def test_card_search_page_past_the_limit_is_a_400_not_a_database_error(client):
    assert_error(client.get(f"/api/v1/cards/?page={HUGE_PAGE}"), 400, "invalid", errors=["page"])
    assert_error(client.get("/api/v1/cards/?page=0"), 400, "invalid", errors=["page"])
    assert client.get("/api/v1/cards/?page=10000").status_code == 200


@pytest.mark.parametrize("page", [HUGE_PAGE, "10001", "0", "-1", "abc", "1e3"])
def test_html_lists_answer_404_for_pages_that_cannot_exist(user_client, page):
    assert user_client.get(f"{reverse('cards:search')}?q=sol&page={page}").status_code == 404
    assert user_client.get(f"{reverse('notifications:list')}?page={page}").status_code == 404


def test_html_lists_past_the_end_show_the_last_page(user_client):
    _notify(user_client.user)
    assert user_client.get(f"{reverse('notifications:list')}?page=10000").status_code == 200
    assert user_client.get(f"{reverse('cards:search')}?q=sol&page=10000").status_code == 200


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor("p=abc"),  # a position that is not a timestamp
        _cursor("p=2026-13-45T99:99:99"),
        _cursor("o=abc"),
        _cursor("r=x"),
        "!!not-base64!!",
        _cursor("o=-5"),
    ],
)
def test_invalid_cursors_are_a_400(user_client, cursor):
    _notify(user_client.user)
    card = CardPriceFactory().card
    for url in ("/api/v1/notifications/", "/api/v1/tokens/", f"/api/v1/cards/{card.pk}/prices/"):
        assert_error(user_client.get(url, {"cursor": cursor}), 400, "invalid", errors=["cursor"])


def test_valid_cursors_still_page(user_client):
    _notify(user_client.user, count=3)
    first = user_client.get("/api/v1/notifications/", {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["previous"] is None
    second = user_client.get(first["next"]).json()
    assert [n["title"] for n in second["results"]] == ["n0"]


@pytest.mark.parametrize("size", ["0", "-1", "abc", "201", HUGE_PAGE])
def test_invalid_page_sizes_are_a_400(user_client, size):
    assert_error(user_client.get("/api/v1/notifications/", {"page_size": size}), 400, "invalid", errors=["page_size"])


def test_invalid_filter_values_are_a_400(user_client):
    assert_error(user_client.get("/api/v1/notifications/?unread=AAA"), 400, "invalid", errors=["unread"])
    _notify(user_client.user)
    Notification.objects.update(read_at="2026-01-01T00:00:00Z")
    assert user_client.get("/api/v1/notifications/?unread=true").json()["results"] == []
    assert len(user_client.get("/api/v1/notifications/?unread=false").json()["results"]) == 1


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 100_000])
def test_deeply_nested_json_is_a_400(user_client, depth):
    body = '{"name": ' + "[" * depth + "]" * depth + "}"
    assert_error(user_client.post("/api/v1/tokens/", body, content_type="application/json"), 400, "parse_error")
    assert ApiToken.objects.count() == 0


def test_json_at_the_depth_limit_is_parsed():
    nested = json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    assert JSONParser().parse(io.BytesIO(json.dumps(nested).encode())) == nested
    with pytest.raises(ParseError):
        JSONParser().parse(io.BytesIO(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)))


def test_oversized_api_bodies_are_a_413_before_anything_reads_them(user_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = json.dumps({"name": "x" * 2_000})
    response = user_client.post("/api/v1/tokens/", body, content_type="application/json")
    assert_error(response, 413, "request_too_large")
    assert_error(user_client.post("/api/v1/nowhere/", body, content_type="application/json"), 413, "request_too_large")
    assert ApiToken.objects.count() == 0


def test_the_json_parser_stops_reading_at_the_limit(settings):
    """Behind a proxy that drops Content-Length the stream can be longer than announced."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    with pytest.raises(RequestTooLarge):
        JSONParser().parse(io.BytesIO(json.dumps({"name": "x" * 2_000}).encode()))


def test_oversized_api_form_bodies_are_refused_in_the_api_shape(settings):
    """Multipart passes the size middleware (file parts do not count against the limit); the API
    takes JSON only, so the CSRF check's attempt to read the form is a 415, never a 500."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    client.cookies["csrftoken"] = "a" * 32
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    assert_error(client.post("/api/v1/tokens/", {"name": "x" * 2_000}), 415, "unsupported_media_type")
    assert ApiToken.objects.count() == 0


def test_django_refusing_a_big_body_under_api_is_a_json_413(rf):
    from django.core.exceptions import RequestDataTooBig, SuspiciousOperation

    from core.views import error_400

    response = error_400(rf.post("/api/v1/anything/"), RequestDataTooBig("too big"))
    assert (response.status_code, json.loads(response.content)["code"]) == (413, "request_too_large")
    response = error_400(rf.post("/api/v1/anything/"), SuspiciousOperation("odd"))
    assert (response.status_code, json.loads(response.content)["code"]) == (400, "bad_request")


def test_oversized_html_forms_are_a_413_page(user_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = user_client.post(reverse("accounts:settings"), {"username": "x" * 2_000})
    assert response.status_code == 413
    assert "larger than Bazaar accepts" in response.content.decode()


def test_invalid_content_length_is_a_400(user_client):
    response = user_client.post("/api/v1/tokens/", "{}", content_type="application/json", CONTENT_LENGTH="abc")
    assert_error(response, 400, "bad_request")


def test_project_error_handlers_answer_json_under_api(rf):
    from core.views import error_403, error_404, error_500

    for handler, status, code in ((error_403, 403, "permission_denied"), (error_404, 404, "not_found")):
        response = handler(rf.get("/api/v1/x/"), Exception())
        assert (response.status_code, json.loads(response.content)["code"]) == (status, code)
        page = rf.get("/cards/x/")
        page.user = AnonymousUser()
        assert handler(page, Exception())["Content-Type"].startswith("text/html")
    response = error_500(rf.get("/api/v1/x/"))
    assert (response.status_code, json.loads(response.content)) == (
        500,
        {"detail": "Server error.", "code": "server_error"},
    )


def test_domain_not_found_is_a_404():
    from core.errors import NotFound

    response = exception_handler(NotFound("No such proposal."), {})
    assert (response.status_code, response.data) == (404, {"detail": "No such proposal.", "code": "not_found"})


@pytest.mark.parametrize(
    "value,valid",
    [
        ({"name": "x", "count": 2, "on": True, "price": "1.50", "size": 3}, True),
        ({"name": 1}, False),
        ({"count": "2"}, False),
        ({"count": True}, False),
        ({"on": "true"}, False),
        ({"on": 1}, False),
        ({"price": 1.5}, False),
        ({"name": None, "price": None}, True),  # null: the fields' own allow_null decides
        ({"size": 3}, True),  # integer choices are left to the choice field
        ({"name": "  " + "x" * 9}, False),  # 11 characters sent: too long, though 9 after trimming
        ({"name": " " + "x" * 9}, True),
    ],
)
def test_json_bodies_keep_their_types(value, valid):
    from rest_framework import serializers as drf

    from core.api import StrictJSONTypes

    class Body(StrictJSONTypes, drf.Serializer):
        name = drf.CharField(required=False, allow_null=True, max_length=10)
        count = drf.IntegerField(required=False)
        on = drf.BooleanField(required=False)
        price = drf.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True)
        size = drf.ChoiceField(choices=[(1, "S"), (3, "L")], required=False)

    body = Body(data=value)
    assert body.is_valid() == valid, body.errors
    if not valid:
        assert set(body.errors) == set(value)


def test_query_lengths_count_what_is_sent(client):
    assert_error(client.get("/api/v1/cards/", {"q": "  " + "x" * 199}), 400, "invalid", errors=["q"])
    assert client.get("/api/v1/cards/", {"q": "x" * 200}).status_code == 200
