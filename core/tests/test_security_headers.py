"""Browser security headers: Content-Security-Policy, Permissions-Policy and Cache-Control."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.tests.factories import UserFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


# --- Content-Security-Policy ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/cards/", "/api/docs/"])
def test_pages_forbid_inline_and_eval_scripts(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]


def test_card_images_come_from_the_card_image_host(client):
    policy = _policy(client.get("/"))
    assert policy["img-src"] == ["'self'", "data:", "https://cards.scryfall.io"]


def test_websockets_may_connect_to_the_site_itself(client):
    policy = _policy(client.get("/"))
    ws_origin = settings.SITE_URL.rstrip("/").replace("https://", "wss://").replace("http://", "ws://")
    assert policy["connect-src"] == ["'self'", ws_origin]


def test_htmx_may_not_evaluate_strings_or_run_swapped_scripts(client):
    html = client.get("/").content.decode()
    assert (
        """<meta name="htmx-config" content='{"allowEval": false, "allowScriptTags": false, """
        """"includeIndicatorStyles": false}'>"""
    ) in html


def test_api_docs_load_their_init_script_as_a_file(client):
    html = client.get(reverse("api-docs")).content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts, "Swagger UI page has scripts"
    assert all('src="' in attributes and not body.strip() for attributes, body in scripts)
    assert "<style" not in html
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


# Templates are where an inline script or handler would come from: none may have one. New
# pages put behaviour in static/js/ (docs/decisions/0014-content-security-policy.md).
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"""\s(on[a-z]+|hx-on(?::|-)[\w:-]*)\s*=\s*["']""", re.I)
STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*["']""", re.I)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)


TEMPLATE_COMMENT = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)


def _template_sources():
    return [(path, TEMPLATE_COMMENT.sub("", path.read_text())) for path in sorted(TEMPLATES.rglob("*.html"))]


@pytest.mark.parametrize(
    "pattern",
    [INLINE_SCRIPT, EVENT_HANDLER, STYLE_ATTRIBUTE, JAVASCRIPT_URL],
    ids=["inline-script", "event-handler", "style-attribute", "javascript-url"],
)
def test_no_template_has_inline_script_handlers_or_styles(pattern):
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0).strip()}"
        for path, source in _template_sources()
        for match in pattern.finditer(source)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("snippet", "pattern"),
    [
        ("<script>alert(1)</script>", INLINE_SCRIPT),
        ("<script defer>x()</script>", INLINE_SCRIPT),
        ('<img src="a.png" onerror="x()">', EVENT_HANDLER),
        ('<input hx-on:input="x()">', EVENT_HANDLER),
        ('<span style="color: red">', STYLE_ATTRIBUTE),
        ('<a href="javascript:void(0)">', JAVASCRIPT_URL),
    ],
)
def test_the_template_scan_recognises_each_kind(snippet, pattern):
    assert pattern.search(snippet)


@pytest.mark.parametrize(
    "snippet",
    ['<script src="/static/js/bazaar.js" defer></script>', '<script type="application/json">{}</script>'],
)
def test_the_template_scan_allows_script_files_and_data_blocks(snippet):
    assert not INLINE_SCRIPT.search(snippet)


# --- Permissions-Policy ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/api/v1/cards/", "/accounts/login/"])
def test_every_response_has_a_permissions_policy(client, path):
    policy = client.get(path)["Permissions-Policy"]
    features = dict(item.split("=") for item in policy.split(", "))
    assert features["camera"] == "()"
    assert features["microphone"] == "()"
    assert features["payment"] == "()"
    assert features["geolocation"] == "(self)"  # "Use my location" on the settings page


# --- Cache-Control -----------------------------------------------------------------------------------------


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_signed_in_pages_are_not_stored(client):
    client.force_login(UserFactory())
    for path in ["/", reverse("accounts:settings"), "/cards/"]:
        response = client.get(path)
        assert response.status_code == 200
        assert _no_store(response), path
        assert "private" in response["Cache-Control"]


def test_public_pages_for_visitors_may_be_cached(client):
    assert not _no_store(client.get("/cards/"))


@pytest.mark.parametrize("path", ["/api/v1/cards/", "/api/schema/"])
def test_api_responses_are_not_stored(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert _no_store(response)


def test_api_answers_given_before_the_view_are_not_stored_either(client):
    response = client.post("/api/v1/haves/", b"{}", content_type="application/json", CONTENT_LENGTH="999999999")
    assert response.status_code == 413
    assert _no_store(response)
    assert "Permissions-Policy" in response


def test_token_authenticated_api_responses_are_not_stored(client):
    from accounts.services import api_token_create

    _, raw = api_token_create(user=UserFactory(), name="script", expires_in_days=30)
    response = client.get("/api/v1/cards/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert _no_store(response)


def test_list_exports_are_not_stored(client):
    client.force_login(UserFactory())
    response = client.get(reverse("lists:list_export", args=["have"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert _no_store(response)
