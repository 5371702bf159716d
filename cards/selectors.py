"""Reads of the card catalog and market prices. Query counts do not grow with the rows shown."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.pagination import MAX_PAGE_NUMBER

from .enums import Finish, Rarity
from .models import Card, CardPrice, PriceSnapshot
from .name_index import WORD as NAME_WORD
from .name_index import name_index, name_words

AUTOCOMPLETE_LIMIT = 10
SEARCH_LIMIT_MAX = 200
MOVERS_WINDOWS = ("24h", "7d")
CHART_RANGES = {"7d": 7, "30d": 30, "180d": 180}
MOVERS_DEFAULT_MIN_PRICE = Decimal("1.00")


def _uses_trigram() -> bool:
    """Typo-tolerant search needs pg_trgm (created by migration 0002 on PostgreSQL only)."""
    return connection.vendor == "postgresql"


def _prefetch_current_prices() -> Prefetch:
    return Prefetch("current_prices", queryset=CardPrice.objects.order_by("finish"))


def tradable_cards() -> QuerySet[Card]:
    """The printings one can trade: not digital-only, not a token, emblem, art card or similar.

    The one filter every card picker, autocomplete, search, the cards API list, list imports
    and matching use (docs/decisions/0030). Other printings stay in the catalog with their
    price history, and their card page (`card_get`) still works.
    """
    return Card.objects.filter(tradable=True)


def card_search_queryset(
    *,
    query: str = "",
    set_code: str | None = None,
    rarity: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
) -> QuerySet[Card]:
    """All printings matching the filters, exact name first, then names starting with the query, current
    prices prefetched.

    A name matches if it contains every word of the query. A word no card name contains is
    replaced by the catalog words one edit away (a letter dropped, added, changed, or two
    swapped: "crimon drkae" finds Crimson Drake), from this process's in-memory index of name
    words (cards/name_index.py; docs/decisions/0020). A word with no such neighbour falls back
    to pg_trgm word similarity on PostgreSQL (served by the GIN trigram index on UPPER(name))
    and to the closest catalog word by difflib on SQLite (the embedded demo).
    A price filter matches a card if any finish's current price is in range.
    Only tradable printings (`tradable_cards`).
    """
    cards = tradable_cards()
    query = " ".join((query or "").split())
    cards = _name_matches(cards, query) if query else cards.order_by("name", "set_code", "collector_number")
    if set_code:
        cards = cards.filter(set_code=set_code.lower())
    if rarity:
        cards = cards.filter(rarity=rarity)
    if min_price is not None or max_price is not None:
        in_range = CardPrice.objects.filter(card=OuterRef("pk"))
        if min_price is not None:
            in_range = in_range.filter(price__gte=min_price)
        if max_price is not None:
            in_range = in_range.filter(price__lte=max_price)
        cards = cards.filter(Exists(in_range))
    return cards.prefetch_related(_prefetch_current_prices())


def _name_matches(cards: QuerySet[Card], query: str) -> QuerySet[Card]:
    words = name_words(query)
    index = name_index() if words else None
    alternatives: dict[str, list[str]] = {}
    unmatched = []
    for position, word in enumerate(words):
        if word in alternatives or word in unmatched:
            continue
        if index.known(word):
            alternatives[word] = [word]
            # A fragment of a catalog word before the last query word (the one being typed) may be
            # a typo of a short word ("Drake ol the Vale"): also accept its corrections.
            if position < len(words) - 1 and word not in index.frequency:
                alternatives[word] += index.corrections(word)
        elif fixes := index.corrections(word):
            alternatives[word] = fixes
        else:
            unmatched.append(word)
    # The query as typed with each corrected word replaced by its likeliest correction.
    corrected = NAME_WORD.sub(lambda m: alternatives.get(m.group(0).lower(), [m.group(0)])[0], query)
    ranking = {
        "is_exact": Q(name__iexact=corrected) | Q(name__iexact=query),
        "is_prefix": Q(name__istartswith=corrected),
    }
    if not words:  # punctuation only
        return (
            cards.filter(name__icontains=query)
            .annotate(**ranking)
            .order_by("-is_exact", "name", "set_code", "collector_number")
        )
    for fixes in alternatives.values():
        either = Q()
        for fix in fixes:
            either |= Q(name__icontains=fix)
        cards = cards.filter(either)
    if not unmatched:
        return cards.annotate(**ranking).order_by("-is_exact", "-is_prefix", "name", "set_code", "collector_number")
    if _uses_trigram():
        from django.contrib.postgres.lookups import TrigramWordSimilar
        from django.contrib.postgres.search import TrigramWordSimilarity
        from django.db.models.functions import Upper

        # Both predicates work on UPPER(name) so one trigram index serves them (trigrams are
        # case-insensitive, so word similarity is unchanged); see cards/0006.
        upper_name = Upper("name")
        rest = " ".join(unmatched)
        cards = cards.filter(TrigramWordSimilar(upper_name, rest))
        return cards.annotate(**ranking, similarity=TrigramWordSimilarity(rest, upper_name)).order_by(
            "-is_exact", "-is_prefix", "-similarity", "name", "set_code", "collector_number"
        )
    for word in _spelled_like_the_catalog(unmatched, index):
        cards = cards.filter(name__icontains=word)
    return cards.annotate(**ranking).order_by("-is_exact", "-is_prefix", "name", "set_code", "collector_number")


def _spelled_like_the_catalog(words: list[str], index) -> list[str]:
    """Without trigrams (SQLite demo), words more than one edit from every catalog word: the closest by difflib."""
    import difflib

    vocabulary = sorted(index.frequency)
    fixed = []
    for word in words:
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.7)
        fixed.append(close[0] if close else word)
    return fixed


def card_search(
    *,
    query: str,
    set_code: str | None = None,
    rarity: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    limit: int = 50,
) -> list[Card]:
    """Up to `limit` cards for a search box or picker; each has `current_prices` prefetched (2 queries)."""
    limit = max(1, min(limit, SEARCH_LIMIT_MAX))
    return list(
        card_search_queryset(query=query, set_code=set_code, rarity=rarity, min_price=min_price, max_price=max_price)[
            :limit
        ]
    )


@dataclass(frozen=True)
class Page:
    """One page of results without COUNT(*): we fetch one extra row to know if there is a next page."""

    items: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def paginate_without_count(queryset: QuerySet, *, page: int, per_page: int) -> Page:
    page = max(1, min(page, MAX_PAGE_NUMBER))  # callers validate; this keeps OFFSET in range regardless
    start = (page - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return Page(items=rows[:per_page], number=page, has_next=len(rows) > per_page)


class CardRow(NamedTuple):
    """A card as a results table shows it: plain values, no model instance."""

    id: int
    name: str
    set_code: str
    collector_number: str
    rarity: str
    is_reserved: bool
    prices: dict  # finish → (price, currency), current market prices


CARD_ROW_FIELDS = ("id", "name", "set_code", "collector_number", "rarity", "is_reserved")


def _current_price_tuples(card_ids: list[int]) -> list[tuple]:
    """(card_id, finish, price, currency) of these cards' current prices: one indexed query, no ORM compile
    on PostgreSQL (a hot path: every search page)."""
    if not card_ids:
        return []
    if connection.vendor != "postgresql":
        return list(
            CardPrice.objects.filter(card_id__in=card_ids).values_list("card_id", "finish", "price", "currency")
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT card_id, finish, price, currency FROM {CardPrice._meta.db_table} WHERE card_id = ANY(%s)",  # noqa: S608 -- a model's table name
            [card_ids],
        )
        return cursor.fetchall()


def card_rows_page(cards: QuerySet[Card], *, page: int, per_page: int) -> Page:
    """A page of `cards` (e.g. card_search_queryset) as CardRows: two queries, tuples, no model instances."""
    found = paginate_without_count(
        cards.prefetch_related(None).values_list(*CARD_ROW_FIELDS), page=page, per_page=per_page
    )
    prices: dict[int, dict] = {}
    for card_id, finish, price, currency in _current_price_tuples([row[0] for row in found.items]):
        prices.setdefault(card_id, {})[finish] = (price, currency)
    rows = [CardRow(*row, prices.get(row[0], {})) for row in found.items]
    return Page(items=rows, number=found.number, has_next=found.has_next)


def card_autocomplete(*, query: str) -> list[Card]:
    """At most 10 printings for a picker; nothing for queries under 2 characters."""
    if len(query.strip()) < 2:
        return []
    return card_search(query=query, limit=AUTOCOMPLETE_LIMIT)


def card_get(*, pk: int) -> Card:
    """A card for its page (public: every card may be seen), current prices prefetched."""
    return get_object_or_404(Card.objects.prefetch_related(_prefetch_current_prices()), pk=pk)


def card_prices_current(*, card_ids) -> dict[tuple[int, str], CardPrice]:
    """Current market price of every finish of these cards, in one query: {(card_id, finish): CardPrice}."""
    card_ids = list(card_ids)
    if not card_ids:
        return {}
    return {(price.card_id, price.finish): price for price in CardPrice.objects.filter(card_id__in=card_ids)}


def card_price_history(
    *,
    card_id: int,
    finish: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    currency: str = "USD",
) -> QuerySet[PriceSnapshot]:
    """Snapshots of one card oldest first, a range scan on (card, finish, captured_at)."""
    snapshots = PriceSnapshot.objects.filter(card_id=card_id, currency=currency)
    if finish:
        snapshots = snapshots.filter(finish=finish)
    if date_from:
        snapshots = snapshots.filter(captured_at__gte=date_from)
    if date_to:
        snapshots = snapshots.filter(captured_at__lte=date_to)
    return snapshots.order_by("finish", "captured_at", "source")


def card_chart_series(
    *, card: Card, days: int, now: datetime | None = None
) -> dict[str, list[tuple[datetime, Decimal]]]:
    """Points per finish for the price chart over the last `days` days: one query.

    Only the market price is charted (the source the current price follows: market sources
    in USD), so retail and buylist quotes from MTGJSON do not make the line zig-zag.
    """
    from .enums import MARKET_SOURCES

    now = now or timezone.now()
    series: dict[str, list[tuple[datetime, Decimal]]] = {}
    rows = (
        PriceSnapshot.objects.filter(
            card=card,
            currency="USD",
            source__in=[source.value for source in MARKET_SOURCES],
            captured_at__gte=now - timedelta(days=days),
            captured_at__lte=now,
        )
        .order_by("finish", "captured_at")
        .values_list("finish", "captured_at", "price")
    )
    for finish, captured_at, price in rows:
        series.setdefault(finish, []).append((captured_at, price))
    return series


def card_latest_quotes(*, card_id: int, now: datetime | None = None, days: int = 8) -> list[PriceSnapshot]:
    """The latest quote of each (source, finish, currency) seen in the last `days` days: one query.

    Shows MTGJSON retail and buylist prices next to the market price on the card page.
    """
    now = now or timezone.now()
    latest: dict[tuple[str, str, str], PriceSnapshot] = {}
    rows = PriceSnapshot.objects.filter(card_id=card_id, captured_at__gte=now - timedelta(days=days)).order_by(
        "-captured_at"
    )[:500]
    for snapshot in rows:
        latest.setdefault((snapshot.source, snapshot.finish, snapshot.currency), snapshot)
    return sorted(latest.values(), key=lambda snapshot: (snapshot.source, snapshot.finish, snapshot.currency))


def card_sets_list() -> list[dict]:
    """Every set with tradable cards and their count, newest release first (one grouped query)."""
    from django.db.models import Count, Max

    return list(
        tradable_cards()
        .values("set_code", "set_name")
        .annotate(card_count=Count("id"), released_at=Max("released_at"))
        .order_by(F("released_at").desc(nulls_last=True), "set_name")
    )


def movers_list(
    *,
    window: str = "24h",
    direction: str = "gainers",
    min_price: Decimal | None = MOVERS_DEFAULT_MIN_PRICE,
    limit: int = 25,
) -> list[CardPrice]:
    """Top gainers or losers by percentage change over 24 h or 7 d (precomputed on CardPrice).

    A minimum price keeps penny cards, whose percentages swing wildly, out of the list.
    """
    if window not in MOVERS_WINDOWS:
        raise ValueError(f"window must be one of {MOVERS_WINDOWS}")
    field = "change_24h_pct" if window == "24h" else "change_7d_pct"
    prices = CardPrice.objects.select_related("card").filter(**{f"{field}__isnull": False}, currency="USD")
    if direction == "gainers":
        prices = prices.filter(**{f"{field}__gt": 0}).order_by(F(field).desc(), "card__name")
    else:
        prices = prices.filter(**{f"{field}__lt": 0}).order_by(F(field).asc(), "card__name")
    if min_price is not None:
        prices = prices.filter(price__gte=min_price)
    return list(prices[: max(1, min(limit, 100))])


def dashboard_panel(*, user) -> dict | None:
    """Top movers today on the signed-in home page (None until there are any)."""
    gainers = movers_list(window="24h", direction="gainers", limit=5)
    losers = movers_list(window="24h", direction="losers", limit=5)
    if not gainers and not losers:
        return None
    return {"template": "cards/partials/_dashboard_panel.html", "gainers": gainers, "losers": losers}


def rarity_choices() -> list[tuple[str, str]]:
    return list(Rarity.choices)


def finish_choices() -> list[tuple[str, str]]:
    return list(Finish.choices)


PRICES_VERSION_KEY = "cards:prices-version"


def prices_version() -> str:
    """Changes after every price import (cards.services.prices_imported): a cache key part."""
    version = cache.get(PRICES_VERSION_KEY)
    if version is None:
        cache.add(PRICES_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(PRICES_VERSION_KEY)
    return version
