"""Every write in accounts: users, settings, API tokens and reputation."""

import re
import secrets
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

import zipcodes
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import DomainError
from core.sqlarrays import ids_in, pg_array

from .authentication import hash_token
from .enums import TokenScope
from .models import MAX_TRADE_RADIUS_KM, ApiToken, User, UserReputation
from .reputation import reputation_score, tier_for_score
from .selectors import access_api_token

MAX_ACTIVE_API_TOKENS = 20
MAX_API_TOKEN_DAYS = 365
US_ZIP_PATTERN = re.compile(r"^\d{5}(-\d{4})?$")
COORDINATE_STEP = Decimal("0.000001")

# ----------------------------------------------------------------------------------------
# Users


@transaction.atomic
def user_create(
    *,
    email: str,
    username: str,
    password: str | None,
    is_staff: bool = False,
    is_superuser: bool = False,
    **fields,
) -> User:
    """A user and their reputation row, together or not at all.

    Used by the allauth adapter on signup, by seeds and tests. Users made any other way
    (createsuperuser) get their reputation row lazily through `reputation_get`.
    """
    user = User(email=email, username=username, is_staff=is_staff, is_superuser=is_superuser, **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    UserReputation.objects.create(user=user)
    return user


def _clean_username(*, user: User, username: str) -> str:
    username = username.strip()
    if not username:
        raise DomainError("Choose a username.", field="username")
    if len(username) < settings.ACCOUNT_USERNAME_MIN_LENGTH:
        raise DomainError(
            f"Usernames have at least {settings.ACCOUNT_USERNAME_MIN_LENGTH} characters.", field="username"
        )
    if len(username) > User._meta.get_field("username").max_length:
        raise DomainError("That username is too long.", field="username")
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="username") from exc
    if User.objects.filter(username__iexact=username).exclude(pk=user.pk).exists():
        raise DomainError("That username is taken.", field="username")
    return username


def zip_to_coordinates(postal_code: str) -> tuple[Decimal, Decimal]:
    """US ZIP → (latitude, longitude) from the offline `zipcodes` database."""
    code = postal_code.strip()
    if not US_ZIP_PATTERN.match(code):
        raise DomainError("Enter a 5-digit US ZIP code, e.g. 98101.", field="postal_code")
    matches = zipcodes.matching(code[:5])
    if not matches:
        raise DomainError(f"We could not find the ZIP code {code}.", field="postal_code")
    match = matches[0]
    return (
        Decimal(match["lat"]).quantize(COORDINATE_STEP),
        Decimal(match["long"]).quantize(COORDINATE_STEP),
    )


def _coordinate(value, *, field: str, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(COORDINATE_STEP)
    except InvalidOperation as exc:
        raise DomainError(f"Enter a number for {field}.", field=field) from exc
    if not -limit <= number <= limit:
        raise DomainError(f"{field.capitalize()} must be between -{limit} and {limit}.", field=field)
    return number


@transaction.atomic
def user_update_settings(
    *,
    user: User,
    username: str,
    country: str,
    postal_code: str,
    latitude: Decimal | str | None,
    longitude: Decimal | str | None,
    trade_radius_km: int,
    match_with_stores: bool,
    shipping_address: str | None = None,
) -> User:
    """Profile, location and trading preferences, validated as a whole: all saved or none.

    Location: a US ZIP resolves offline to coordinates when it is new (or no coordinates
    are given); coordinates typed in or taken from the browser are kept as given. Outside
    the US we cannot look postal codes up, so coordinates are required with them.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    username = _clean_username(user=locked, username=username)
    country = (country or "").strip().upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise DomainError("Use a two-letter country code, e.g. US.", field="country")
    postal_code = (postal_code or "").strip().upper()
    if not isinstance(trade_radius_km, int) or not 1 <= trade_radius_km <= MAX_TRADE_RADIUS_KM:
        raise DomainError(f"Trade radius must be between 1 and {MAX_TRADE_RADIUS_KM} km.", field="trade_radius_km")
    lat = _coordinate(latitude, field="latitude", limit=90)
    lng = _coordinate(longitude, field="longitude", limit=180)
    if (lat is None) != (lng is None):
        raise DomainError("Enter both latitude and longitude, or neither.", field="latitude")

    if postal_code and country in ("", "US"):
        zip_lat, zip_lng = zip_to_coordinates(postal_code)
        country = "US"
        if lat is None or postal_code != locked.postal_code:
            lat, lng = zip_lat, zip_lng
    elif postal_code and lat is None:
        raise DomainError(
            "We can only look up US ZIP codes; enter latitude and longitude for this postal code.",
            field="latitude",
        )

    locked.username = username
    locked.country = country
    locked.postal_code = postal_code
    locked.latitude = lat
    locked.longitude = lng
    locked.trade_radius_km = trade_radius_km
    locked.match_with_stores = bool(match_with_stores)
    if shipping_address is not None:
        locked.shipping_address = shipping_address.strip()[:500]
    try:
        with transaction.atomic():
            locked.save(
                update_fields=[
                    "username",
                    "country",
                    "postal_code",
                    "latitude",
                    "longitude",
                    "trade_radius_km",
                    "match_with_stores",
                    "shipping_address",
                ]
            )
    except IntegrityError as exc:  # a concurrent signup took the username
        raise DomainError("That username is taken.", field="username") from exc
    return locked


# ----------------------------------------------------------------------------------------
# API tokens


@transaction.atomic
def api_token_create(
    *, user: User, name: str, expires_in_days: int | None, scope: str = TokenScope.FULL
) -> tuple[ApiToken, str]:
    """A named token `bz_<prefix>_<secret>`; returns the raw value, which is never stored.

    The secret is 256 random bits, so SHA-256 of the whole token is enough to store it.
    """
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the token a name, e.g. the script that will use it.", field="name")
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise DomainError("That name is too long (100 characters at most).", field="name")
    if scope not in TokenScope.values:
        raise DomainError("Choose the token's access.", field="scope")
    if scope == TokenScope.STORE_INVENTORY and not hasattr(user, "store_profile"):
        raise DomainError("Store inventory tokens are for store owners; register your store first.", field="scope")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_API_TOKEN_DAYS:
        raise DomainError(f"Expiry must be between 1 and {MAX_API_TOKEN_DAYS} days.", field="expires_in_days")
    # Lock the user row so two concurrent creates cannot both pass the limit check.
    User.objects.select_for_update().filter(pk=user.pk).first()
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if active.filter(name=name).exists():
        raise DomainError("You already have a token with that name.", field="name")
    if active.count() >= MAX_ACTIVE_API_TOKENS:
        raise DomainError(f"You can have at most {MAX_ACTIVE_API_TOKENS} active tokens; revoke one first.")
    prefix = secrets.token_hex(6)
    raw = f"{settings.API_TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=hash_token(raw), expires_at=expires_at, scope=scope
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's tokens (someone else's: 404). Revoking twice is a no-op."""
    token = access_api_token(user=user, pk=token_id, queryset=ApiToken.objects.select_for_update())
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


# ----------------------------------------------------------------------------------------
# Reputation: the formula lives in accounts.reputation; these keep the row in step with it.

REPUTATION_STAT_FIELDS = frozenset(
    {
        "completed_trades",
        "cancelled_trades",
        "total_trade_value",
        "review_count",
        "review_average",
        "signals_followed",
        "signals_profitable",
        "signal_accuracy_pct",
        "signals_authored_evaluated",
        "author_hits",
        "author_accuracy_pct",
        "disputes_involved",
        "disputes_lost",
        "last_activity_at",
    }
)
HUNDRED = Decimal(100)


def reputation_get(*, user: User) -> UserReputation:
    """The user's reputation row, created if missing (users made by createsuperuser)."""
    reputation, _ = UserReputation.objects.get_or_create(user=user)
    return reputation


def _lock_reputation(user: User) -> UserReputation:
    reputation_get(user=user)
    return UserReputation.objects.select_for_update().select_related("user").get(user=user)


def months_inactive(*, last_activity_at: datetime | None, joined_at: datetime, now: datetime) -> int:
    """Whole 30-day periods since the last activity (or since joining)."""
    reference = last_activity_at or joined_at
    days = max(0, (now - reference).days)
    return days // settings.REPUTATION_INACTIVITY_DAYS_PER_MONTH


def _percentage(part: int, whole: int) -> Decimal:
    if whole <= 0:
        return Decimal(0)
    return (Decimal(part) / Decimal(whole) * HUNDRED).quantize(Decimal("0.01"))


def _compute(
    reputation, *, email_verified: bool, now: datetime, joined_at: datetime | None = None
) -> tuple[Decimal, str]:
    """Score and tier of a reputation row (a model instance, or any object with its fields)."""
    score = reputation_score(
        completed_trades=reputation.completed_trades,
        cancelled_trades=reputation.cancelled_trades,
        review_count=reputation.review_count,
        review_average=reputation.review_average,
        signals_followed=reputation.signals_followed,
        signals_profitable=reputation.signals_profitable,
        disputes_lost=reputation.disputes_lost,
        email_verified=email_verified,
        months_inactive=months_inactive(
            last_activity_at=reputation.last_activity_at,
            joined_at=joined_at or reputation.user.date_joined,
            now=now,
        ),
    )
    return score, tier_for_score(score)


def _email_verified(user: User) -> bool:
    return EmailAddress.objects.filter(user=user, verified=True).exists()


@transaction.atomic
def reputation_update(*, user: User, **stats) -> UserReputation:
    """Set absolute stats (callers count from their own tables) and recompute score and tier.

    Absolute values rather than increments make the call idempotent: replaying an event
    stores the same numbers. The accuracy percentages follow from the counts unless given.
    """
    unknown = set(stats) - REPUTATION_STAT_FIELDS
    if unknown:
        raise TypeError(f"Unknown reputation fields: {', '.join(sorted(unknown))}")
    reputation = _lock_reputation(user)
    for field, value in stats.items():
        setattr(reputation, field, value)
    if "signal_accuracy_pct" not in stats:
        reputation.signal_accuracy_pct = _percentage(reputation.signals_profitable, reputation.signals_followed)
    if "author_accuracy_pct" not in stats:
        reputation.author_accuracy_pct = _percentage(reputation.author_hits, reputation.signals_authored_evaluated)
    now = timezone.now()
    reputation.reputation_score, reputation.reputation_tier = _compute(
        reputation, email_verified=_email_verified(user), now=now
    )
    reputation.computed_at = now
    derived = ["signal_accuracy_pct", "author_accuracy_pct", "reputation_score", "reputation_tier", "computed_at"]
    reputation.save(update_fields=sorted({*stats, *derived, "updated_at"}))
    return reputation


@transaction.atomic
def reputation_recompute(*, user: User) -> UserReputation:
    """Recompute score and tier from the stored stats (inactivity decay, email verification).

    Writes only when the score or tier moved, so the nightly pass over every user is cheap
    and running it twice changes nothing.
    """
    reputation = _lock_reputation(user)
    now = timezone.now()
    score, tier = _compute(reputation, email_verified=_email_verified(user), now=now)
    if score != reputation.reputation_score or tier != reputation.reputation_tier or reputation.computed_at is None:
        reputation.reputation_score = score
        reputation.reputation_tier = tier
        reputation.computed_at = now
        reputation.save(update_fields=["reputation_score", "reputation_tier", "computed_at", "updated_at"])
    return reputation


def reputation_recompute_all(*, batch_size: int = 500) -> int:
    """Walk every active user by id in batches; returns how many rows were rewritten.

    Each batch is read in two queries and scored in memory; only rows whose score or tier
    would move (or that were never computed, or are missing) go through the locking
    `reputation_recompute`, so a quiet night touches almost nothing.
    """
    changed = 0
    last_id = 0
    now = timezone.now()
    while True:
        users = list(
            User.objects.filter(pk__gt=last_id, is_active=True).select_related("reputation").order_by("pk")[:batch_size]
        )
        if not users:
            return changed
        verified = set(
            EmailAddress.objects.filter(user__in=users, verified=True).values_list("user_id", flat=True).distinct()
        )
        for user in users:
            reputation = getattr(user, "reputation", None)
            if reputation is not None and reputation.computed_at is not None:
                expected = _compute(reputation, email_verified=user.pk in verified, now=now)
                if expected == (reputation.reputation_score, reputation.reputation_tier):
                    continue
            reputation_recompute(user=user)
            changed += 1
        last_id = users[-1].pk


# What the batch path reads of each locked row: the formula's inputs and every stat it may rewrite.
_MANY_READ_FIELDS = (
    "completed_trades",
    "cancelled_trades",
    "review_count",
    "review_average",
    "signals_followed",
    "signals_profitable",
    "signals_authored_evaluated",
    "author_hits",
    "disputes_lost",
    "last_activity_at",
)


def reputation_update_many(*, user_ids, stats_for, batch_size: int = 2000) -> int:
    """`reputation_update` for many users at once (a nightly evaluation touches tens of thousands).

    Per batch, in one transaction: lock the rows in user-id order (creating missing ones
    first), then call `stats_for(user_ids) -> {user_id: {field: absolute value}}` so the stats
    are read under the lock (a concurrent event cannot slip between read and write), recompute
    score and tier with the same formula, and write the batch in one statement. Rows are read
    as plain values (no model instances). Returns rows written.
    """
    ordered = sorted(set(user_ids))
    written = 0
    for start in range(0, len(ordered), batch_size):
        batch = ordered[start : start + batch_size]
        with transaction.atomic():
            rows = _reputations_lock(batch)
            if len(rows) < len(batch):
                present = {row.user_id for row in rows}
                UserReputation.objects.bulk_create(
                    [UserReputation(user_id=user_id) for user_id in batch if user_id not in present],
                    ignore_conflicts=True,
                )
                rows = _reputations_lock(batch)
            stats = stats_for([row.user_id for row in rows])
            verified = set(
                EmailAddress.objects.filter(user_id__in=ids_in(batch), verified=True).values_list("user_id", flat=True)
            )
            now = timezone.now()
            fields: set[str] = set()
            for row in rows:
                values = stats.get(row.user_id, {})
                unknown = set(values) - REPUTATION_STAT_FIELDS
                if unknown:
                    raise TypeError(f"Unknown reputation fields: {', '.join(sorted(unknown))}")
                fields |= set(values)
                for field, value in values.items():
                    setattr(row, field, value)
                if "signal_accuracy_pct" not in values:
                    row.signal_accuracy_pct = _percentage(row.signals_profitable, row.signals_followed)
                if "author_accuracy_pct" not in values:
                    row.author_accuracy_pct = _percentage(row.author_hits, row.signals_authored_evaluated)
                row.reputation_score, row.reputation_tier = _compute(
                    row, email_verified=row.user_id in verified, now=now, joined_at=row.joined_at
                )
            derived = {"signal_accuracy_pct", "author_accuracy_pct", "reputation_score", "reputation_tier"}
            _reputations_write(rows, sorted(fields | derived), now=now)
            written += len(rows)
    return written


def _reputations_lock(user_ids: list[int]) -> list[SimpleNamespace]:
    """Lock these users' reputation rows (user-id order) and read them as plain values."""
    from django.db.models import F

    rows = (
        UserReputation.objects.select_for_update(of=("self",))
        .filter(user_id__in=ids_in(user_ids))
        .order_by("user_id")
        .values("pk", "user_id", *_MANY_READ_FIELDS, joined_at=F("user__date_joined"))
    )
    return [SimpleNamespace(**row) for row in rows]


def _reputations_write(rows: list[SimpleNamespace], fields: list[str], *, now: datetime) -> None:
    """One UPDATE for the batch: FROM unnest(arrays) on PostgreSQL, `computed_at`/`updated_at` one
    bound value (Django's bulk_update builds a CASE per field whose cost grows with rows x rows:
    1.7 s for 500 rows here); bulk_update elsewhere."""
    from django.db import connection

    if not rows:
        return
    if connection.vendor != "postgresql":
        reputations = [UserReputation(pk=row.pk, computed_at=now, updated_at=now) for row in rows]
        for reputation, row in zip(reputations, rows, strict=True):
            for field in fields:
                setattr(reputation, field, getattr(row, field))
        UserReputation.objects.bulk_update(reputations, [*fields, "computed_at", "updated_at"], batch_size=100)
        return
    model_fields = [UserReputation._meta.get_field(name) for name in fields]
    columns = [field.column for field in model_fields]
    casts = ", ".join(f"%s::{field.db_type(connection)}[]" for field in model_fields)
    assignments = ", ".join(f"{column} = v.{column}" for column in columns)
    table = UserReputation._meta.db_table
    # Only model column names are interpolated; every value is a bound parameter (one array literal
    # per column: core.sqlarrays).
    sql = (
        f"UPDATE {table} AS r SET {assignments}, computed_at = %s, updated_at = %s "  # noqa: S608
        f"FROM unnest(%s::bigint[], {casts}) AS v(id, {', '.join(columns)}) WHERE r.id = v.id"
    )
    params = [now, now, pg_array(row.pk for row in rows)]
    params += [pg_array(getattr(row, field.attname) for row in rows) for field in model_fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def site_sync(*, site_url: str | None = None) -> bool:
    """Point the Sites row (allauth's emails and pages name it) at SITE_URL; True if it changed.

    Called after every `migrate` and when the demo starts, so the domain follows the setting
    instead of whatever it was when the first migration ran.
    """
    from urllib.parse import urlparse

    from django.contrib.sites.models import SITE_CACHE, Site

    domain = urlparse(site_url or settings.SITE_URL).netloc or "localhost:8000"
    site, created = Site.objects.get_or_create(pk=settings.SITE_ID, defaults={"domain": domain, "name": "Bazaar"})
    if created or (site.domain, site.name) == (domain, "Bazaar"):
        return created
    site.domain, site.name = domain, "Bazaar"
    site.save(update_fields=["domain", "name"])
    SITE_CACHE.clear()
    return True
