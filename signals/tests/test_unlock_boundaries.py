"""The unlock boundaries end to end: what the API accepts at 4 vs 5 completed trades and 299.99 vs 300
reputation, and the `featured` flag and filter (SQL, not the Python decision) at 64.9% vs 65% author
accuracy, 9 vs 10 evaluated signals and 599.99 vs 600 reputation — each side of every line."""

from datetime import UTC, datetime, timedelta

import pytest

from signals.models import Recommendation
from signals.visibility import is_featured_eligible

from .factories import RecommendationFactory, creator_factory, priced_card

pytestmark = pytest.mark.django_db


def _body(card, visibility):
    return {
        "card": card.pk,
        "action": "BUY",
        "target_price": "15.00",
        "target_date": (datetime.now(UTC).date() + timedelta(days=30)).isoformat(),
        "rationale": "Rotation season always lifts this one.",
        "visibility": visibility,
    }


@pytest.mark.parametrize(("trades", "status"), [(4, 403), (5, 201)])
def test_create_at_the_completed_trades_line(api_as, trades, status):
    response = api_as(creator_factory(trades=trades, score=60)).post(
        "/api/v1/signals/", _body(priced_card(), "private"), format="json"
    )
    assert response.status_code == status
    if status == 403:
        assert "4 of 5 completed trades" in response.json()["detail"]
    assert Recommendation.objects.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(("score", "status"), [("299.99", 400), (300, 201)])
def test_public_at_the_silver_line(api_as, score, status):
    client = api_as(creator_factory(trades=30, score=score))
    response = client.post("/api/v1/signals/", _body(priced_card(), "public"), format="json")
    assert response.status_code == status
    if status == 400:
        assert list(response.json()["errors"]) == ["visibility"]
        # The same trader may still publish to followers.
        assert client.post("/api/v1/signals/", _body(priced_card(), "followers"), format="json").status_code == 201
    assert Recommendation.objects.filter(visibility="public").count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(
    ("score", "evaluated", "hits", "featured"),
    [
        (700, 1000, 649, False),  # 64.90 %
        (700, 20, 13, True),  # 65.00 %
        (700, 9, 9, False),
        (700, 10, 10, True),
        ("599.99", 20, 20, False),
        (600, 20, 20, True),
    ],
)
def test_featured_flag_and_filter_at_each_line(api_as, score, evaluated, hits, featured):
    creator = creator_factory(trades=50, score=score, evaluated=evaluated, hits=hits)
    signal = RecommendationFactory(created_by=creator, card=priced_card())
    assert is_featured_eligible(creator).allowed is featured
    client = api_as(creator_factory())
    assert client.get(f"/api/v1/signals/{signal.pk}/").json()["featured"] is featured
    listed = [row["id"] for row in client.get("/api/v1/signals/", {"featured": "true"}).json()["results"]]
    assert (signal.pk in listed) is featured
    # Only public, active signals are featured, whoever made them.
    followers_only = RecommendationFactory(created_by=creator, card=priced_card(), visibility="followers")
    assert api_as(creator).get(f"/api/v1/signals/{followers_only.pk}/").json()["featured"] is False
