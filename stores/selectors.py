"""Reads of the stores app: access checks, the finder, inventory lists, runs."""

from __future__ import annotations

import math
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Exists, FloatField, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import ASin, Cast, Cos, Least, Power, Radians, Sin, Sqrt
from django.http import Http404
from django.utils import timezone

from core.errors import DomainError

from .enums import WEEKDAYS, StoreStatus
from .models import MAX_SERVICE_RADIUS_KM, BuylistEntry, InventorySyncRun, LGSProfile, StoreInventoryItem

DEFAULT_FINDER_RADIUS_KM = 40
MAX_FINDER_RESULTS = 100
EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = 111.045


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


def access_matching_store(*, user, pk: int) -> LGSProfile:
    """A store's local matches are its owner's alone (not staff's): traders share lists with the store."""
    store = LGSProfile.objects.filter(pk=pk).first()
    if store is None or not user.is_authenticated or user.pk != store.pk:
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


def local_clock(tz_name: str, moment: datetime) -> tuple[str, str] | None:
    """(weekday, "HH:MM") at `moment` in the time zone, or None for an unknown zone."""
    try:
        local = moment.astimezone(zoneinfo.ZoneInfo(tz_name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return WEEKDAYS[local.weekday()], f"{local.hour:02d}:{local.minute:02d}"


def store_is_open(*, hours: dict, tz_name: str, now: datetime | None = None, clocks: dict | None = None) -> bool:
    """Open now, in the store's own time zone. `clocks` caches local time per zone across stores."""
    moment = now or timezone.now()
    if clocks is None:
        clock = local_clock(tz_name, moment)
    else:
        if tz_name not in clocks:
            clocks[tz_name] = local_clock(tz_name, moment)
        clock = clocks[tz_name]
    if clock is None:
        return False
    span = (hours or {}).get(clock[0])
    return bool(span) and span["open"] <= clock[1] < span["close"]


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


FINDER_FIELDS = (
    "user_id",
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
    "hours",
    "offers_buylist",
    "offers_trades",
    "offers_events",
    "trade_in_bonus_pct",
    "status",
    "created_at",
    "updated_at",
)


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
        # "Buys card X": the store's precomputed smart buylist pays something for it.
        stores = stores.filter(
            Exists(BuylistEntry.objects.filter(store=OuterRef("pk"), card_id=filters.buys)), offers_buylist=True
        )
    ordered = (
        stores.annotate(distance=_distance_km(lat, lng)).filter(distance__lte=radius_km).order_by("distance", "pk")
    )
    moment = now or timezone.now()
    clocks: dict = {}  # a search meets a handful of time zones: convert once per zone
    shown = LGSProfile.objects.select_related("user").only(*FINDER_FIELDS, "user__username")
    if not filters.open_now:
        # One query: PostgreSQL computes the distance of the few hundred stores in the box.
        stores_found = list(ordered.select_related("user").only(*FINDER_FIELDS, "user__username")[:MAX_FINDER_RESULTS])
        pairs = [(store.distance, store) for store in stores_found]
    else:
        # "Open now" depends on each store's time zone: read hours nearest first until 100 are open.
        chosen = []
        for pk, distance, tz_name, hours in ordered.values_list("pk", "distance", "timezone", "hours"):
            if store_is_open(hours=hours, tz_name=tz_name, now=moment, clocks=clocks):
                chosen.append((distance, pk))
                if len(chosen) == MAX_FINDER_RESULTS:
                    break
        by_pk = shown.in_bulk([pk for _, pk in chosen])
        pairs = [(distance, by_pk[pk]) for distance, pk in chosen]
    return [
        FoundStore(
            store=store,
            distance_km=round(distance, 1),
            is_open=store_is_open(hours=store.hours, tz_name=store.timezone, now=moment, clocks=clocks),
        )
        for distance, store in pairs
    ]


def _distance_km(lat: float, lng: float):
    """Great-circle (haversine) distance from (lat, lng) as a database expression, in km."""
    phi = Radians(Cast("latitude", FloatField()))
    lam = Radians(Cast("longitude", FloatField()))
    phi0, lam0 = math.radians(lat), math.radians(lng)
    half = Value(0.5)
    a = Power(Sin((phi - Value(phi0)) * half), 2) + Value(math.cos(phi0)) * Cos(phi) * Power(
        Sin((lam - Value(lam0)) * half), 2
    )
    return Value(2 * EARTH_RADIUS_KM) * ASin(Sqrt(Least(a, Value(1.0))))


def finder_card(*, card_id: int):
    """The card a "stocks X" / "buys X" search names (None if there is none)."""
    from cards.models import Card

    return Card.objects.filter(pk=card_id).only("pk", "name", "set_code", "collector_number").first()


# --- inventory -------------------------------------------------------------------------------


# By card name through the (store, card_name, card, id) index: a page is a range scan.
INVENTORY_ORDER = ("card_name", "card_id", "pk")


def inventory_public_list(*, store: LGSProfile, card_id: int | None = None, q: str = "") -> QuerySet:
    """What a store has on its shelf (quantity > 0), searchable by card name."""
    items = StoreInventoryItem.objects.filter(store=store, quantity__gt=0).select_related("card")
    if card_id:
        items = items.filter(card_id=card_id)
    q = (q or "").replace("\x00", "").strip()[:100]
    if q:
        items = items.filter(card_name__icontains=q)
    return items.order_by(*INVENTORY_ORDER)


@dataclass
class ShelfPage:
    """One page of a store's stock, without a COUNT(*) over the store's 100,000 rows."""

    object_list: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def shelf_page(items: QuerySet, *, page_number, per_page: int) -> ShelfPage:
    """Page `page_number` of `items` (ordered): the ids from the name index, then those rows with their cards.

    Taking the ids first keeps the OFFSET on the index alone (no join for the skipped rows);
    one row more than the page says whether a next page exists.
    """
    from core.pagination import page_number_from

    number = page_number_from(page_number)
    start = (number - 1) * per_page
    ids = list(items.values_list("pk", flat=True)[start : start + per_page + 1])
    rows = StoreInventoryItem.objects.select_related("card").in_bulk(ids[:per_page])
    return ShelfPage(object_list=[rows[pk] for pk in ids[:per_page]], number=number, has_next=len(ids) > per_page)


def with_market_prices(items) -> list:
    """The page's items with `market` (the card's current price of the item's finish, or None), one query.

    `market_live` marks the first row of each card and finish: it carries the live price span
    (its id is unique per page, so ticks swap it); later rows of the same card and finish follow
    it through static/js/live_prices.js (data-market-card / data-market-finish).
    """
    from cards.selectors import card_prices_current

    items = list(items)
    prices = card_prices_current(card_ids={item.card_id for item in items})
    seen = set()
    for item in items:
        key = (item.card_id, item.finish)
        item.market = prices.get(key)
        item.market_live = key not in seen
        seen.add(key)
    return items


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
    return Q(card_name__icontains=q) | Q(provider_sku=q) | Q(card__set_code__iexact=q)
