from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.http import Http404
from django.utils import timezone

from accounts.authentication import hash_token
from accounts.enums import ReputationTier
from accounts.models import ApiToken, User, UserReputation
from accounts.services import (
    MAX_ACTIVE_API_TOKENS,
    api_token_create,
    api_token_revoke,
    months_inactive,
    reputation_get,
    reputation_recompute,
    reputation_recompute_all,
    reputation_update,
    user_create,
    user_update_settings,
)
from accounts.tasks import recompute_all_reputations
from accounts.tests.factories import UserFactory
from core.errors import DomainError

pytestmark = pytest.mark.django_db

SETTINGS = {
    "username": "alice",
    "country": "",
    "postal_code": "",
    "latitude": None,
    "longitude": None,
    "trade_radius_km": 50,
    "match_with_stores": False,
}


def settings_for(user, **changes):
    return {**SETTINGS, "username": user.username, **changes}


# --- users ------------------------------------------------------------------------------


def test_user_create_makes_user_and_reputation_row():
    user = user_create(email="new@example.com", username="newbie", password="a-long-password-1")
    assert user.check_password("a-long-password-1")
    reputation = UserReputation.objects.get(user=user)
    assert (reputation.reputation_score, reputation.reputation_tier) == (Decimal("0"), ReputationTier.NEW)


def test_user_create_is_all_or_nothing():
    user_create(email="taken@example.com", username="first", password=None)
    with pytest.raises(Exception):  # the unique email constraint
        user_create(email="taken@example.com", username="second", password=None)
    assert not User.objects.filter(username="second").exists()
    assert UserReputation.objects.count() == 1


def test_reputation_get_creates_missing_row_for_createsuperuser_users():
    admin = User.objects.create_superuser(username="root", email="root@example.com", password="x-very-long-pw")
    assert not UserReputation.objects.filter(user=admin).exists()
    reputation = reputation_get(user=admin)
    assert reputation.user_id == admin.pk
    assert reputation_get(user=admin).pk == reputation.pk


# --- settings ---------------------------------------------------------------------------


def test_zip_resolves_to_coordinates_offline():
    user = UserFactory()
    user_update_settings(user=user, **settings_for(user, postal_code="98101", trade_radius_km=25))
    user.refresh_from_db()
    assert (user.country, user.postal_code) == ("US", "98101")
    assert (user.latitude, user.longitude) == (Decimal("47.611400"), Decimal("-122.330500"))
    assert user.trade_radius_km == 25


def test_coordinates_entered_directly_are_kept():
    user = UserFactory(country="DE")
    user_update_settings(
        user=user, **settings_for(user, country="de", latitude="52.52", longitude="13.405", match_with_stores=True)
    )
    user.refresh_from_db()
    assert (user.country, user.latitude, user.longitude) == ("DE", Decimal("52.520000"), Decimal("13.405000"))
    assert user.match_with_stores is True


def test_same_zip_keeps_fine_tuned_coordinates_but_a_new_zip_wins():
    user = UserFactory()
    user_update_settings(user=user, **settings_for(user, postal_code="98101"))
    user_update_settings(user=user, **settings_for(user, postal_code="98101", latitude="47.6", longitude="-122.3"))
    user.refresh_from_db()
    assert (user.latitude, user.longitude) == (Decimal("47.600000"), Decimal("-122.300000"))
    user_update_settings(user=user, **settings_for(user, postal_code="10001", latitude="47.6", longitude="-122.3"))
    user.refresh_from_db()
    assert user.postal_code == "10001"
    assert user.latitude == Decimal("40.748400")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"postal_code": "00000"}, "postal_code", "We could not find the ZIP code 00000."),
        ({"postal_code": "ABCDE"}, "postal_code", "Enter a 5-digit US ZIP code, e.g. 98101."),
        ({"trade_radius_km": 0}, "trade_radius_km", "Trade radius must be between 1 and 500 km."),
        ({"trade_radius_km": 501}, "trade_radius_km", "Trade radius must be between 1 and 500 km."),
        ({"latitude": "91", "longitude": "0"}, "latitude", "Latitude must be between -90 and 90."),
        ({"latitude": "10"}, "latitude", "Enter both latitude and longitude, or neither."),
        ({"country": "USA"}, "country", "Use a two-letter country code, e.g. US."),
        ({"country": "DE", "postal_code": "10115"}, "latitude", None),
        ({"username": "taken_name"}, "username", "That username is taken."),
        ({"username": "TAKEN_NAME"}, "username", "That username is taken."),
        ({"username": "no spaces"}, "username", None),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_saved(changes, field, message):
    UserFactory(username="taken_name")
    user = UserFactory(username="alice")
    user_update_settings(user=user, **settings_for(user, postal_code="98101", trade_radius_km=30))
    before = User.objects.values().get(pk=user.pk)

    with pytest.raises(DomainError) as error:
        user_update_settings(user=user, **settings_for(user, match_with_stores=True, **changes))

    assert error.value.field == field
    if message:
        assert error.value.message == message
    assert User.objects.values().get(pk=user.pk) == before


def test_username_can_change_and_keep_its_own_name():
    user = UserFactory(username="alice")
    user_update_settings(user=user, **settings_for(user, username="alice"))
    user_update_settings(user=user, **settings_for(user, username="alice_trades"))
    assert User.objects.get(pk=user.pk).username == "alice_trades"


# --- API tokens -------------------------------------------------------------------------


def test_api_token_create_stores_only_a_hash():
    user = UserFactory()
    token, raw = api_token_create(user=user, name="spreadsheet", expires_in_days=None)
    prefix = token.prefix
    assert raw.startswith(f"bz_{prefix}_")
    assert len(raw.split("_", 2)[2]) >= 43  # 32 random bytes, base64url
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hash_token(raw)
    assert raw not in str(ApiToken.objects.values().get(pk=token.pk))
    assert stored.expires_at is None


def test_api_token_expiry_in_days():
    user = UserFactory()
    token, _ = api_token_create(user=user, name="ci", expires_in_days=30)
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)


@pytest.mark.parametrize(
    ("name", "days", "field"),
    [
        ("", None, "name"),
        ("   ", None, "name"),
        ("x" * 101, None, "name"),
        ("ok", 0, "expires_in_days"),
        ("ok", 366, "expires_in_days"),
    ],
)
def test_api_token_create_rejects_bad_input(name, days, field):
    user = UserFactory()
    with pytest.raises(DomainError) as error:
        api_token_create(user=user, name=name, expires_in_days=days)
    assert error.value.field == field
    assert ApiToken.objects.count() == 0


def test_api_token_names_are_unique_among_active_tokens():
    user = UserFactory()
    token, _ = api_token_create(user=user, name="bot", expires_in_days=None)
    with pytest.raises(DomainError, match="already have a token with that name"):
        api_token_create(user=user, name="bot", expires_in_days=None)
    api_token_revoke(user=user, token_id=token.pk)
    api_token_create(user=user, name="bot", expires_in_days=None)
    assert ApiToken.objects.filter(user=user, name="bot").count() == 2


def test_api_token_limit():
    user = UserFactory()
    for index in range(MAX_ACTIVE_API_TOKENS):
        api_token_create(user=user, name=f"t{index}", expires_in_days=None)
    with pytest.raises(DomainError, match="at most 20 active tokens"):
        api_token_create(user=user, name="one too many", expires_in_days=None)
    assert ApiToken.objects.filter(user=user).count() == MAX_ACTIVE_API_TOKENS


def test_api_token_revoke_is_idempotent_for_the_owner():
    user = UserFactory()
    token, _ = api_token_create(user=user, name="bot", expires_in_days=None)
    revoked = api_token_revoke(user=user, token_id=token.pk)
    assert revoked.revoked_at is not None
    with pytest.raises(Http404):  # revoked tokens are gone from the owner's view
        api_token_revoke(user=user, token_id=token.pk)


def test_another_users_token_cannot_be_revoked():
    owner, other = UserFactory(), UserFactory()
    token, _ = api_token_create(user=owner, name="bot", expires_in_days=None)
    with pytest.raises(Http404):
        api_token_revoke(user=other, token_id=token.pk)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


# --- reputation -------------------------------------------------------------------------


def test_reputation_update_sets_absolute_stats_and_recomputes():
    user = UserFactory()  # verified email: +10
    reputation = reputation_update(
        user=user,
        completed_trades=12,
        total_trade_value=Decimal("430.50"),
        review_count=4,
        review_average=Decimal("4.50"),
        signals_followed=10,
        signals_profitable=7,
        signals_authored_evaluated=8,
        author_hits=6,
        last_activity_at=timezone.now(),
    )
    # 110 trade + 80 review + 70 follow + 10 email
    assert reputation.reputation_score == Decimal("270.00")
    assert reputation.reputation_tier == ReputationTier.BRONZE
    stored = UserReputation.objects.get(user=user)
    assert (stored.reputation_score, stored.reputation_tier) == (Decimal("270.00"), ReputationTier.BRONZE)
    assert stored.total_trade_value == Decimal("430.50")
    assert stored.signal_accuracy_pct == Decimal("70.00")
    assert stored.author_accuracy_pct == Decimal("75.00")
    assert stored.computed_at is not None


def test_reputation_update_is_idempotent_with_absolute_values():
    user = UserFactory()
    first = reputation_update(user=user, completed_trades=10, last_activity_at=timezone.now())
    second = reputation_update(user=user, completed_trades=10)
    assert first.reputation_score == second.reputation_score == Decimal("110.00")


def test_reputation_update_crosses_tier_boundary():
    user = UserFactory(verified_email=False)
    now = timezone.now()
    assert reputation_update(user=user, completed_trades=9, last_activity_at=now).reputation_tier == ReputationTier.NEW
    reputation = reputation_update(user=user, completed_trades=10)
    assert (reputation.reputation_score, reputation.reputation_tier) == (Decimal("100.00"), ReputationTier.BRONZE)


def test_reputation_update_penalties_persist():
    user = UserFactory()
    reputation = reputation_update(
        user=user,
        completed_trades=10,
        cancelled_trades=1,
        disputes_involved=2,
        disputes_lost=1,
        last_activity_at=timezone.now(),
    )
    assert reputation.reputation_score == Decimal("40.00")  # 100 - 20 - 50 + 10
    assert UserReputation.objects.get(user=user).disputes_involved == 2


def test_reputation_update_rejects_unknown_fields():
    user = UserFactory()
    with pytest.raises(TypeError, match="reputation_score"):
        reputation_update(user=user, reputation_score=Decimal("9999"))
    assert UserReputation.objects.get(user=user).reputation_score == Decimal("0")


def test_reputation_update_works_without_a_row():
    admin = User.objects.create_superuser(username="root", email="root@example.com", password="x-very-long-pw")
    assert reputation_update(user=admin, completed_trades=1).reputation_score == Decimal("10.00")


@pytest.mark.parametrize(("days", "months"), [(0, 0), (29, 0), (30, 1), (59, 1), (60, 2), (400, 13)])
def test_months_inactive_counts_whole_30_day_periods(days, months):
    now = timezone.now()
    assert months_inactive(last_activity_at=now - timedelta(days=days), joined_at=now, now=now) == months


def test_months_inactive_falls_back_to_date_joined():
    now = timezone.now()
    assert months_inactive(last_activity_at=None, joined_at=now - timedelta(days=65), now=now) == 2


def test_reputation_recompute_applies_decay():
    user = UserFactory()
    reputation_update(user=user, completed_trades=10, last_activity_at=timezone.now())
    UserReputation.objects.filter(user=user).update(last_activity_at=timezone.now() - timedelta(days=61))
    reputation = reputation_recompute(user=user)
    assert reputation.reputation_score == Decimal("99.28")  # 110 x 0.95²  = 99.275 → 99.28
    assert reputation.reputation_tier == ReputationTier.NEW
    assert UserReputation.objects.get(user=user).reputation_score == Decimal("99.28")


def test_reputation_recompute_decay_floor():
    user = UserFactory()
    reputation_update(user=user, completed_trades=10, last_activity_at=timezone.now() - timedelta(days=30 * 40))
    assert UserReputation.objects.get(user=user).reputation_score == Decimal("55.00")


def test_reputation_recompute_picks_up_email_verification():
    user = UserFactory(verified_email=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    assert reputation_recompute(user=user).reputation_score == Decimal("0.00")
    EmailAddress.objects.filter(user=user).update(verified=True)
    assert reputation_recompute(user=user).reputation_score == Decimal("10.00")


def test_reputation_recompute_twice_writes_once():
    user = UserFactory()
    first = reputation_recompute(user=user)
    stamp = UserReputation.objects.get(user=user).updated_at
    second = reputation_recompute(user=user)
    assert first.reputation_score == second.reputation_score == Decimal("10.00")
    assert UserReputation.objects.get(user=user).updated_at == stamp


def test_recompute_all_task_walks_every_user_in_batches_and_is_idempotent():
    decaying = UserFactory()
    reputation_update(user=decaying, completed_trades=10, last_activity_at=timezone.now())
    UserReputation.objects.filter(user=decaying).update(last_activity_at=timezone.now() - timedelta(days=31))
    fresh = [UserFactory() for _ in range(4)]
    orphan = User.objects.create_user(username="orphan", email="orphan@example.com", password=None)

    changed = reputation_recompute_all(batch_size=2)

    assert changed == 6  # decaying + 4 fresh (0 → 10 for email) + orphan (new row)
    assert UserReputation.objects.get(user=decaying).reputation_score == Decimal("104.50")
    assert all(UserReputation.objects.get(user=u).reputation_score == Decimal("10.00") for u in fresh)
    assert UserReputation.objects.get(user=orphan).reputation_score == Decimal("0.00")
    assert recompute_all_reputations.delay().get() == 0  # eager Celery: a second pass changes nothing


def test_recompute_all_reads_each_quiet_batch_in_constant_queries(django_assert_num_queries):
    for _ in range(6):
        reputation_recompute(user=UserFactory())
    with django_assert_num_queries(2 * 3 + 1):  # 3 batches of 2 (users, verified emails) + the empty last batch
        assert reputation_recompute_all(batch_size=2) == 0
