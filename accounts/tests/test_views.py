import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.urls import reverse

from accounts.models import ApiToken, User, UserReputation
from accounts.services import api_token_create, reputation_update
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID_SETTINGS = {
    "username": "alice",
    "country": "",
    "postal_code": "98101",
    "latitude": "",
    "longitude": "",
    "trade_radius_km": "40",
    "match_with_stores": "on",
}


@pytest.fixture
def alice(client):
    user = UserFactory(username="alice")
    client.force_login(user)
    return user


# --- signup, verification, login ---------------------------------------------------------


def test_signup_verify_and_login(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "username": "newbie",
            "password1": "tr4de-fair-and-square",
            "password2": "tr4de-fair-and-square",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert UserReputation.objects.filter(user=user).exists()
    assert EmailAddress.objects.get(user=user).verified is False
    assert "_auth_user_id" not in client.session  # verification is mandatory

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").status_code == 200
    response = client.post(f"/{path}")
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified is True
    assert UserReputation.objects.get(user=user).reputation_score == Decimal("10.00")  # verified email counts
    assert int(client.session["_auth_user_id"]) == user.pk


def test_signup_with_taken_email_is_a_clear_error_and_writes_nothing(client):
    UserFactory(email="taken@example.com")
    users_before, reputations_before = User.objects.count(), UserReputation.objects.count()
    response = client.post(
        reverse("account_signup"),
        {
            "email": "taken@example.com",
            "username": "someone",
            "password1": "tr4de-fair-and-square",
            "password2": "tr4de-fair-and-square",
        },
    )
    assert response.status_code == 200
    assert "A user is already registered with this email address." in response.content.decode()
    assert (User.objects.count(), UserReputation.objects.count()) == (users_before, reputations_before)
    assert len(mail.outbox) == 0


def test_allauth_pages_use_the_bazaar_layout(client):
    for name in ("account_login", "account_signup", "account_reset_password"):
        html = client.get(reverse(name)).content.decode()
        assert 'class="site-header"' in html
        assert 'class="auth-title"' in html
        assert "card-panel auth-form" in html
        assert "css/bazaar.css" in html


def test_account_management_pages_render_for_signed_in_user(client, alice):
    for name in ("account_email", "account_change_password", "mfa_index"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert 'aria-label="Account"' in response.content.decode()
    # Setting up TOTP first asks for the password again, on a Bazaar-styled page.
    response = client.get(reverse("mfa_activate_totp"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert 'class="auth-title"' in response.content.decode()


# --- settings -----------------------------------------------------------------------------


def test_settings_requires_login(client):
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_settings_page_shows_current_values(client, alice):
    html = client.get(reverse("accounts:settings")).content.decode()
    assert 'value="alice"' in html
    assert reverse("account_email") in html
    assert reverse("mfa_index") in html
    assert "No API tokens yet." in html


def test_settings_saves_zip_location(client, alice):
    response = client.post(reverse("accounts:settings"), VALID_SETTINGS)
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.postal_code, alice.country, alice.latitude, alice.trade_radius_km, alice.match_with_stores) == (
        "98101",
        "US",
        Decimal("47.611400"),
        40,
        True,
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"postal_code": "00000"}, "We could not find the ZIP code 00000."),
        ({"trade_radius_km": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"trade_radius_km": "501"}, "Ensure this value is less than or equal to 500."),
        ({"latitude": "95", "longitude": "1"}, "Ensure this value is less than or equal to 90."),
    ],
)
def test_settings_errors_rerender_with_422_and_save_nothing(client, alice, changes, message):
    before = User.objects.values().get(pk=alice.pk)
    response = client.post(reverse("accounts:settings"), {**VALID_SETTINGS, **changes})
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert "Nothing was saved." in html
    assert User.objects.values().get(pk=alice.pk) == before


def test_token_is_shown_once_and_listed(client, alice):
    response = client.post(reverse("accounts:token_create"), {"name": "sheet", "expires_in_days": "30"})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    raw = re.search(r'value="(bz_[^"]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=alice)
    assert token.name == "sheet"
    assert token.key_hash != raw
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "sheet" in page
    assert raw not in page
    assert f"bz_{token.prefix}_…" in page


def test_token_create_htmx_returns_the_partial(client, alice):
    response = client.post(reverse("accounts:token_create"), {"name": "sheet"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="api-tokens"')
    assert "Copy it now" in html


def test_token_create_errors_are_422(client, alice):
    api_token_create(user=alice, name="dup", expires_in_days=None)
    response = client.post(reverse("accounts:token_create"), {"name": "dup"})
    assert response.status_code == 422
    assert "You already have a token with that name." in response.content.decode()
    assert ApiToken.objects.filter(user=alice).count() == 1


def test_revoke_own_token(client, alice):
    token, _ = api_token_create(user=alice, name="old", expires_in_days=None)
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_another_users_token_is_404_and_untouched(client, alice):
    bob = UserFactory(username="bob")
    token, _ = api_token_create(user=bob, name="bobs", expires_in_days=None)
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "bobs" not in client.get(reverse("accounts:settings")).content.decode()


# --- public profile ------------------------------------------------------------------------


def test_public_profile_shows_reputation(client):
    trader = UserFactory(username="seller")
    reputation_update(user=trader, completed_trades=12, review_count=4, review_average=Decimal("4.50"))
    html = client.get(reverse("accounts:profile", args=["seller"])).content.decode()
    assert 'class="badge tier-bronze"' in html
    assert "200.00" in html  # 110 + 80 + 10
    assert 'data-testid="completed-trades">12<' in html
    assert "4.50" in html
    assert "from 4 reviews" in html
    assert "Member since" in html


def test_public_profile_query_count_is_constant(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lists.tests.factories import HaveItemFactory, WantItemFactory

    def queries_for(username: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("accounts:profile", args=[username])).status_code == 200
        return len(captured)

    small, large = UserFactory(username="small_seller"), UserFactory(username="large_seller")
    HaveItemFactory(owner=small)
    HaveItemFactory.create_batch(25, owner=large)
    WantItemFactory.create_batch(25, owner=large)

    assert queries_for("small_seller") == queries_for("large_seller") <= 6


def test_unknown_or_inactive_profile_is_404(client):
    UserFactory(username="gone", is_active=False)
    assert client.get(reverse("accounts:profile", args=["gone"])).status_code == 404
    assert client.get(reverse("accounts:profile", args=["nobody"])).status_code == 404


def test_profile_of_a_createsuperuser_user_works(client):
    User.objects.create_superuser(username="root", email="root@example.com", password="x-very-long-pw")
    assert client.get(reverse("accounts:profile", args=["root"])).status_code == 200


# --- home and dashboard ----------------------------------------------------------------------


def test_home_for_visitors(client):
    html = client.get("/").content.decode()
    assert "Trade Magic cards with confidence" in html
    assert reverse("account_signup") in html


def test_dashboard_shows_reputation_and_location_prompt(client, alice):
    reputation_update(user=alice, completed_trades=10)
    html = client.get("/").content.decode()
    assert "Your reputation" in html
    assert 'class="badge tier-bronze"' in html
    assert "190.00 points to Silver (300)" in html
    assert "Set your location" in html
    client.post(reverse("accounts:settings"), VALID_SETTINGS)
    assert "Set your location" not in client.get("/").content.decode()


# --- admin: staff with TOTP only --------------------------------------------------------------


def test_staff_without_mfa_is_refused_admin(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert "Two-factor authentication required" in response.content.decode()


def test_staff_with_totp_gets_into_admin_and_can_search(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    UserFactory(username="findme")
    response = client.get("/admin/accounts/user/", {"q": "findme"})
    assert response.status_code == 200
    assert "findme" in response.content.decode()
    response = client.get("/admin/accounts/userreputation/", {"q": "findme"})
    assert response.status_code == 200
    assert "findme" in response.content.decode()
    found = User.objects.get(username="findme")
    assert client.get(f"/admin/accounts/user/{found.pk}/change/").status_code == 200
    assert client.get(f"/admin/accounts/userreputation/{found.reputation.pk}/change/").status_code == 200


def test_non_staff_are_refused_admin(client, alice):
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


def test_anonymous_admin_goes_to_allauth_login(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))


# --- allauth pages and rate limits ------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
    ],
)
def test_signed_out_allauth_pages_render_in_bazaar_style(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert 'class="auth-title"' in response.content.decode()


@pytest.mark.parametrize(
    "name", ["account_logout", "account_reauthenticate", "account_email", "account_change_password"]
)
def test_signed_in_allauth_pages_render_in_bazaar_style(client, alice, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert 'class="auth-title"' in response.content.decode()


def test_failed_logins_are_rate_limited_through_the_cache(client):
    UserFactory(email="victim@example.com")
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": "victim@example.com", "password": "wrong"})
        assert "Too many failed login attempts" not in response.content.decode()
    # The sixth try is refused, and so is the right password while the limit holds.
    response = client.post(
        reverse("account_login"), {"login": "victim@example.com", "password": "correct-horse-battery-staple"}
    )
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_settings_page_query_count_does_not_grow_with_tokens(client, alice, django_assert_max_num_queries):
    for index in range(5):
        api_token_create(user=alice, name=f"token {index}", expires_in_days=30)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("accounts:settings"))
    assert response.content.decode().count("Revoke<span") == 5


def test_verification_email_speaks_as_bazaar(client):
    client.post(
        reverse("account_signup"),
        {
            "email": "mail@example.com",
            "username": "mailer",
            "password1": "tr4de-fair-and-square",
            "password2": "tr4de-fair-and-square",
        },
    )
    message = mail.outbox[0]
    assert message.subject == "[Bazaar] Please Confirm Your Email Address"
    assert message.body.startswith("Hello from Bazaar!")
    assert "example.com" not in message.body.replace("mail@example.com", "")
    assert "/accounts/confirm-email/" in message.body


def test_admin_actions_go_through_services(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    owner = UserFactory()
    token, _ = api_token_create(user=owner, name="leaked", expires_in_days=None)
    response = client.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert "Revoked 1 token(s)." in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None

    reputation = UserReputation.objects.get(user=owner)
    response = client.post(
        "/admin/accounts/userreputation/", {"action": "recompute", "_selected_action": [reputation.pk]}, follow=True
    )
    assert "Recomputed 1 reputation(s)." in response.content.decode()
    assert UserReputation.objects.get(user=owner).reputation_score == Decimal("10.00")
