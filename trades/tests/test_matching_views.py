"""Matches page and API: prompt without location, match cards with reasons and the proposal link."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from lists.tests.factories import BELLEVUE, priced_card, trader

from .test_matching_selectors import mutual

pytestmark = pytest.mark.django_db


def test_matches_page_needs_login(client):
    assert client.get(reverse("trades:matches")).status_code == 302


def test_without_location_the_page_asks_for_it(client):
    client.force_login(trader(location=(None, None)))

    body = client.get(reverse("trades:matches")).content.decode()

    assert "Set your location" in body and 'href="/settings/"' in body


def test_no_matches_explains_why(client):
    client.force_login(trader(radius=30))

    body = client.get(reverse("trades:matches")).content.decode()

    assert "No matches yet within 30 km." in body


def test_a_match_shows_reasons_and_a_prefilled_proposal_link(client):
    me = trader()
    them = trader(location=BELLEVUE, username="bellevue_bob")
    their_have, my_have = mutual(me, them, get_price="42.00", give_price="38.00")
    client.force_login(me)

    body = client.get(reverse("trades:matches")).content.decode()

    assert "Has 1 of your wants worth $42.00" in body
    assert "Wants 1 of your haves worth $38.00" in body
    assert "9.9 km away" in body and "New tier" in body
    propose = reverse("trades:proposal_create", args=["bellevue_bob"])
    assert f'href="{propose}?offer_{my_have.pk}=1&amp;request_{their_have.pk}=1"' in body
    assert reverse("lists:public_lists", args=["bellevue_bob"]) in body


def test_matches_page_queries_do_not_grow(client, django_assert_max_num_queries):
    me = trader()
    for _ in range(5):
        mutual(me, trader(location=BELLEVUE))
    client.force_login(me)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("trades:matches"))
    for _ in range(15):
        mutual(me, trader(location=BELLEVUE))

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("trades:matches"))

    assert response.content.decode().count('class="card-panel match"') == 20


def test_matches_api():
    me = trader()
    them = trader(location=BELLEVUE)
    their_have, my_have = mutual(me, them, get_price="42.00", give_price="38.00")
    api = APIClient()
    api.force_authenticate(me)

    data = api.get("/api/v1/matches/").json()

    assert data["has_location"] is True
    [match] = data["results"]
    assert (match["username"], match["get_value"], match["give_value"], match["distance_km"] > 9.8) == (
        them.username,
        "42.00",
        "38.00",
        True,
    )
    assert (match["offer_ids"], match["request_ids"]) == ([my_have.pk], [their_have.pk])
    assert match["offer"] == [{"have_item": my_have.pk, "quantity": 1}]
    assert match["request"] == [{"have_item": their_have.pk, "quantity": 1}]
    assert match["they_give"][0]["have_id"] == their_have.pk
    assert match["reasons"][0] == {"code": "has_your_wants", "count": 1, "value": "42.00"}


def test_matches_api_needs_auth():
    priced_card("1.00")
    assert APIClient().get("/api/v1/matches/").status_code in (401, 403)
