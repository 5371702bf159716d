"""Absolute links follow SITE_URL (derived from HOST/PORT), designed error pages, admin housekeeping."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import site_sync
from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, PriceSnapshotFactory

ROOT = Path(__file__).resolve().parents[2]


def _site_url(**environment) -> str:
    env = {key: value for key, value in os.environ.items() if key not in ("SITE_URL", "HOST", "PORT")}
    env |= environment
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_site_url_follows_host_and_port_unless_set():
    assert _site_url(PORT="8010") == "http://localhost:8010"
    assert _site_url(HOST="127.0.0.1", PORT="9000") == "http://127.0.0.1:9000"
    assert _site_url(HOST="0.0.0.0", PORT="9000") == "http://localhost:9000"
    assert _site_url(HOST="127.0.0.1", PORT="9000", SITE_URL="https://bazaar.example") == "https://bazaar.example"


def test_makefile_demo_exports_host_port_and_turns_debug_off():
    makefile = (ROOT / "Makefile").read_text()
    assert "demo: export HOST := $(HOST)" in makefile
    assert "demo: export PORT := $(PORT)" in makefile
    assert "demo: export DEBUG ?= false" in makefile


@pytest.mark.django_db
def test_site_sync_points_the_sites_row_at_site_url(settings):
    settings.SITE_URL = "http://127.0.0.1:8010"

    assert site_sync() is True

    site = Site.objects.get_current()
    assert (site.domain, site.name) == ("127.0.0.1:8010", "Bazaar")
    assert site_sync() is False  # nothing to change the second time


@pytest.mark.django_db
def test_migrate_syncs_the_site(settings):
    Site.objects.filter(pk=settings.SITE_ID).update(domain="stale.example")
    settings.SITE_URL = "http://localhost:8123"

    call_command("migrate", "accounts", verbosity=0)

    assert Site.objects.get(pk=settings.SITE_ID).domain == "localhost:8123"


@pytest.mark.django_db
def test_404_page_is_designed_even_with_debug_off(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert 'action="/cards/"' in html
    assert "URLconf" not in html


@pytest.fixture
def staff_client(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    return client


@pytest.mark.django_db
def test_admin_has_one_accounts_section_and_a_favicon(staff_client):
    html = staff_client.get("/admin/").content.decode()
    # One "Accounts" application section (dj-stripe's mirror has a model called Accounts too).
    assert html.count('title="Models in the Accounts application"') == 1
    assert "Sign-in email addresses" in html
    assert "List settings<" in html and "settingss" not in html
    assert 'rel="icon" href="/static/img/favicon.svg"' in html


@pytest.mark.django_db
def test_snapshot_admin_never_counts_the_whole_table(staff_client):
    card = CardFactory()
    for day in range(3):
        PriceSnapshotFactory(card=card, captured_at=f"2026-01-0{day + 1}T00:00:00Z")

    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get("/admin/cards/pricesnapshot/")
    assert response.status_code == 200
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "cards_pricesnapshot" in q["sql"]]
    assert all("LIMIT" in sql.upper() for sql in counts), counts
    newest_first = [snapshot.captured_at.day for snapshot in response.context["cl"].result_list]
    assert newest_first == [3, 2, 1]
    assert response.context["cl"].result_count == 3

    filtered = staff_client.get("/admin/cards/pricesnapshot/", {"finish__exact": "foil"})
    assert filtered.status_code == 200
    assert filtered.context["cl"].result_count == 0


@pytest.mark.django_db
def test_landing_page_and_api_describe_only_what_is_built(client):
    html = client.get("/").content.decode().lower()
    schema = client.get("/api/schema/").content.decode().lower()
    # Disputes arrive with escrow's second part; signals, stores and escrow payments exist.
    for unbuilt in ("dispute",):
        assert unbuilt not in html
        assert unbuilt not in schema.split("paths:")[0]
    assert "signals" in html


def test_500_page_stands_alone(rf):
    """Rendered without the database or context processors: it must work when they are what broke."""
    from core.views import error_500

    response = error_500(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html and 'href="/"' in html and "favicon.svg" in html


@pytest.mark.django_db
def test_unfiltered_snapshot_list_uses_the_planner_estimate(staff_client):
    card = CardFactory()
    for day in range(4):
        PriceSnapshotFactory(card=card, captured_at=f"2026-02-0{day + 1}T00:00:00Z")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cards_pricesnapshot")

    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get("/admin/cards/pricesnapshot/")

    assert response.context["cl"].result_count == 4  # pg_class.reltuples after ANALYZE
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "cards_pricesnapshot" in q["sql"]]
