"""A private list's items are seen by their owner alone, on every surface: the proposal form,
proposal create and counter (page and API), the matches page and API, the public list page,
the profile panel and the haves/wants API. A private item's id is answered exactly like an id
that does not exist."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from lists.models import ListSettings
from lists.tests.factories import BELLEVUE, SEATTLE, HaveItemFactory, WantItemFactory, priced_card, trader
from trades import services
from trades.models import TradeProposal
from trades.selectors.matches import matches_for

pytestmark = pytest.mark.django_db
MISSING_ID = 987654321


@pytest.fixture
def world():
    """`hidden` keeps both lists private; `me` would otherwise be a perfect match for them."""
    me = trader(location=SEATTLE, username="me")
    hidden = trader(location=BELLEVUE, username="secretive")
    ListSettings.objects.create(user=hidden, haves_public=False, wants_public=False)
    secret = HaveItemFactory(owner=hidden, card=priced_card("30.00", name="Secret Mox"), quantity=3)
    WantItemFactory(owner=me, card=secret.card)
    mine = HaveItemFactory(owner=me, card=priced_card("30.00", name="My Bolt"), quantity=2)
    WantItemFactory(owner=hidden, card=mine.card, note="Hidden wish")
    return {"me": me, "secretive": hidden, "secret": secret, "mine": mine}


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_proposal_form_shows_only_my_side(client, world):
    client.force_login(world["me"])

    body = client.get(
        reverse("trades:proposal_create", args=["secretive"]), {"request": world["secret"].pk}
    ).content.decode()

    assert "Secret Mox" not in body and f"request_{world['secret'].pk}" not in body
    assert "This trader's have list is private." in body
    assert "My Bolt" in body  # my own list, whatever its visibility


def test_proposal_form_post_of_a_private_id_is_answered_like_a_missing_one(client, world):
    client.force_login(world["me"])
    url = reverse("trades:proposal_create", args=["secretive"])

    def answer(have_id):
        response = client.post(url, {"cash_direction": "none", f"request_{have_id}": 1})
        return response.status_code, response.content.decode().count("Add at least one card or some cash.")

    assert answer(world["secret"].pk) == answer(MISSING_ID) == (422, 1)
    assert not TradeProposal.objects.exists()


@pytest.mark.parametrize("quantity", [1, 99])
def test_api_create_with_a_private_id_is_answered_like_a_missing_one(world, quantity):
    api = api_for(world["me"])

    def answer(have_id):
        response = api.post(
            "/api/v1/proposals/",
            {"recipient": "secretive", "request": [{"have_item": have_id, "quantity": quantity}]},
            format="json",
        )
        return response.status_code, response.json()

    private, missing = answer(world["secret"].pk), answer(MISSING_ID)
    assert private == missing
    assert private[0] == 400 and private[1]["detail"] == "One of the cards is not on secretive's have list."
    assert not TradeProposal.objects.exists()


def test_public_list_is_answered_with_its_quantities(world):
    ListSettings.objects.filter(user=world["secretive"]).update(haves_public=True)

    response = api_for(world["me"]).post(
        "/api/v1/proposals/",
        {"recipient": "secretive", "request": [{"have_item": world["secret"].pk, "quantity": 99}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Only 3 × Secret Mox available on secretive's have list."


@pytest.fixture
def offer_from_hidden(world):
    """hidden (private lists) offers 1 of their 3 Secret Mox to me."""
    return services.proposal_create(
        proposer=world["secretive"], recipient=world["me"], offer={world["secret"].pk: 1}, request={}
    )


def test_counter_page_offers_only_what_they_offered_up_to_that_much(client, world, offer_from_hidden):
    other_secret = HaveItemFactory(owner=world["secretive"], card=priced_card("9.00", name="Other Secret"))
    client.force_login(world["me"])

    body = client.get(reverse("trades:proposal_counter", args=[offer_from_hidden.pk])).content.decode()

    assert "Secret Mox" in body and f'name="request_{world["secret"].pk}"' in body
    assert 'max="1"' in body
    assert "Other Secret" not in body and f"request_{other_secret.pk}" not in body


def test_counter_api_asks_only_for_what_they_offered(world, offer_from_hidden):
    other_secret = HaveItemFactory(owner=world["secretive"], card=priced_card("9.00", name="Other Secret"))
    api = api_for(world["me"])
    url = f"/api/v1/proposals/{offer_from_hidden.pk}/counter/"

    def answer(have_id, quantity=1):
        response = api.post(url, {"request": [{"have_item": have_id, "quantity": quantity}]}, format="json")
        return response.status_code, response.json()

    assert answer(other_secret.pk) == answer(MISSING_ID)
    assert answer(other_secret.pk)[1]["detail"] == "One of the cards is not on secretive's have list."
    assert answer(world["secret"].pk, 2)[1]["detail"] == "secretive offered only 1 × Secret Mox."
    assert TradeProposal.objects.get(pk=offer_from_hidden.pk).status == "pending"  # refusals change nothing
    made = answer(world["secret"].pk, 1)
    assert made[0] == 201 and made[1]["items"][0]["quantity"] == 1


def test_matches_page_and_api_leave_out_traders_with_private_lists(client, world):
    client.force_login(world["me"])

    page = client.get(reverse("trades:matches")).content.decode()
    api = api_for(world["me"]).get("/api/v1/matches/").json()

    assert "secretive" not in page and "Secret Mox" not in page
    assert api["results"] == []
    ListSettings.objects.filter(user=world["secretive"]).update(haves_public=True)
    assert matches_for(user=world["me"]) == []  # their wants are still private: no mutual match to show
    ListSettings.objects.filter(user=world["secretive"]).update(wants_public=True)
    assert [m.trader.username for m in matches_for(user=world["me"])] == ["secretive"]


def test_my_private_lists_still_find_my_own_matches(world):
    ListSettings.objects.filter(user=world["secretive"]).update(haves_public=True, wants_public=True)
    ListSettings.objects.create(user=world["me"], haves_public=False, wants_public=False)

    [match] = matches_for(user=world["me"])

    assert match.trader.username == "secretive"
    assert match.offer == [{"have_item": world["mine"].pk, "quantity": 1}]
    # ...while hidden, matching on their own, cannot see me.
    assert matches_for(user=world["secretive"]) == []


def test_public_list_page_profile_panel_and_list_api(client, world):
    client.force_login(world["me"])
    api = api_for(world["me"])

    public_page = client.get(reverse("lists:public_lists", args=["secretive"]))
    profile = client.get(reverse("accounts:profile", args=["secretive"])).content.decode()
    api_item = api.get(f"/api/v1/haves/{world['secret'].pk}/")
    api_list = api.get("/api/v1/haves/").json()

    assert public_page.status_code == 404
    assert "Secret Mox" not in profile and "for trade" not in profile and "Hidden wish" not in profile
    assert api_item.status_code == 404
    assert [row["id"] for row in api_list["results"]] == [world["mine"].pk]
    assert Decimal(api_list["results"][0]["quantity"]) == 2


def test_counter_page_post_of_a_private_id_is_answered_like_a_missing_one(client, world, offer_from_hidden):
    other_secret = HaveItemFactory(owner=world["secretive"], card=priced_card("9.00", name="Other Secret"))
    client.force_login(world["me"])
    url = reverse("trades:proposal_counter", args=[offer_from_hidden.pk])

    def answer(have_id):
        response = client.post(url, {"cash_direction": "none", f"request_{have_id}": 1})
        body = response.content.decode()
        return response.status_code, body.count("Add at least one card or some cash."), "Other Secret" in body

    assert answer(other_secret.pk) == answer(MISSING_ID) == (422, 1, False)
    assert TradeProposal.objects.get(pk=offer_from_hidden.pk).status == "pending"
    assert TradeProposal.objects.count() == 1


def test_an_accept_refused_for_a_private_list_does_not_say_how_many_are_left(world):
    """secretive (private lists) offers their 3 Secret Mox to two traders; the first takes all 3."""
    first = services.proposal_create(
        proposer=world["secretive"], recipient=world["me"], offer={world["secret"].pk: 3}, request={}
    )
    second_buyer = trader(location=BELLEVUE, username="second_buyer")
    second = services.proposal_create(
        proposer=world["secretive"], recipient=second_buyer, offer={world["secret"].pk: 1}, request={}
    )
    services.proposal_accept(proposal_id=first.pk, actor=world["me"])

    response = api_for(second_buyer).post(f"/api/v1/proposals/{second.pk}/accept/")

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "1 × Secret Mox is no longer available on secretive's have list. Counter or decline instead."
    )


def test_a_counter_for_offered_copies_promised_meanwhile_does_not_say_how_many_are_left(world, offer_from_hidden):
    elsewhere = services.proposal_create(
        proposer=world["secretive"], recipient=trader(username="elsewhere"), offer={world["secret"].pk: 3}, request={}
    )
    services.proposal_accept(proposal_id=elsewhere.pk, actor=elsewhere.recipient)

    response = api_for(world["me"]).post(
        f"/api/v1/proposals/{offer_from_hidden.pk}/counter/",
        {"request": [{"have_item": world["secret"].pk, "quantity": 1}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Secret Mox is no longer available on secretive's have list."
