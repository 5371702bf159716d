"""Signal pages: rendering, forms (422 with errors), htmx swaps, and constant query counts."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from signals.evaluation import leaderboard_recompute
from signals.models import CreatorFollow, Recommendation, SignalFollower

from .factories import CreatorFollowFactory, RecommendationFactory, creator_factory, priced_card

pytestmark = pytest.mark.django_db


def _future(days=20) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


def _rows(count, **kwargs):
    return [RecommendationFactory(card=priced_card(), **kwargs) for _ in range(count)]


def test_list_page_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    viewer = UserFactory()
    client.force_login(viewer)
    _rows(3)
    with django_assert_max_num_queries(8) as small:
        assert client.get("/signals/").status_code == 200
    _rows(22)
    RecommendationFactory(created_by=None, card=priced_card())
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/signals/?sort=best_creator")
    assert response.status_code == 200
    assert response.content.decode().count('href="/signals/') >= 25


def test_list_filters_on_the_page_and_bad_values_are_422(client):
    wolf = RecommendationFactory(card=priced_card(name="Page Wolf"), action="SELL", target_price=Decimal("5.00"))
    RecommendationFactory(card=priced_card(name="Page Owl"))
    body = client.get("/signals/?action=SELL").content.decode()
    assert f"/signals/{wolf.pk}/" in body and "Page Owl" not in body
    bad = client.get("/signals/?status=AAA")
    assert bad.status_code == 422
    assert "Choose one of active, evaluated, hidden." in bad.content.decode()


def test_list_pagination_without_count(client):
    _rows(27)
    first = client.get("/signals/").content.decode()
    assert "page=2" in first and "Page 1" in first
    second = client.get("/signals/?page=2").content.decode()
    assert second.count("<tr>") - 1 == 2


def test_following_scope_and_mine(client):
    viewer = creator_factory()
    followed = creator_factory()
    CreatorFollowFactory(follower=viewer, creator=followed)
    theirs = RecommendationFactory(created_by=followed, visibility="followers", card=priced_card())
    stranger = RecommendationFactory(card=priced_card())
    mine = RecommendationFactory(created_by=viewer, visibility="private", card=priced_card())
    client.force_login(viewer)
    following = client.get("/signals/?scope=following").content.decode()
    assert f"/signals/{theirs.pk}/" in following and f"/signals/{stranger.pk}/" not in following
    own = client.get("/signals/mine/").content.decode()
    assert f"/signals/{mine.pk}/" in own and f"/signals/{theirs.pk}/" not in own


def test_detail_page_shows_live_price_progress_and_creator(client, django_assert_max_num_queries):
    creator = creator_factory(username="detailer", evaluated=4, hits=3)
    signal = RecommendationFactory(
        created_by=creator, card=priced_card("11.00"), entry_price=Decimal("10.00"), target_price=Decimal("14.00")
    )
    client.force_login(UserFactory())
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(f"/signals/{signal.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="price-{signal.card_id}-nonfoil"' in body and 'data-live-prices-url="/ws/prices/"' in body
    assert 'aria-valuenow="25"' in body  # 10 → 11 of the way to 14
    assert "Accuracy 75.00% — 3 hits of 4 evaluated" in body
    assert "Follow detailer" in body and "I acted on this" not in body


# Session, user, the signal with its price, the viewer's follow and the creator's followers, and the
# layout's two badge counts.
DETAIL_QUERIES = 5


def test_detail_page_reads_follows_in_the_signal_query(client, django_assert_max_num_queries):
    creator = creator_factory(username="followed_one")
    signal = RecommendationFactory(created_by=creator, card=priced_card("11.00"))
    viewer = UserFactory()
    for user in (viewer, *[UserFactory() for _ in range(3)]):
        CreatorFollowFactory(follower=user, creator=creator)
        SignalFollower.objects.create(
            recommendation=signal, user=user, acted_on=True, acted_at=timezone.now(), acted_price=Decimal("10.50")
        )
    SignalFollower.objects.filter(recommendation=signal).exclude(user=viewer).update(unfollowed_at=timezone.now())
    client.force_login(viewer)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        body = client.get(f"/signals/{signal.pk}/").content.decode()
    assert "You follow this signal and acted on it at" in body and "$10.50" in body
    assert "Unfollow followed_one" in body
    assert '<span data-testid="creator-followers">4</span> followers' in body
    # Someone else's follow is not the viewer's; an unfollowed one still shows its outcome.
    other = SignalFollower.objects.exclude(user=viewer).first()
    SignalFollower.objects.filter(pk=other.pk).update(outcome_evaluated=True, outcome_profit_pct=Decimal("7.00"))
    client.force_login(other.user)
    body = client.get(f"/signals/{signal.pk}/").content.decode()
    assert "You follow this signal" not in body and "Your result: <strong>7.00%</strong>" in body
    client.logout()
    body = client.get(f"/signals/{signal.pk}/").content.decode()
    assert "Log in</a> to follow signals" in body and "7.00%" not in body


def test_detail_shows_the_outcome_once_evaluated(client):
    signal = RecommendationFactory(card=priced_card())
    Recommendation.objects.filter(pk=signal.pk).update(
        status="evaluated",
        evaluated_at=timezone.now(),
        hit=True,
        accuracy=Decimal("0.75"),
        price_at_end=Decimal("13.00"),
        peak_price=Decimal("13.50"),
        profit_pct=Decimal("30.00"),
        peak_profit_pct=Decimal("35.00"),
    )
    body = client.get(f"/signals/{signal.pk}/").content.decode()
    assert "Outcome: hit" in body and "$13.00" in body and "75%" in body and "30.00%" in body


def test_follow_and_act_through_htmx(client):
    signal = RecommendationFactory(card=priced_card("12.00"))
    user = UserFactory()
    client.force_login(user)
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "follow-box"}
    followed = client.post(f"/signals/{signal.pk}/follow/", {"do": "follow"}, **headers)
    assert followed.status_code == 200
    assert "I acted on this" in followed.content.decode()
    acted = client.post(f"/signals/{signal.pk}/follow/", {"do": "acted"}, **headers)
    assert "acted on it at" in acted.content.decode() and "$12.00" in acted.content.decode()
    assert SignalFollower.objects.get(user=user).acted_price == Decimal("12.00")
    unfollowed = client.post(f"/signals/{signal.pk}/follow/", {"do": "unfollow"}, **headers)
    assert ">Follow</button>" in unfollowed.content.decode()
    signal.refresh_from_db()
    assert signal.follower_count == 0


def test_follow_an_invisible_signal_is_404_and_writes_nothing(client):
    signal = RecommendationFactory(visibility="private")
    client.force_login(UserFactory())
    assert client.post(f"/signals/{signal.pk}/follow/", {"do": "acted"}).status_code == 404
    assert not SignalFollower.objects.exists()


def test_anonymous_is_sent_to_login_for_writes(client):
    signal = RecommendationFactory()
    for url in (
        f"/signals/{signal.pk}/follow/",
        f"/signals/{signal.pk}/close/",
        f"/signals/creators/{signal.created_by.username}/follow/",
    ):
        response = client.post(url, {"do": "follow"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for url in ("/signals/new/", "/signals/mine/", f"/signals/{signal.pk}/edit/"):
        assert "/accounts/login/" in client.get(url)["Location"]
    assert not SignalFollower.objects.exists() and not CreatorFollow.objects.exists()


def test_create_page_for_someone_who_may_not_create_shows_why_and_progress(client):
    client.force_login(creator_factory(trades=3, score=30))
    body = client.get("/signals/new/").content.decode()
    assert 'data-testid="create-locked"' in body
    assert "3 of 5 completed trades" in body
    response = client.post("/signals/new/", {"card": "1"})
    assert response.status_code == 403
    assert not Recommendation.objects.exists()


def test_create_form_disables_public_with_reason_and_publishes(client):
    creator = creator_factory(trades=8, score=120)
    card = priced_card("10.00", name="Form Card")
    client.force_login(creator)
    body = client.get("/signals/new/").content.decode()
    assert 'value="public" id="visibility-public" disabled' in body
    assert "Reach Silver tier (300 reputation)" in body
    bad = client.post(
        "/signals/new/",
        {
            "q": "Form Card",
            "card": card.pk,
            "finish": "nonfoil",
            "action": "BUY",
            "target_price": "9.00",
            "target_date": _future(),
            "rationale": "too short",
            "visibility": "public",
        },
    )
    assert bad.status_code == 422
    text = bad.content.decode()
    assert "Ensure this value has at least 20 characters" in text
    good = client.post(
        "/signals/new/",
        {
            "q": "Form Card",
            "card": card.pk,
            "finish": "nonfoil",
            "action": "BUY",
            "target_price": "9.00",
            "target_date": _future(),
            "rationale": "Long enough rationale text here.",
            "visibility": "followers",
        },
    )
    assert good.status_code == 422 and "A BUY target must be above the entry price" in good.content.decode()
    ok = client.post(
        "/signals/new/",
        {
            "q": "Form Card",
            "card": card.pk,
            "finish": "nonfoil",
            "action": "BUY",
            "target_price": "13.00",
            "target_date": _future(),
            "rationale": "Long enough rationale text here.",
            "visibility": "followers",
        },
    )
    signal = Recommendation.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/signals/{signal.pk}/"
    assert (signal.entry_price, signal.visibility) == (Decimal("10.00"), "followers")


def test_edit_page_after_the_window_only_widens(client):
    creator = creator_factory()
    signal = RecommendationFactory(created_by=creator, visibility="private", card=priced_card())
    Recommendation.objects.filter(pk=signal.pk).update(created_at=timezone.now() - timedelta(minutes=20))
    client.force_login(creator)
    page = client.get(f"/signals/{signal.pk}/edit/").content.decode()
    assert "The 15-minute edit window has closed" in page
    response = client.post(
        f"/signals/{signal.pk}/edit/",
        {
            "target_price": "12.00",
            "target_date": signal.target_date.date().isoformat(),
            "rationale": signal.user_rationale,
            "visibility": "public",
        },
    )
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.visibility == "public"
    refused = client.post(
        f"/signals/{signal.pk}/edit/",
        {
            "target_price": "19.00",
            "target_date": signal.target_date.date().isoformat(),
            "rationale": signal.user_rationale,
            "visibility": "public",
        },
    )
    assert refused.status_code == 422
    signal.refresh_from_db()
    assert signal.target_price == Decimal("12.00")
    other = UserFactory()
    client.force_login(other)
    assert client.get(f"/signals/{signal.pk}/edit/").status_code == 403


def test_close_from_the_page(client):
    creator = creator_factory()
    signal = RecommendationFactory(created_by=creator, card=priced_card())
    client.force_login(creator)
    assert client.post(f"/signals/{signal.pk}/close/").status_code == 302
    signal.refresh_from_db()
    assert signal.status == "evaluated" and signal.closed_early is True


def test_creator_follow_button(client):
    creator = creator_factory(username="buttoned")
    client.force_login(UserFactory())
    response = client.post("/signals/creators/buttoned/follow/", {"do": "follow"}, HTTP_HX_REQUEST="true")
    assert "Unfollow buttoned" in response.content.decode()
    assert CreatorFollow.objects.filter(creator=creator).count() == 1
    assert client.post("/signals/creators/nobody/follow/").status_code == 404


def test_leaderboard_page_reads_precomputed_rows(client, django_assert_max_num_queries):
    for index in range(3):
        creator = creator_factory(username=f"board{index}")
        for _ in range(5):
            signal = RecommendationFactory(created_by=creator)
            Recommendation.objects.filter(pk=signal.pk).update(
                status="evaluated",
                evaluated_at=timezone.now(),
                hit=index > 0,
                accuracy=Decimal(1),
                profit_pct=Decimal(1),
            )
    leaderboard_recompute()
    with django_assert_max_num_queries(4):
        response = client.get("/signals/leaderboard/?period=90d")
    body = response.content.decode()
    assert response.status_code == 200 and "board1" in body and "board0" in body
    assert client.get("/signals/leaderboard/?period=1y").status_code == 422


def test_home_featured_strip_and_profile_panel(client):
    gold = creator_factory(username="featuredone", trades=50, score=700, evaluated=10, hits=7)
    featured = RecommendationFactory(created_by=gold, card=priced_card(name="Featured Card"))
    RecommendationFactory(created_by=creator_factory(username="plain"), card=priced_card(name="Plain Card"))
    home = client.get("/").content.decode()
    assert "Featured signals" in home and "Featured Card" in home and "Plain Card" not in home
    client.force_login(UserFactory())
    assert "Featured Card" in client.get("/").content.decode()
    profile = client.get("/u/featuredone/").content.decode()
    assert "7</strong> hits of <strong>10</strong> evaluated" in profile
    assert f"/signals/{featured.pk}/" in profile and "Follow featuredone" in profile


def test_nav_links_to_signals(client):
    assert 'href="/signals/"' in client.get("/signals/leaderboard/").content.decode()
