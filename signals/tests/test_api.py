"""The API contract of issue 14 §8b: names, statuses and error shapes."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from signals.evaluation import leaderboard_recompute
from signals.models import Recommendation, SignalFollower

from .factories import CreatorFollowFactory, RecommendationFactory, creator_factory, priced_card

pytestmark = pytest.mark.django_db

SIGNAL_KEYS = {
    "id",
    "creator",
    "is_system",
    "card",
    "card_name",
    "finish",
    "action",
    "entry_price",
    "target_price",
    "currency",
    "target_date",
    "rationale",
    "visibility",
    "status",
    "follower_count",
    "featured",
    "created_at",
    "editable_until",
    "outcome",
}
OUTCOME_KEYS = {
    "evaluated_at",
    "price_at_end",
    "peak_price",
    "accuracy",
    "hit",
    "profit_pct",
    "peak_profit_pct",
    "closed_early",
}


def _body(card, **overrides):
    body = {
        "card": card.pk,
        "action": "BUY",
        "target_price": "15.00",
        "target_date": (datetime.now(UTC).date() + timedelta(days=30)).isoformat(),
        "rationale": "Rotation season always lifts this one.",
        "visibility": "public",
    }
    body.update(overrides)
    return body


def test_create_returns_201_with_the_contract(api_as):
    creator, card = creator_factory(username="maker"), priced_card("10.00", name="Contract Card")
    response = api_as(creator).post("/api/v1/signals/", _body(card), format="json")
    assert response.status_code == 201
    data = response.json()
    assert set(data) == SIGNAL_KEYS
    assert data["creator"] == "maker" and data["is_system"] is False
    assert (data["card"], data["card_name"], data["finish"], data["action"]) == (
        card.pk,
        "Contract Card",
        "nonfoil",
        "BUY",
    )
    assert (data["entry_price"], data["target_price"], data["currency"]) == ("10.00", "15.00", "USD")
    assert data["target_date"] == _body(card)["target_date"]
    assert (data["visibility"], data["status"], data["follower_count"], data["featured"], data["outcome"]) == (
        "public",
        "active",
        0,
        False,
        None,
    )
    assert data["rationale"] == "Rotation season always lifts this one."
    created = datetime.fromisoformat(data["created_at"].replace("Z", "+00:00"))
    assert datetime.fromisoformat(data["editable_until"].replace("Z", "+00:00")) - created == timedelta(minutes=15)


def test_create_refusals(api_as):
    card = priced_card()
    novice = api_as(creator_factory(trades=2, score=20)).post("/api/v1/signals/", _body(card), format="json")
    assert novice.status_code == 403
    assert "2 of 5 completed trades" in novice.json()["detail"]
    assert novice.json()["code"] == "not_eligible"
    bronze = creator_factory(trades=10, score=110)
    above = api_as(bronze).post("/api/v1/signals/", _body(card), format="json")
    assert above.status_code == 400
    assert set(above.json()) == {"detail", "code", "errors"}
    assert list(above.json()["errors"]) == ["visibility"]
    invalid = api_as(bronze).post(
        "/api/v1/signals/", _body(card, visibility="followers", target_price="5.00", rationale="short"), format="json"
    )
    assert invalid.status_code == 400
    assert set(invalid.json()["errors"]) == {"target_price", "rationale"}
    no_price = api_as(bronze).post("/api/v1/signals/", _body(CardFactory(), visibility="private"), format="json")
    assert no_price.status_code == 400 and "card" in no_price.json()["errors"]
    assert not Recommendation.objects.exists()


def test_create_limit_reached_is_409(api_as):
    creator = creator_factory()
    for _ in range(20):
        RecommendationFactory(created_by=creator)
    response = api_as(creator).post("/api/v1/signals/", _body(priced_card()), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "limit_reached"


def test_finish_defaults_to_nonfoil_and_is_validated(api_as):
    creator, card = creator_factory(), priced_card()
    assert api_as(creator).post("/api/v1/signals/", _body(card), format="json").json()["finish"] == "nonfoil"
    bad = api_as(creator).post("/api/v1/signals/", _body(card, finish="etched"), format="json")
    assert bad.status_code == 400 and "finish" in bad.json()["errors"]


def test_patch_in_window_then_only_widening(api_as):
    creator = creator_factory()
    client = api_as(creator)
    signal_id = client.post("/api/v1/signals/", _body(priced_card(), visibility="private"), format="json").json()["id"]
    ok = client.patch(f"/api/v1/signals/{signal_id}/", {"target_price": "18.00"}, format="json")
    assert ok.status_code == 200 and ok.json()["target_price"] == "18.00"
    not_editable = client.patch(f"/api/v1/signals/{signal_id}/", {"action": "SELL"}, format="json")
    assert not_editable.status_code == 400 and "action" in not_editable.json()["errors"]
    Recommendation.objects.filter(pk=signal_id).update(created_at=datetime.now(UTC) - timedelta(minutes=16))
    frozen = client.patch(
        f"/api/v1/signals/{signal_id}/", {"rationale": "A different reason entirely now."}, format="json"
    )
    assert frozen.status_code == 409 and frozen.json()["code"] == "frozen"
    widened = client.patch(f"/api/v1/signals/{signal_id}/", {"visibility": "followers"}, format="json")
    assert widened.status_code == 200 and widened.json()["visibility"] == "followers"
    narrowed = client.patch(f"/api/v1/signals/{signal_id}/", {"visibility": "private"}, format="json")
    assert narrowed.status_code == 409
    other_field = client.patch(f"/api/v1/signals/{signal_id}/", {"action": "SELL"}, format="json")
    assert other_field.status_code == 409
    assert Recommendation.objects.get(pk=signal_id).visibility == "followers"


def test_patch_by_someone_else(api_as):
    signal = RecommendationFactory()
    assert (
        api_as(UserFactory())
        .patch(f"/api/v1/signals/{signal.pk}/", {"visibility": "public"}, format="json")
        .status_code
        == 403
    )
    private = RecommendationFactory(visibility="private")
    assert (
        api_as(UserFactory())
        .patch(f"/api/v1/signals/{private.pk}/", {"visibility": "public"}, format="json")
        .status_code
        == 404
    )


def test_close_returns_the_evaluated_signal(api_as):
    creator = creator_factory()
    signal = RecommendationFactory(created_by=creator, card=priced_card("10.00"))
    response = api_as(creator).post(f"/api/v1/signals/{signal.pk}/close/")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "evaluated"
    assert set(data["outcome"]) == OUTCOME_KEYS
    assert data["outcome"]["closed_early"] is True and data["outcome"]["price_at_end"] == "10.00"
    assert api_as(creator).post(f"/api/v1/signals/{signal.pk}/close/").status_code == 409
    other = RecommendationFactory()
    assert api_as(creator).post(f"/api/v1/signals/{other.pk}/close/").status_code == 403


def test_follow_201_then_200_and_delete_204(api_as):
    signal = RecommendationFactory(card=priced_card("11.00"))
    client = api_as(UserFactory())
    first = client.post(f"/api/v1/signals/{signal.pk}/follow/", {}, format="json")
    assert first.status_code == 201
    assert set(first.json()) == {
        "signal",
        "followed_at",
        "acted_on",
        "acted_at",
        "acted_price",
        "currency",
        "outcome_profit_pct",
    }
    assert (first.json()["signal"], first.json()["acted_on"], first.json()["acted_price"]) == (signal.pk, False, None)
    acted = client.post(f"/api/v1/signals/{signal.pk}/follow/", {"acted_on": True}, format="json")
    assert acted.status_code == 200
    assert (acted.json()["acted_on"], acted.json()["acted_price"]) == (True, "11.00")
    bad = client.post(f"/api/v1/signals/{signal.pk}/follow/", {"acted_on": "perhaps"}, format="json")
    assert bad.status_code == 400 and "acted_on" in bad.json()["errors"]
    assert client.delete(f"/api/v1/signals/{signal.pk}/follow/").status_code == 204
    signal.refresh_from_db()
    assert signal.follower_count == 0
    assert SignalFollower.objects.get().acted_on is True


def test_list_filters_and_bad_values(api_as):
    viewer = UserFactory()
    gold = creator_factory(username="goldie", score=700, trades=50, evaluated=12, hits=10)
    buy = RecommendationFactory(created_by=gold, action="BUY", card=priced_card(set_code="aaa", name="Alpha Wolf"))
    sell = RecommendationFactory(
        action="SELL", target_price=Decimal("8.00"), card=priced_card(set_code="bbb", name="Beta Owl")
    )
    system = RecommendationFactory(created_by=None, action="BUY")
    client = api_as(viewer)

    def ids(**params):
        response = client.get("/api/v1/signals/", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert set(ids()) == {buy.pk, sell.pk, system.pk}
    assert set(ids(action="BUY")) == {buy.pk, system.pk}
    assert ids(card=sell.card_id) == [sell.pk]
    assert ids(set="aaa") == [buy.pk]
    assert ids(creator="goldie") == [buy.pk]
    assert ids(creator="system") == [system.pk]
    assert ids(creator_tier="gold") == [buy.pk]
    assert ids(featured="true") == [buy.pk]
    assert set(ids(featured="false")) == {sell.pk, system.pk}
    assert ids(q="owl") == [sell.pk]
    assert ids(status="evaluated") == []
    assert ids(sort="best_creator")[0] == buy.pk
    for name, value in (
        ("status", "AAA"),
        ("action", "MAYBE"),
        ("creator_tier", "wood"),
        ("sort", "random"),
        ("featured", "sometimes"),
        ("card", "x"),
    ):
        response = client.get("/api/v1/signals/", {name: value})
        assert response.status_code == 400, name
        assert set(response.json()) == {"detail", "code", "errors"} and name in response.json()["errors"]
    page = client.get("/api/v1/signals/").json()
    assert set(page) == {"next", "previous", "results"}
    assert next(row for row in page["results"] if row["id"] == system.pk)["creator"] is None


def test_list_is_cursor_paged_in_each_sort(api_as):
    for index in range(7):
        RecommendationFactory(follower_count=index)
    client = api_as(UserFactory())
    for sort in ("newest", "most_followed", "best_creator"):
        seen, url = [], f"/api/v1/signals/?sort={sort}&page_size=3"
        while url:
            page = client.get(url).json()
            seen += [row["id"] for row in page["results"]]
            url = page["next"]
        assert len(seen) == 7 and len(set(seen)) == 7, sort


def test_mine_lists_only_own(api_as):
    creator = creator_factory()
    mine = RecommendationFactory(created_by=creator, visibility="private")
    RecommendationFactory()
    response = api_as(creator).get("/api/v1/signals/mine/")
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_detail_404_for_invisible_and_non_digit_ids(api_as):
    client = api_as(UserFactory())
    assert client.get(f"/api/v1/signals/{RecommendationFactory(visibility='private').pk}/").status_code == 404
    assert client.get("/api/v1/signals/abc/").status_code == 404
    assert client.get("/api/v1/signals/999999/").json()["code"] == "not_found"


def test_leaderboard_contract(api, api_as):
    creator = creator_factory(username="ranked")
    for _ in range(5):
        signal = RecommendationFactory(created_by=creator)
        Recommendation.objects.filter(pk=signal.pk).update(
            status="evaluated",
            evaluated_at=datetime.now(UTC),
            hit=True,
            accuracy=Decimal(1),
            profit_pct=Decimal("10.00"),
        )
    for _ in range(5):
        signal = RecommendationFactory(created_by=None)
        Recommendation.objects.filter(pk=signal.pk).update(
            status="evaluated",
            evaluated_at=datetime.now(UTC),
            hit=False,
            accuracy=Decimal(0),
            profit_pct=Decimal("-5.00"),
        )
    CreatorFollowFactory(creator=creator)
    leaderboard_recompute()
    response = api.get("/api/v1/signals/leaderboard/", {"period": "all"})
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"period", "computed_at", "results"} and data["period"] == "all" and data["computed_at"]
    keys = {
        "username",
        "is_system",
        "tier",
        "evaluated",
        "hits",
        "hit_rate",
        "wilson_lower_bound",
        "mean_profit_pct",
        "followers",
    }
    assert [set(row) for row in data["results"]] == [keys, keys]
    first, second = data["results"]
    assert (
        first["username"],
        first["is_system"],
        first["tier"],
        first["evaluated"],
        first["hits"],
        first["followers"],
    ) == (
        "ranked",
        False,
        "silver",
        5,
        5,
        1,
    )
    assert (first["hit_rate"], first["wilson_lower_bound"], first["mean_profit_pct"]) == ("1.0000", "0.5655", "10.00")
    assert (second["username"], second["is_system"], second["tier"]) == (None, True, None)
    assert api.get("/api/v1/signals/leaderboard/", {"period": "7d"}).status_code == 400
    assert api.get("/api/v1/signals/leaderboard/").json()["period"] == "30d"


def test_creator_follow_api(api_as):
    creator = creator_factory(username="followme")
    client = api_as(UserFactory())
    first = client.post("/api/v1/creators/followme/follow/")
    assert first.status_code == 201 and first.json()["creator"] == "followme"
    assert client.post("/api/v1/creators/followme/follow/").status_code == 200
    assert client.post("/api/v1/creators/nobody/follow/").status_code == 404
    assert client.delete("/api/v1/creators/followme/follow/").status_code == 204
    assert api_as(creator).post("/api/v1/creators/followme/follow/").status_code == 403


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/signals/"),
        ("post", "/api/v1/signals/"),
        ("get", "/api/v1/signals/mine/"),
        ("get", "/api/v1/signals/{id}/"),
        ("patch", "/api/v1/signals/{id}/"),
        ("post", "/api/v1/signals/{id}/close/"),
        ("post", "/api/v1/signals/{id}/follow/"),
        ("delete", "/api/v1/signals/{id}/follow/"),
        ("post", "/api/v1/creators/{username}/follow/"),
        ("delete", "/api/v1/creators/{username}/follow/"),
    ],
)
def test_anonymous_is_refused_and_nothing_is_written(api, method, url):
    signal = RecommendationFactory()
    response = getattr(api, method)(url.format(id=signal.pk, username=signal.created_by.username), {}, format="json")
    assert response.status_code in (401, 403)
    assert set(response.json()) >= {"detail", "code"}
    signal.refresh_from_db()
    assert (signal.status, signal.follower_count) == ("active", 0)
    assert not SignalFollower.objects.exists()


def test_api_list_and_detail_query_counts_do_not_grow(api_as, django_assert_max_num_queries):
    client = api_as(UserFactory())
    for _ in range(3):
        RecommendationFactory(card=priced_card())
    with django_assert_max_num_queries(6) as small:
        assert client.get("/api/v1/signals/").status_code == 200
    for _ in range(20):
        RecommendationFactory(card=priced_card())
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get("/api/v1/signals/").json()["results"]) == 23
    signal = RecommendationFactory()
    with django_assert_max_num_queries(4):
        assert client.get(f"/api/v1/signals/{signal.pk}/").status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get("/api/v1/signals/leaderboard/").status_code == 200


def test_api_rows_match_the_documented_serializer():
    """The list and detail write rows with `signal_data`; they must say exactly what SignalSerializer
    (the schema) says of the same signal, in every state."""
    from signals.api.serializers import SignalSerializer, signal_data
    from signals.selectors import signal_rows, visible_signals

    staff = UserFactory(is_staff=True)
    gold = creator_factory(trades=50, score=700, evaluated=10, hits=9)
    active = RecommendationFactory(created_by=gold, card=priced_card(), target_price=Decimal("12.345"))
    hold = RecommendationFactory(card=priced_card(), action="HOLD", target_price=None)
    system = RecommendationFactory(created_by=None, card=priced_card())
    hidden = RecommendationFactory(card=priced_card(), is_hidden=True)
    evaluated = RecommendationFactory(card=priced_card(), action="SELL", target_price=Decimal("8.00"))
    Recommendation.objects.filter(pk__in=[evaluated.pk, hold.pk]).update(
        status="evaluated",
        evaluated_at=datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC),
        price_at_end=Decimal("9.10"),
        peak_price=Decimal("8.90"),
        accuracy=Decimal("0.4500"),
        hit=False,
        profit_pct=Decimal("9.00"),
        peak_profit_pct=Decimal("11.00"),
        closed_early=True,
    )
    Recommendation.objects.filter(pk=hold.pk).update(profit_pct=None, peak_profit_pct=None)
    signals = visible_signals(user=staff)
    rows = {row["id"]: row for row in signal_rows(signals)}
    for signal in (active, hold, system, hidden, evaluated):
        instance = signals.get(pk=signal.pk)
        assert signal_data(rows[signal.pk]) == SignalSerializer(instance).data, signal
    assert signal_data(rows[active.pk])["featured"] is True
