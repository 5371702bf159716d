"""Registering a store and editing its profile."""

from __future__ import annotations

import re
import zoneinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.db import IntegrityError, transaction

from accounts.enums import AccountType
from accounts.models import User
from accounts.services import zip_to_coordinates
from core.errors import DomainError
from stores.enums import WEEKDAYS, StoreStatus
from stores.models import MAX_SERVICE_RADIUS_KM, LGSProfile, StoreStatusEvent

from .verification import transition

PROFILE_FIELDS = (
    "store_name",
    "store_address",
    "store_city",
    "store_state",
    "store_postal",
    "store_country",
    "store_phone",
    "store_website",
    "latitude",
    "longitude",
    "timezone",
    "service_radius_km",
    "offers_buylist",
    "offers_trades",
    "offers_events",
    "trade_in_bonus_pct",
    "hours",
    "auto_price_adjustment",
    "price_adjustment_pct",
)
TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
COORDINATE_STEP = Decimal("0.00000001")


class StoreExists(DomainError):
    status_code = 409
    code = "store_exists"


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> str:
    value = (value or "").strip()
    if value not in _timezones():
        raise DomainError("Choose a time zone from the list, e.g. America/Chicago.", field="timezone")
    return value


def validate_hours(hours) -> dict:
    """{"monday": {"open": "10:00", "close": "21:00"}, ...}; a day left out is closed.

    Closing must come after opening on the same day ("24:00" closes at midnight).
    """
    if hours in (None, ""):
        return {}
    if not isinstance(hours, dict):
        raise DomainError("Hours are a mapping of weekday to opening and closing time.", field="hours")
    cleaned = {}
    for day, span in hours.items():
        if day not in WEEKDAYS:
            raise DomainError(f"“{day}” is not a weekday (monday … sunday).", field="hours")
        if span in (None, {}, ""):
            continue
        if not isinstance(span, dict) or set(span) != {"open", "close"}:
            raise DomainError(f"{day.capitalize()}: give an opening and a closing time.", field="hours")
        opens, closes = str(span["open"]).strip(), str(span["close"]).strip()
        if not TIME_PATTERN.match(opens):
            raise DomainError(f"{day.capitalize()}: opening time must be HH:MM (24-hour), e.g. 10:00.", field="hours")
        if not (TIME_PATTERN.match(closes) or closes == "24:00"):
            raise DomainError(f"{day.capitalize()}: closing time must be HH:MM (24-hour), e.g. 21:00.", field="hours")
        if closes <= opens:
            raise DomainError(f"{day.capitalize()}: closing time must be after opening time.", field="hours")
        cleaned[day] = {"open": opens, "close": closes}
    return {day: cleaned[day] for day in WEEKDAYS if day in cleaned}


def _decimal(value, *, field: str, low: Decimal, high: Decimal, step: Decimal) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(step)
    except InvalidOperation:
        raise DomainError(f"Enter a number for {field.replace('_', ' ')}.", field=field) from None
    if not low <= number <= high:
        raise DomainError(f"{field.replace('_', ' ').capitalize()} must be between {low} and {high}.", field=field)
    return number


def _clean(data: dict, *, current: LGSProfile | None) -> dict:
    """Validate the profile fields present in `data`; fill the location from the ZIP if needed."""
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown field {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    cleaned = dict(data)
    for text_field in PROFILE_FIELDS[:8]:
        if text_field in cleaned:
            value = (cleaned[text_field] or "").strip()
            limit = LGSProfile._meta.get_field(text_field).max_length
            if limit and len(value) > limit:
                raise DomainError(f"At most {limit} characters.", field=text_field)
            cleaned[text_field] = value
    if "store_name" in cleaned and not cleaned["store_name"]:
        raise DomainError("Give the store's name.", field="store_name")
    if "store_country" in cleaned:
        cleaned["store_country"] = (cleaned["store_country"] or "US").upper()
        if not re.fullmatch(r"[A-Z]{2}", cleaned["store_country"]):
            raise DomainError("Use a two-letter country code, e.g. US.", field="store_country")
    if cleaned.get("store_website") and not re.match(r"^https?://[^\s/]+\.[^\s]+$", cleaned["store_website"]):
        raise DomainError("Enter the full web address, e.g. https://example.com.", field="store_website")
    if "timezone" in cleaned:
        cleaned["timezone"] = validate_timezone(cleaned["timezone"])
    if "hours" in cleaned:
        cleaned["hours"] = validate_hours(cleaned["hours"])
    if "service_radius_km" in cleaned:
        radius = cleaned["service_radius_km"]
        if not isinstance(radius, int) or isinstance(radius, bool) or not 1 <= radius <= MAX_SERVICE_RADIUS_KM:
            raise DomainError(f"Service radius is 1–{MAX_SERVICE_RADIUS_KM} km.", field="service_radius_km")
    for pct_field, low, high in (("trade_in_bonus_pct", 0, 100), ("price_adjustment_pct", -90, 200)):
        if pct_field in cleaned:
            value = _decimal(
                cleaned[pct_field], field=pct_field, low=Decimal(low), high=Decimal(high), step=Decimal("0.01")
            )
            cleaned[pct_field] = value if value is not None else Decimal("0")
    for flag in ("offers_buylist", "offers_trades", "offers_events", "auto_price_adjustment"):
        if flag in cleaned:
            cleaned[flag] = bool(cleaned[flag])
    latitude = _decimal(
        cleaned.get("latitude"), field="latitude", low=Decimal(-90), high=Decimal(90), step=COORDINATE_STEP
    )
    longitude = _decimal(
        cleaned.get("longitude"), field="longitude", low=Decimal(-180), high=Decimal(180), step=COORDINATE_STEP
    )
    if "latitude" in cleaned or "longitude" in cleaned:
        if (latitude is None) != (longitude is None):
            raise DomainError("Give both latitude and longitude, or neither.", field="latitude")
        cleaned["latitude"], cleaned["longitude"] = latitude, longitude
    postal = cleaned.get("store_postal", current.store_postal if current else "")
    country = cleaned.get("store_country", current.store_country if current else "US")
    postal_changed = current is None or ("store_postal" in cleaned and cleaned["store_postal"] != current.store_postal)
    coordinates_given = cleaned.get("latitude") is not None
    if postal and country == "US" and postal_changed and not coordinates_given:
        lat, lng = zip_to_coordinates(postal)
        cleaned["latitude"], cleaned["longitude"] = lat, lng
        if "store_postal" not in cleaned:
            cleaned["store_postal"] = postal
    final_lat = cleaned.get("latitude", current.latitude if current else None)
    if final_lat is None:
        raise DomainError(
            "Give the store's US ZIP code, or its latitude and longitude, so traders can find it.", field="store_postal"
        )
    return cleaned


@transaction.atomic
def store_register(*, user: User, data: dict) -> LGSProfile:
    """A trader becomes a business account with a store pending staff review."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    if LGSProfile.objects.filter(pk=user.pk).exists():
        raise StoreExists("You already have a store; edit it on your store dashboard.")
    missing = "store_name" not in data
    if missing:
        raise DomainError("Give the store's name.", field="store_name")
    cleaned = _clean(data, current=None)
    try:
        with transaction.atomic():
            store = LGSProfile.objects.create(user=user, status=StoreStatus.PENDING, **cleaned)
    except IntegrityError:
        raise StoreExists("You already have a store; edit it on your store dashboard.") from None
    StoreStatusEvent.objects.create(store=store, actor=user, to_status=StoreStatus.PENDING, note="Registered")
    user.account_type = AccountType.BUSINESS
    user.business_name = store.store_name[:200]
    user.save(update_fields=["account_type", "business_name"])
    return store


@transaction.atomic
def store_update(*, store: LGSProfile, acting_user: User, data: dict) -> LGSProfile:
    """Edit the profile. A rejected store's owner editing it resubmits it for review."""
    store = LGSProfile.objects.select_for_update().get(pk=store.pk)
    cleaned = _clean(data, current=store)
    changed = [name for name, value in cleaned.items() if getattr(store, name) != value]
    for name in changed:
        setattr(store, name, cleaned[name])
    if changed:
        store.save(update_fields=[*changed, "updated_at"])
    if "store_name" in changed:
        User.objects.filter(pk=store.pk).update(business_name=store.store_name[:200])
    if store.status == StoreStatus.REJECTED and acting_user.pk == store.pk:
        store = transition(store_id=store.pk, to_status=StoreStatus.PENDING, actor=acting_user, note="Resubmitted")
    return store
