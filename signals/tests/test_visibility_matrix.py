"""The visibility matrix: {private, followers, public} x {creator, follower of the creator, other user,
anonymous} x every surface (list page, detail page, API list with q and card, API detail, follow,
leaderboard, notification payloads). Invisible means missing or 404 — never 403 — and nothing written."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications.models import Notification
from signals.evaluation import leaderboard_recompute
from signals.models import Recommendation, SignalFollower
from signals.notify import signal_published_notify, signals_evaluated_notify

from .factories import CreatorFollowFactory, RecommendationFactory, creator_factory, priced_card

pytestmark = pytest.mark.django_db

VISIBILITIES = ["private", "followers", "public"]
VIEWERS = ["creator", "follower", "other", "anonymous"]
SEES = {
    "creator": {"private", "followers", "public"},
    "follower": {"followers", "public"},
    "other": {"public"},
    "anonymous": {"public"},
}


@pytest.fixture
def world():
    creator = creator_factory(username="the_creator", trades=30, score=400)
    follower = UserFactory(username="the_follower")
    other = UserFactory(username="the_other")
    CreatorFollowFactory(follower=follower, creator=creator)
    return {"creator": creator, "follower": follower, "other": other, "anonymous": None}


def _evaluated_history(creator, visibility):
    for _ in range(5):
        signal = RecommendationFactory(created_by=creator, visibility=visibility)
        Recommendation.objects.filter(pk=signal.pk).update(
            status="evaluated",
            evaluated_at=timezone.now() - timedelta(days=1),
            hit=True,
            accuracy=Decimal(1),
            price_at_end=Decimal("12.00"),
            profit_pct=Decimal("20.00"),
        )


@pytest.mark.parametrize("viewer_name", VIEWERS)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_matrix(world, visibility, viewer_name, client, api):
    creator, viewer = world["creator"], world[viewer_name]
    card = priced_card("10.00", name="Matrixbloom Sprite")
    signal = RecommendationFactory(created_by=creator, card=card, visibility=visibility)
    _evaluated_history(creator, visibility)
    leaderboard_recompute()
    expected = visibility in SEES[viewer_name]
    if viewer is not None:
        client.force_login(viewer)
        api.force_authenticate(viewer)

    # List page (with the card filter and a name search too).
    for url in ("/signals/", f"/signals/?card={card.pk}", "/signals/?q=matrixbloom"):
        page = client.get(url)
        assert page.status_code == 200
        assert (f'href="/signals/{signal.pk}/"' in page.content.decode()) is expected, url

    # Detail page.
    assert client.get(f"/signals/{signal.pk}/").status_code == (200 if expected else 404)

    # API list with q and card, and API detail.
    listed = api.get("/api/v1/signals/", {"q": "Matrixbloom", "card": card.pk})
    detail = api.get(f"/api/v1/signals/{signal.pk}/")
    if viewer is None:
        assert listed.status_code in (401, 403) and detail.status_code in (401, 403)
    else:
        assert listed.status_code == 200
        assert (signal.pk in [row["id"] for row in listed.json()["results"]]) is expected
        assert detail.status_code == (200 if expected else 404)

    # Follow.
    follow = api.post(f"/api/v1/signals/{signal.pk}/follow/", {}, format="json")
    if viewer is None:
        assert follow.status_code in (401, 403)
    elif viewer_name == "creator":
        assert follow.status_code == 403  # may see it, may not follow their own
    else:
        assert follow.status_code == (201 if expected else 404)
    assert SignalFollower.objects.filter(recommendation=signal).count() == (
        1 if expected and viewer_name in ("follower", "other") else 0
    )

    # Leaderboard: only public signals count, whoever looks (API and page).
    board = api.get("/api/v1/signals/leaderboard/", {"period": "30d"}).json()["results"]
    assert ("the_creator" in [row["username"] for row in board]) is (visibility == "public")
    html = client.get("/signals/leaderboard/").content.decode()
    table = (
        html.split('data-testid="leaderboard"', 1)[1].split("</table>", 1)[0]
        if 'data-testid="leaderboard"' in html
        else ""
    )
    assert ("the_creator" in table) is (visibility == "public")

    # Notification payloads: publishing tells the creator's followers who may see it.
    signal_published_notify(signal_id=signal.pk)
    if viewer is not None:
        told = Notification.objects.filter(recipient=viewer, url=f"/signals/{signal.pk}/").exists()
        assert told is (expected and viewer_name == "follower")
    # Evaluation tells the signal's followers who may (still) see it — a stale follow row of someone
    # who may not see the signal gets nothing.
    if viewer_name in ("follower", "other"):
        SignalFollower.objects.get_or_create(recommendation=signal, user=viewer)
    Recommendation.objects.filter(pk=signal.pk).update(
        status="evaluated", evaluated_at=timezone.now(), hit=True, accuracy=Decimal(1), price_at_end=Decimal("12.00")
    )
    signals_evaluated_notify(signal_ids=[signal.pk])
    if viewer is not None:
        evaluated = Notification.objects.filter(recipient=viewer, kind="signal_evaluated").exists()
        assert evaluated is (expected and viewer_name in ("follower", "other"))


def test_hidden_signal_vanishes_for_all_but_creator_and_staff(world, client, api):
    creator = world["creator"]
    signal = RecommendationFactory(created_by=creator, card=priced_card(), visibility="public", is_hidden=True)
    staff = UserFactory(is_staff=True)
    for name, user, seen in (
        ("creator", creator, True),
        ("staff", staff, True),
        ("follower", world["follower"], False),
        ("other", world["other"], False),
    ):
        api.force_authenticate(user)
        assert api.get(f"/api/v1/signals/{signal.pk}/").status_code == (200 if seen else 404), name
        ids = [row["id"] for row in api.get("/api/v1/signals/").json()["results"]]
        assert (signal.pk in ids) is seen, name
    api.force_authenticate(creator)
    assert api.get(f"/api/v1/signals/{signal.pk}/").json()["status"] == "hidden"
    assert [row["id"] for row in api.get("/api/v1/signals/mine/", {"status": "hidden"}).json()["results"]] == [
        signal.pk
    ]
    assert client.get(f"/signals/{signal.pk}/").status_code == 404
    signal_published_notify(signal_id=signal.pk)
    assert not Notification.objects.exists()
