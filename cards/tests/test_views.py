from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cards.name_index import name_index
from cards.tests.factories import CardFactory, CardPriceFactory, PriceSnapshotFactory

pytestmark = pytest.mark.django_db


def priced_cards(count, **card_fields):
    cards = CardFactory.create_batch(count, **card_fields)
    for card in cards:
        CardPriceFactory(card=card, price=Decimal("2.00"))
        CardPriceFactory(card=card, finish="foil", price=Decimal("5.00"))
    return cards


def count_queries(client, url):
    name_index()  # search's name index is built once per catalog change (test_search_typos.py), not per request
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_search_page_query_count_does_not_grow_with_rows(client):
    priced_cards(3, name="Goblin Guide")
    few = count_queries(client, "/cards/?q=goblin")
    priced_cards(27, name="Goblin Guide")
    many = count_queries(client, "/cards/?q=goblin")

    assert few == many == 2  # the page of cards + their current prices


def test_search_page_shows_live_prices_and_socket(client):
    card = priced_cards(1, name="Lightning Bolt")[0]

    response = client.get("/cards/?q=lightnig")

    html = response.content.decode()
    span = (
        f'id="price-{card.pk}-nonfoil" class="price" data-live-card="{card.pk}" data-price="2.00" data-currency="USD">'
    )
    assert span + "$2.00</span>" in html
    assert f'id="price-{card.pk}-foil"' in html
    assert 'id="live-prices-socket"' in html and "js/live_prices.js" in html


def test_search_htmx_returns_the_results_partial(client):
    priced_cards(1, name="Lightning Bolt")

    response = client.get("/cards/?q=bolt", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="card-results"')
    assert "<html" not in html


def test_search_paginates_without_count(client):
    CardFactory.create_batch(31, name="Island")

    first = client.get("/cards/?q=island").content.decode()
    second = client.get("/cards/?q=island&page=2").content.decode()

    assert "page=2" in first and "Page 1" in first
    assert second.count("<tr>") == 2  # header + the 31st card
    assert "page=1" in second


def test_search_invalid_filters_are_422_with_errors(client):
    response = client.get("/cards/?min_price=5&max_price=1")

    assert response.status_code == 422
    assert "Max price must be at least the min price." in response.content.decode()


def test_empty_search_says_so(client):
    response = client.get("/cards/?q=nothinglikethis")

    assert "No cards match “nothinglikethis”" in response.content.decode()


def test_detail_page_query_count_is_constant(client, django_assert_num_queries):
    card = CardFactory(name="Lightning Bolt")
    CardPriceFactory(card=card, price=Decimal("2.00"), change_24h_pct=Decimal("5.00"))
    now = timezone.now()
    for days in range(1, 30):
        PriceSnapshotFactory(card=card, price=Decimal("2.00"), captured_at=now - timedelta(days=days))

    with django_assert_num_queries(4):  # card, its prices, chart series, latest quotes
        response = client.get(reverse("cards:detail", args=[card.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<polyline" in html and 'class="chart-svg"' in html
    assert f'id="price-{card.pk}-nonfoil"' in html
    assert "+5.00%" in html
    assert f'data-card-ids="{card.pk}"' in html
    assert "No image" in html  # offline placeholder: no image URL


def test_detail_chart_ranges_and_htmx_partial(client):
    card = CardFactory()
    PriceSnapshotFactory(card=card, price=Decimal("3.00"), captured_at=timezone.now() - timedelta(days=100))

    short = client.get(f"/cards/{card.pk}/?range=7d").content.decode()
    long = client.get(f"/cards/{card.pk}/?range=180d").content.decode()
    partial = client.get(
        f"/cards/{card.pk}/?range=180d", headers={"HX-Request": "true", "HX-Target": "price-chart"}
    ).content.decode()

    assert "No price history in the last 7 days." in short
    assert "<polyline" in long
    assert partial.lstrip().startswith('<figure id="price-chart"') and "<polyline" in partial


def test_detail_unknown_card_is_404(client):
    assert client.get("/cards/999999/").status_code == 404


def test_movers_page_windows_and_min_price(client):
    gainer = CardPriceFactory(card=CardFactory(name="Up Card"), price=Decimal("10.00"), change_24h_pct=Decimal("25.00"))
    CardPriceFactory(card=CardFactory(name="Penny Card"), price=Decimal("0.10"), change_24h_pct=Decimal("90.00"))
    CardPriceFactory(card=CardFactory(name="Weekly Card"), price=Decimal("4.00"), change_7d_pct=Decimal("-30.00"))

    day = client.get("/cards/movers/").content.decode()
    all_prices = client.get("/cards/movers/?min_price=0").content.decode()
    week = client.get("/cards/movers/?window=7d").content.decode()

    assert "Up Card" in day and "+25.00%" in day and "Penny Card" not in day
    assert f'id="price-{gainer.card_id}-nonfoil"' in day
    assert "Penny Card" in all_prices
    assert "Weekly Card" in week and "−30.00%" in week and "Up Card" not in week


def test_movers_bad_min_price_is_422(client):
    assert client.get("/cards/movers/?min_price=-3").status_code == 422


def test_sets_page(client):
    CardFactory.create_batch(2, set_code="2xm", set_name="Double Masters")

    html = client.get("/cards/sets/").content.decode()

    assert "Double Masters" in html and "?set=2xm" in html


def test_autocomplete_partial_options(client):
    bolt = CardFactory(name="Lightning Bolt", set_code="2xm", collector_number="129")
    for number in range(12):
        CardFactory(name=f"Lightning Spark {number}")

    html = client.get(reverse("cards:autocomplete"), {"q": "lightning"}).content.decode()
    bolt_only = client.get(reverse("cards:autocomplete"), {"q": "bolt"}).content.decode()

    assert html.count('role="option"') == 10
    assert f'data-card-id="{bolt.pk}" data-card-label="Lightning Bolt (2XM 129)"' in bolt_only
    assert "No cards match" in client.get(reverse("cards:autocomplete"), {"q": "zzzz"}).content.decode()


def test_admin_lists_cards_and_prices_read_only(client):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.tests.factories import UserFactory

    staff = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())  # the admin wants staff with two factors
    client.force_login(staff)
    card = CardFactory(name="Lightning Bolt")
    CardPriceFactory(card=card, price=Decimal("2.00"))
    PriceSnapshotFactory(card=card)

    for url in ["/admin/cards/card/", f"/admin/cards/card/{card.pk}/change/", "/admin/cards/cardprice/"]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get("/admin/cards/pricesnapshot/add/").status_code == 403


def test_search_rows_escape_names_and_render_the_price_partials_spans(client):
    from django.template.loader import render_to_string

    card = CardFactory(name='<b>"Bolt" & Co</b>', is_reserved=True, rarity="mythic")
    CardPriceFactory(card=card, price=Decimal("1234.50"))

    html = client.get("/cards/", {"q": "Bolt"}).content.decode()

    assert "&lt;b&gt;&quot;Bolt&quot; &amp; Co&lt;/b&gt;</a>" in html
    assert '<span class="badge" title="Reserved list">RL</span>' in html
    assert '<span class="rarity rarity-mythic">Mythic</span>' in html
    partial = render_to_string(
        "cards/partials/_price.html",
        {"card_id": card.pk, "finish": "nonfoil", "price": Decimal("1234.50"), "currency": "USD"},
    )
    assert partial.strip() in html  # the live price span ticks replace
    assert f'id="price-{card.pk}-foil"' not in html  # no foil price: a dash
    assert '<select name="rarity" id="id_rarity">' in html and '<option value="mythic">Mythic</option>' in html
    selected = client.get("/cards/", {"q": "Bolt", "rarity": "mythic"}).content.decode()
    assert '<option value="mythic" selected>Mythic</option>' in selected
