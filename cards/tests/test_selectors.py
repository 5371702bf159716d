from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from cards import selectors
from cards.charts import price_chart
from cards.tests.factories import CardFactory, CardPriceFactory, PriceSnapshotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    bolt = CardFactory(name="Lightning Bolt", set_code="2xm", rarity="uncommon")
    helix = CardFactory(name="Lightning Helix", set_code="rav", rarity="uncommon")
    lotus = CardFactory(name="Black Lotus", set_code="lea", rarity="rare")
    CardPriceFactory(card=bolt, price=Decimal("2.00"))
    CardPriceFactory(card=helix, price=Decimal("0.50"))
    CardPriceFactory(card=lotus, price=Decimal("26000.00"))
    return {"bolt": bolt, "helix": helix, "lotus": lotus}


def names(cards):
    return [card.name for card in cards]


def test_search_tolerates_typos_with_trigrams(catalog):
    assert names(selectors.card_search(query="lightnig bolt")) == ["Lightning Bolt"]
    assert names(selectors.card_search(query="blak lotus")) == ["Black Lotus"]


def test_search_by_substring_prefix_first(catalog):
    assert names(selectors.card_search(query="lightning")) == ["Lightning Bolt", "Lightning Helix"]
    assert names(selectors.card_search(query="helix")) == ["Lightning Helix"]


def test_search_filters(catalog):
    assert names(selectors.card_search(query="", set_code="LEA")) == ["Black Lotus"]
    assert names(selectors.card_search(query="", rarity="uncommon")) == ["Lightning Bolt", "Lightning Helix"]
    assert names(selectors.card_search(query="", min_price=Decimal("1"), max_price=Decimal("100"))) == [
        "Lightning Bolt"
    ]
    assert names(selectors.card_search(query="zzzz qqqq")) == []


def test_search_limit_and_prefetch(catalog, django_assert_num_queries):
    with django_assert_num_queries(2):
        cards = selectors.card_search(query="", limit=2)
        prices = [price.price for card in cards for price in card.current_prices.all()]
    assert names(cards) == ["Black Lotus", "Lightning Bolt"]
    assert prices == [Decimal("26000.00"), Decimal("2.00")]


def test_card_prices_current_is_one_query(catalog, django_assert_num_queries):
    CardPriceFactory(card=catalog["bolt"], finish="foil", price=Decimal("6.00"))
    with django_assert_num_queries(1):
        prices = selectors.card_prices_current(card_ids=[catalog["bolt"].pk, catalog["lotus"].pk])
    assert {key: value.price for key, value in prices.items()} == {
        (catalog["bolt"].pk, "nonfoil"): Decimal("2.00"),
        (catalog["bolt"].pk, "foil"): Decimal("6.00"),
        (catalog["lotus"].pk, "nonfoil"): Decimal("26000.00"),
    }
    assert selectors.card_prices_current(card_ids=[]) == {}


def test_autocomplete_caps_at_ten_and_needs_two_letters():
    for number in range(12):
        CardFactory(name=f"Goblin Guide {number:02d}")
    assert len(selectors.card_autocomplete(query="goblin")) == 10
    assert selectors.card_autocomplete(query="g") == []


def test_movers_order_direction_and_min_price():
    up_big = CardPriceFactory(price=Decimal("10.00"), change_24h_pct=Decimal("40.00"), change_7d_pct=Decimal("1.00"))
    up_small = CardPriceFactory(price=Decimal("5.00"), change_24h_pct=Decimal("10.00"))
    penny = CardPriceFactory(price=Decimal("0.10"), change_24h_pct=Decimal("300.00"))
    down = CardPriceFactory(price=Decimal("3.00"), change_24h_pct=Decimal("-20.00"), change_7d_pct=Decimal("-5.00"))
    CardPriceFactory(price=Decimal("3.00"), change_24h_pct=None)

    assert selectors.movers_list(window="24h", direction="gainers") == [up_big, up_small]
    assert selectors.movers_list(window="24h", direction="gainers", min_price=None) == [penny, up_big, up_small]
    assert selectors.movers_list(window="24h", direction="losers") == [down]
    assert selectors.movers_list(window="7d", direction="gainers") == [up_big]
    assert selectors.movers_list(window="7d", direction="losers") == [down]
    with pytest.raises(ValueError):
        selectors.movers_list(window="1y")


def test_dashboard_panel_shows_movers_or_nothing():
    user = UserFactory()
    assert selectors.dashboard_panel(user=user) is None

    gainer = CardPriceFactory(price=Decimal("10.00"), change_24h_pct=Decimal("12.00"))

    panel = selectors.dashboard_panel(user=user)
    assert panel == {"template": "cards/partials/_dashboard_panel.html", "gainers": [gainer], "losers": []}


def test_chart_series_is_market_usd_in_range_one_query(django_assert_num_queries):
    card = CardFactory()
    now = datetime(2026, 11, 25, tzinfo=UTC)
    PriceSnapshotFactory(card=card, price=Decimal("1.00"), captured_at=now - timedelta(days=3))
    PriceSnapshotFactory(card=card, price=Decimal("2.00"), captured_at=now - timedelta(days=1))
    PriceSnapshotFactory(card=card, price=Decimal("9.00"), captured_at=now - timedelta(days=10))
    PriceSnapshotFactory(card=card, price=Decimal("5.00"), captured_at=now, source="cardkingdom_buylist")
    PriceSnapshotFactory(card=card, price=Decimal("5.00"), captured_at=now, currency="EUR")

    with django_assert_num_queries(1):
        series = selectors.card_chart_series(card=card, days=7, now=now)

    assert series == {
        "nonfoil": [(now - timedelta(days=3), Decimal("1.00")), (now - timedelta(days=1), Decimal("2.00"))]
    }


def test_price_chart_geometry():
    now = datetime(2026, 11, 25, tzinfo=UTC)
    series = {"nonfoil": [(now - timedelta(days=7), Decimal("1.00")), (now, Decimal("3.00"))]}

    chart = price_chart(series, days=7, now=now)

    line = chart["lines"][0]
    points = [tuple(map(float, point.split(","))) for point in line["points"].split()]
    assert points[0][0] == 64.0 and points[-1][0] == 628.0  # left and right edges of the plot
    assert points[0][1] > points[-1][1]  # the price went up: the line goes up (smaller y)
    assert (line["first"], line["last"]) == ("$1.00", "$3.00")
    assert len(chart["x_ticks"]) == 5 and len(chart["y_ticks"]) == 5
    assert price_chart({}, days=30, now=now)["is_empty"] is True


def test_price_chart_thins_long_series_but_keeps_the_last_point():
    now = datetime(2026, 11, 25, tzinfo=UTC)
    points = [(now - timedelta(minutes=index), Decimal(index % 7 + 1)) for index in range(2000, -1, -1)]

    chart = price_chart({"nonfoil": points}, days=2, now=now)

    assert chart["lines"][0]["count"] <= 361
    assert chart["lines"][0]["last"] == "$1.00"


def test_sets_list_counts():
    CardFactory.create_batch(3, set_code="aaa", set_name="Alpha")
    CardFactory(set_code="bbb", set_name="Beta")

    rows = {row["set_code"]: row["card_count"] for row in selectors.card_sets_list()}

    assert rows == {"aaa": 3, "bbb": 1}


def test_sqlite_fallback_corrects_words_no_name_contains(catalog):
    # The embedded demo has no pg_trgm; this runs the same correction on any database.
    from cards.name_index import name_index
    from cards.selectors import _spelled_like_the_catalog

    # Words more than one edit from every catalog word (one edit is the name index's job).
    assert _spelled_like_the_catalog(["lightnnng", "zzzqqq"], name_index()) == ["lightning", "zzzqqq"]
