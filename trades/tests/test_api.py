from decimal import Decimal

import pytest

from trades.models import TradeProposal
from trades.tests.factories import trading_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    return trading_pair(proposer_price="10.00", recipient_price="4.00")


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_full_negotiation_through_the_api(client, pair):
    proposer, recipient, mine, theirs = pair
    client.force_login(proposer)
    created = _post(
        client,
        "/api/v1/proposals/",
        {
            "recipient": recipient.username,
            "offer": [{"have_item": mine.pk, "quantity": 2}],
            "request": [{"have_item": theirs.pk, "quantity": 1}],
            "cash_from_recipient": "1.00",
            "message": "API deal",
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["proposer_value"], body["recipient_value"]) == ("pending", "20.00", "4.00")
    assert {(i["side"], i["quantity"]) for i in body["items"]} == {("proposer", 2), ("recipient", 1)}
    proposal_id = body["id"]

    client.force_login(recipient)
    assert client.get(f"/api/v1/proposals/{proposal_id}/").json()["status"] == "viewed"
    countered = _post(
        client,
        f"/api/v1/proposals/{proposal_id}/counter/",
        {"offer": [{"have_item": theirs.pk, "quantity": 2}], "request": [{"have_item": mine.pk, "quantity": 1}]},
    )
    assert countered.status_code == 201
    counter_id = countered.json()["id"]
    assert countered.json()["countered_from"] == proposal_id

    client.force_login(proposer)
    assert _post(client, f"/api/v1/proposals/{proposal_id}/accept/").status_code == 403
    trade = _post(client, f"/api/v1/proposals/{counter_id}/accept/").json()
    assert (trade["party_a"], trade["party_b"], trade["total_value"]) == (
        recipient.username,
        proposer.username,
        "18.00",
    )
    assert _post(client, f"/api/v1/trades/{trade['id']}/confirm/").json()["status"] == "active"

    client.force_login(recipient)
    confirmed = _post(client, f"/api/v1/trades/{trade['id']}/confirm/").json()
    assert confirmed["status"] == "completed"
    review = _post(
        client,
        f"/api/v1/trades/{trade['id']}/review/",
        {"overall": 4, "communication": 5, "packaging": 5, "accuracy": 4, "speed": 5, "comment": "ok"},
    )
    assert review.status_code == 201
    assert (review.json()["reviewer"], review.json()["reviewee"]) == (recipient.username, proposer.username)
    duplicate = _post(
        client,
        f"/api/v1/trades/{trade['id']}/review/",
        {"overall": 4, "communication": 5, "packaging": 5, "accuracy": 4, "speed": 5},
    )
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "duplicate"

    messages = client.get(f"/api/v1/threads/{trade['thread']}/messages/").json()["results"]
    assert any(m["body"] == "API deal" and m["sender"] == proposer.username for m in messages)
    posted = _post(client, f"/api/v1/threads/{trade['thread']}/messages/", {"body": "Thanks!"})
    assert posted.status_code == 201 and posted.json()["sender"] == recipient.username
    assert [row["id"] for row in client.get("/api/v1/trades/?status=completed").json()["results"]] == [trade["id"]]


def test_create_validation_errors_write_nothing(client, pair):
    proposer, recipient, _mine, theirs = pair
    client.force_login(proposer)
    wrong_side = _post(
        client,
        "/api/v1/proposals/",
        {"recipient": recipient.username, "offer": [{"have_item": theirs.pk, "quantity": 1}]},
    )
    assert wrong_side.status_code == 400
    assert wrong_side.json() == {
        "detail": "One of the cards is not on your have list.",
        "code": "invalid",
        "errors": {"offer": ["One of the cards is not on your have list."]},
    }
    to_self = _post(client, "/api/v1/proposals/", {"recipient": proposer.username, "cash_from_proposer": "1"})
    assert to_self.status_code == 400 and "yourself" in to_self.json()["detail"]
    negative = _post(client, "/api/v1/proposals/", {"recipient": recipient.username, "cash_from_proposer": "-1"})
    assert negative.status_code == 400
    assert TradeProposal.objects.count() == 0


def test_decline_and_cancel(client, pair):
    proposer, recipient, mine, _ = pair
    client.force_login(proposer)
    first = _post(
        client,
        "/api/v1/proposals/",
        {"recipient": recipient.username, "offer": [{"have_item": mine.pk, "quantity": 1}]},
    ).json()
    second = _post(client, "/api/v1/proposals/", {"recipient": recipient.username, "cash_from_proposer": "5"}).json()
    assert _post(client, f"/api/v1/proposals/{second['id']}/cancel/").json()["status"] == "cancelled"
    client.force_login(recipient)
    declined = _post(client, f"/api/v1/proposals/{first['id']}/decline/", {"reason": "pass"}).json()
    assert (declined["status"], declined["decline_reason"]) == ("declined", "pass")
    conflict = _post(client, f"/api/v1/proposals/{first['id']}/accept/")
    assert conflict.status_code == 409 and conflict.json()["code"] == "invalid_transition"
    incoming = client.get("/api/v1/proposals/?box=incoming").json()["results"]
    assert {row["id"] for row in incoming} == {first["id"], second["id"]}
    assert TradeProposal.objects.get(pk=second["id"]).cash_from_proposer == Decimal("5.00")


def test_thread_messages_validation(client, pair):
    proposer, recipient, mine, _ = pair
    client.force_login(proposer)
    created = _post(
        client,
        "/api/v1/proposals/",
        {"recipient": recipient.username, "offer": [{"have_item": mine.pk, "quantity": 1}]},
    ).json()
    empty = _post(client, f"/api/v1/threads/{created['thread']}/messages/", {"body": "   "})
    assert empty.status_code == 400
    missing = _post(client, f"/api/v1/threads/{created['thread']}/messages/", {})
    assert missing.status_code == 400
    rows = client.get(f"/api/v1/threads/{created['thread']}/messages/").json()["results"]
    assert [(row["is_system"], row["sender"]) for row in rows] == [(True, None)]


@pytest.mark.parametrize(
    "url,param",
    [
        ("/api/v1/proposals/?status=AAA", "status"),
        ("/api/v1/proposals/?box=everything", "box"),
        ("/api/v1/proposals/?box=", "box"),
        ("/api/v1/trades/?status=AAA", "status"),
        ("/api/v1/matches/?limit=0", "limit"),
        ("/api/v1/matches/?limit=51", "limit"),
        ("/api/v1/matches/?limit=abc", "limit"),
    ],
)
def test_invalid_filter_values_are_400(client, pair, url, param):
    client.force_login(pair[0])

    response = client.get(url)

    assert response.status_code == 400
    assert (response.json()["code"], list(response.json()["errors"])) == ("invalid", [param])


def test_an_unknown_recipient_is_a_validation_error(client, pair):
    client.force_login(pair[0])

    response = _post(client, "/api/v1/proposals/", {"recipient": "nobody-here", "cash_from_proposer": "1.00"})

    assert response.status_code == 400
    assert response.json()["errors"] == {"recipient": ["No trader with that username."]}
    assert TradeProposal.objects.count() == 0


@pytest.mark.parametrize(
    "body,field",
    [
        ({"cash_from_proposer": 1.5}, "cash_from_proposer"),
        ({"message": 12}, "message"),
        ({"offer": [{"have_item": "1", "quantity": 1}]}, "offer.0.have_item"),
    ],
)
def test_proposal_bodies_must_have_the_documented_json_types(client, pair, body, field):
    proposer, recipient, _mine, _theirs = pair
    client.force_login(proposer)

    response = _post(client, "/api/v1/proposals/", {"recipient": recipient.username, **body})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert TradeProposal.objects.count() == 0


@pytest.mark.parametrize(
    "path", ["/api/v1/proposals/abc/", "/api/v1/trades/1.5/confirm/", "/api/v1/threads/x/messages/"]
)
def test_ids_that_are_not_digits_are_404(client, pair, path):
    client.force_login(pair[0])

    response = client.post(path, {}, content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_crafted_pages_of_trade_lists_are_404_not_500(client, pair):
    from django.urls import reverse

    client.force_login(pair[0])

    assert client.get(reverse("trades:index"), {"page": "9223372036854775808"}).status_code == 404
    assert client.get(reverse("trades:thread_list"), {"page": "0"}).status_code == 404
    assert client.get(reverse("trades:index"), {"tab": "trades", "page": "3"}).status_code == 200
