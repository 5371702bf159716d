"""Reads of the stores app: access checks, the finder, inventory lists, runs."""

from __future__ import annotations

import math
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from core.errors import DomainError

from .enums import WEEKDAYS, StoreStatus
from .models import MAX_SERVICE_RADIUS_KM, InventorySyncRun, LGSProfile, StoreInventoryItem

DEFAULT_FINDER_RADIUS_KM = 40
MAX_FINDER_RESULTS = 100
EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = 111.045
# Until the smart buylist (part 2) exists, "buys card X" means: the store runs a buylist and
# holds fewer than this many copies of the card (all conditions), the taper point part 2 uses
# as its default maximum per card.
BUYLIST_DEFAULT_MAX_QUANTITY = 8


# --- access ----------------------------------------------------------------------------------


def _is_owner_or_staff(user, store: LGSProfile) -> bool:
    return bool(user and user.is_authenticated and (user.pk == store.pk or user.is_staff))


def access_store(*, user, pk: int, queryset: QuerySet | None = None) -> LGSProfile:
    """A store the user may see: verified stores to all; pending and rejected to owner and staff."""
    store = (queryset if queryset is not None else LGSProfile.objects.all()).filter(pk=pk).first()
    if store is None or not (store.status == StoreStatus.VERIFIED or _is_owner_or_staff(user, store)):
        raise Http404("No such store.")
    return store


def access_owned_store(*, user, pk: int, queryset: QuerySet | None = None) -> LGSProfile:
    """A store the user may manage (owner or staff); everyone else gets 404, as if it did not exist."""
    store = (queryset if queryset is not None else LGSProfile.objects.all()).filter(pk=pk).first()
    if store is None or not _is_owner_or_staff(user, store):
        raise Http404("No such store.")
    return store


def access_dashboard_store(*, user, store_param: str | None = None) -> LGSProfile:
    """The dashboard's store: the owner's own; staff may open any store's with ?store=<id>."""
    if not user.is_authenticated:
        raise Http404("No store.")
    if store_param and user.is_staff:
        if not store_param.isdigit():
            raise Http404("No such store.")
        return access_owned_store(user=user, pk=int(store_param))
    store = LGSProfile.objects.filter(pk=user.pk).first()
    if store is None:
        raise Http404("You have no store.")
    return store


def access_sync_run(*, user, store_id: int, run_id: int) -> InventorySyncRun:
    store = access_owned_store(user=user, pk=store_id)
    run = InventorySyncRun.objects.filter(pk=run_id, store=store).first()
    if run is None:
        raise Http404("No such sync.")
    return run


def store_of_user(*, user) -> LGSProfile | None:
    if not user.is_authenticated:
        return None
    return LGSProfile.objects.filter(pk=user.pk).first()


# --- hours -----------------------------------------------------------------------------------


def store_is_open(*, hours: dict, tz_name: str, now: datetime | None = None) -> bool:
    """Open now, in the store's own time zone."""
    try:
        local = (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(tz_name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    span = (hours or {}).get(WEEKDAYS[local.weekday()])
    if not span:
        return False
    clock = local.strftime("%H:%M")
    return span["open"] <= clock < span["close"]


def hours_rows(*, hours: dict) -> list[dict]:
    return [
        {
            "day": day.capitalize(),
            "open": (hours or {}).get(day, {}).get("open"),
            "close": (hours or {}).get(day, {}).get("close"),
        }
        for day in WEEKDAYS
    ]


# --- finder ----------------------------------------------------------------------------------


def parse_radius(value) -> int:
    if value in (None, ""):
        return DEFAULT_FINDER_RADIUS_KM
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_SERVICE_RADIUS_KM:
        raise DomainError(f"radius_km is a whole number 1–{MAX_SERVICE_RADIUS_KM}.", field="radius_km")
    return int(text)


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class FinderFilters:
    buylist: bool = False
    trades: bool = False
    events: bool = False
    open_now: bool = False
    stocks: int | None = None
    buys: int | None = None


@dataclass
class FoundStore:
    store: LGSProfile
    distance_km: float
    is_open: bool
    wanted_in_stock: int = 0


def _bounding_box(lat: float, lng: float, radius_km: float) -> tuple[float, float, float, float]:
    dlat = radius_km / KM_PER_DEGREE
    cos_lat = max(0.01, math.cos(math.radians(lat)))
    dlng = min(180.0, radius_km / (KM_PER_DEGREE * cos_lat))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


def stores_near(
    *, lat: float, lng: float, radius_km: int, filters: FinderFilters, now: datetime | None = None
) -> list[FoundStore]:
    """Verified stores within `radius_km`, nearest first, at most 100.

    A bounding box on the (latitude, longitude) index narrows the rows; exact great-circle
    distance and "open now" (which depends on each store's time zone) are computed here.
    """
    south, north, west, east = _bounding_box(lat, lng, radius_km)
    stores = LGSProfile.objects.filter(
        status=StoreStatus.VERIFIED,
        latitude__gte=Decimal(str(round(south, 8))),
        latitude__lte=Decimal(str(round(north, 8))),
    )
    if west >= -180 and east <= 180:
        stores = stores.filter(longitude__gte=Decimal(str(round(west, 8))), longitude__lte=Decimal(str(round(east, 8))))
    if filters.buylist:
        stores = stores.filter(offers_buylist=True)
    if filters.trades:
        stores = stores.filter(offers_trades=True)
    if filters.events:
        stores = stores.filter(offers_events=True)
    if filters.stocks:
        stores = stores.filter(
            Exists(StoreInventoryItem.objects.filter(store=OuterRef("pk"), card_id=filters.stocks, quantity__gt=0))
        )
    if filters.buys:
        held = (
            StoreInventoryItem.objects.filter(store=OuterRef("pk"), card_id=filters.buys)
            .values("store")
            .annotate(total=Sum("quantity"))
            .values("total")
        )
        stores = (
            stores.filter(offers_buylist=True)
            .annotate(held=Coalesce(Subquery(held, output_field=IntegerField()), Value(0)))
            .filter(held__lt=BUYLIST_DEFAULT_MAX_QUANTITY)
        )
    stores = stores.only(
        "user_id",
        "store_name",
        "store_city",
        "store_state",
        "store_postal",
        "latitude",
        "longitude",
        "timezone",
        "hours",
        "offers_buylist",
        "offers_trades",
        "offers_events",
    )
    moment = now or timezone.now()
    found = []
    for store in stores:
        distance = haversine_km(lat, lng, float(store.latitude), float(store.longitude))
        if distance > radius_km:
            continue
        is_open = store_is_open(hours=store.hours, tz_name=store.timezone, now=moment)
        if filters.open_now and not is_open:
            continue
        found.append(FoundStore(store=store, distance_km=round(distance, 1), is_open=is_open))
    found.sort(key=lambda entry: (entry.distance_km, entry.store.pk))
    return found[:MAX_FINDER_RESULTS]


# --- inventory -------------------------------------------------------------------------------


def inventory_public_list(*, store: LGSProfile, card_id: int | None = None, q: str = "") -> QuerySet:
    """What a store has on its shelf (quantity > 0), searchable by card name."""
    items = StoreInventoryItem.objects.filter(store=store, quantity__gt=0).select_related("card")
    if card_id:
        items = items.filter(card_id=card_id)
    if q:
        items = items.filter(card__name__icontains=q.strip()[:100])
    return items.order_by("card__name", "card__set_code", "condition", "finish", "pk")


def inventory_dashboard_list(*, store: LGSProfile) -> QuerySet:
    return StoreInventoryItem.objects.filter(store=store).select_related("card")


def inventory_summary(*, store: LGSProfile) -> dict:
    from django.db.models import Count, DecimalField, ExpressionWrapper, F

    value = ExpressionWrapper(F("quantity") * F("price"), output_field=DecimalField(max_digits=16, decimal_places=2))
    totals = StoreInventoryItem.objects.filter(store=store, quantity__gt=0).aggregate(
        skus=Count("pk"), copies=Sum("quantity"), value=Sum(value)
    )
    return {
        "skus": totals["skus"] or 0,
        "copies": totals["copies"] or 0,
        "value": totals["value"] or Decimal("0.00"),
        "zero_skus": StoreInventoryItem.objects.filter(store=store, quantity=0).count(),
    }


def sync_runs_list(*, store: LGSProfile) -> QuerySet:
    return InventorySyncRun.objects.filter(store=store).order_by("-created_at", "-pk")


def active_sync_run(*, store: LGSProfile) -> InventorySyncRun | None:
    return InventorySyncRun.objects.filter(store=store, status__in=("queued", "running")).first()


def stores_pending_review() -> QuerySet:
    return LGSProfile.objects.filter(status=StoreStatus.PENDING).select_related("user")


def dashboard_panel(*, user) -> dict | None:
    """The signed-in home page's store panel: the owner's store status, or an invitation."""
    store = store_of_user(user=user)
    if store is None:
        return {"template": "stores/partials/_dashboard_panel.html", "store": None}
    return {"template": "stores/partials/_dashboard_panel.html", "store": store}


def store_q_filter(q: str) -> Q:
    return Q(card__name__icontains=q) | Q(provider_sku=q) | Q(card__set_code__iexact=q)
