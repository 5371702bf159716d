"""Publishing, editing, closing, following and moderation rules (services)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.http import Http404

from cards.tests.factories import CardFactory, CardPriceFactory
from core.errors import InvalidTransition, NotAllowed
from signals import services
from signals.models import Recommendation, SignalEvent, SignalFollower
from signals.services import SignalInvalid

from .factories import CreatorFollowFactory, RecommendationFactory, creator_factory, priced_card

pytestmark = pytest.mark.django_db


def _today() -> date:
    return datetime.now(UTC).date()


def _create(creator, card, **overrides):
    terms = {
        "card_id": card.pk,
        "action": "BUY",
        "target_price": "15.00",
        "target_date": (_today() + timedelta(days=30)).isoformat(),
        "rationale": "Standard rotation will push this up hard.",
        "visibility": "public",
    }
    terms.update(overrides)
    return services.signal_create(creator=creator, **terms)


def test_create_freezes_the_market_price_as_entry_and_mirrors_the_plan_fields():
    creator, card = creator_factory(), priced_card("10.00")
    signal = _create(creator, card)
    assert (signal.entry_price, signal.currency, signal.finish) == (Decimal("10.00"), "USD", "nonfoil")
    assert (signal.target_price, signal.user_target_price) == (Decimal("15.00"), Decimal("15.00"))
    assert signal.target_date == signal.user_target_date
    assert signal.target_date.date() == _today() + timedelta(days=30)
    assert signal.user_rationale == "Standard rotation will push this up hard."
    assert (signal.is_user_generated, signal.is_public, signal.status, signal.follower_count) == (
        True,
        True,
        "active",
        0,
    )
    assert SignalEvent.objects.get(signal=signal).kind == "created"
    card.current_prices.update(price=Decimal("50.00"))
    signal.refresh_from_db()
    assert signal.entry_price == Decimal("10.00")


def test_create_uses_the_finish_price_and_refuses_a_finish_the_card_lacks():
    creator = creator_factory()
    card = CardFactory(finishes=["nonfoil", "foil"])
    CardPriceFactory(card=card, finish="nonfoil", price=Decimal("10.00"))
    CardPriceFactory(card=card, finish="foil", price=Decimal("30.00"))
    assert _create(creator, card, finish="foil", target_price="40.00").entry_price == Decimal("30.00")
    with pytest.raises(SignalInvalid) as excinfo:
        _create(creator, card, finish="etched")
    assert "finish" in excinfo.value.errors


def test_create_without_a_market_price_is_refused_on_card():
    creator, card = creator_factory(), CardFactory()
    with pytest.raises(SignalInvalid) as excinfo:
        _create(creator, card)
    assert "no nonfoil market price" in excinfo.value.errors["card"][0]
    assert not Recommendation.objects.exists()


@pytest.mark.parametrize(
    ("action", "target", "ok"),
    [
        ("BUY", "10.01", True),
        ("BUY", "10.00", False),
        ("BUY", "9.00", False),
        ("BUY", None, False),
        ("SELL", "9.99", True),
        ("SELL", "10.00", False),
        ("SELL", "11.00", False),
        ("HOLD", None, True),
        ("HOLD", "10.00", True),
    ],
)
def test_target_price_direction(action, target, ok):
    creator, card = creator_factory(), priced_card("10.00")
    if ok:
        assert _create(creator, card, action=action, target_price=target).action == action
    else:
        with pytest.raises(SignalInvalid) as excinfo:
            _create(creator, card, action=action, target_price=target)
        assert list(excinfo.value.errors) == ["target_price"]
        assert not Recommendation.objects.exists()


@pytest.mark.parametrize(("days", "ok"), [(0, False), (1, True), (180, True), (181, False)])
def test_target_date_between_1_and_180_days(days, ok):
    creator, card = creator_factory(), priced_card()
    target = (_today() + timedelta(days=days)).isoformat()
    if ok:
        assert _create(creator, card, target_date=target).target_date.date().isoformat() == target
    else:
        with pytest.raises(SignalInvalid) as excinfo:
            _create(creator, card, target_date=target)
        assert "target_date" in excinfo.value.errors


@pytest.mark.parametrize(("length", "ok"), [(19, False), (20, True), (5000, True), (5001, False)])
def test_rationale_length(length, ok):
    creator, card = creator_factory(), priced_card()
    if ok:
        assert len(_create(creator, card, rationale="x" * length).user_rationale) == length
    else:
        with pytest.raises(SignalInvalid) as excinfo:
            _create(creator, card, rationale="x" * length)
        assert "rationale" in excinfo.value.errors


def test_bad_input_reports_every_field_at_once():
    creator, card = creator_factory(), priced_card()
    with pytest.raises(SignalInvalid) as excinfo:
        _create(
            creator, card, action="BUY", target_price="abc", target_date="tomorrow", rationale="short", visibility="x"
        )
    assert set(excinfo.value.errors) == {"target_price", "target_date", "rationale", "visibility"}


def test_who_may_not_create_gets_not_allowed_with_the_reason():
    with pytest.raises(NotAllowed) as excinfo:
        _create(creator_factory(trades=3, score=30), priced_card())
    assert "3 of 5 completed trades" in excinfo.value.message
    assert not Recommendation.objects.exists()


def test_public_above_the_users_rights_is_a_visibility_field_error():
    creator = creator_factory(trades=5, score=60)
    with pytest.raises(SignalInvalid) as excinfo:
        _create(creator, priced_card(), visibility="public")
    assert list(excinfo.value.errors) == ["visibility"]
    assert _create(creator, priced_card(), visibility="followers").visibility == "followers"


def test_at_most_20_active_signals_then_limit_reached():
    creator = creator_factory()
    for _ in range(20):
        _create(creator, priced_card())
    with pytest.raises(InvalidTransition) as excinfo:
        _create(creator, priced_card())
    assert (excinfo.value.code, excinfo.value.status_code) == ("limit_reached", 409)
    assert Recommendation.objects.filter(created_by=creator).count() == 20
    RecommendationFactory(created_by=None)  # system signals count for nobody
    evaluated = Recommendation.objects.filter(created_by=creator).first()
    services.signal_close(signal_id=evaluated.pk, actor=creator)
    assert _create(creator, priced_card()).status == "active"


def test_edit_within_15_minutes_changes_terms():
    creator, card = creator_factory(), priced_card()
    signal = _create(creator, card, visibility="followers")
    new_date = _today() + timedelta(days=60)
    updated = services.signal_update(
        signal_id=signal.pk,
        actor=creator,
        changes={
            "target_price": "20.00",
            "target_date": new_date,
            "rationale": "Changed my mind a little bit.",
            "visibility": "private",
        },
        now=signal.created_at + timedelta(minutes=14),
    )
    assert (updated.target_price, updated.user_target_price, updated.target_date.date(), updated.visibility) == (
        Decimal("20.00"),
        Decimal("20.00"),
        new_date,
        "private",
    )
    assert updated.is_public is False


def test_after_15_minutes_only_a_wider_visibility_is_accepted():
    creator, card = creator_factory(), priced_card()
    signal = _create(creator, card, visibility="private")
    later = signal.created_at + timedelta(minutes=16)
    with pytest.raises(InvalidTransition) as excinfo:
        services.signal_update(signal_id=signal.pk, actor=creator, changes={"target_price": "20.00"}, now=later)
    assert excinfo.value.code == "frozen"
    updated = services.signal_update(
        signal_id=signal.pk, actor=creator, changes={"visibility": "followers", "target_price": "15.00"}, now=later
    )
    assert updated.visibility == "followers"
    with pytest.raises(InvalidTransition):
        services.signal_update(signal_id=signal.pk, actor=creator, changes={"visibility": "private"}, now=later)
    signal.refresh_from_db()
    assert (signal.visibility, signal.target_price) == ("followers", Decimal("15.00"))


def test_only_the_creator_edits_and_outsiders_get_404():
    creator, card = creator_factory(), priced_card()
    public = _create(creator, card)
    private = _create(creator, priced_card(), visibility="private")
    other = creator_factory()
    with pytest.raises(NotAllowed):
        services.signal_update(signal_id=public.pk, actor=other, changes={"rationale": "x" * 30})
    with pytest.raises(Http404):
        services.signal_update(signal_id=private.pk, actor=other, changes={"rationale": "x" * 30})


def test_close_evaluates_now_and_marks_closed_early():
    creator, card = creator_factory(), priced_card("10.00")
    signal = _create(creator, card, target_price="20.00")
    closed = services.signal_close(signal_id=signal.pk, actor=creator)
    assert (closed.status, closed.closed_early, closed.price_at_end) == ("evaluated", True, Decimal("10.00"))
    assert closed.accuracy == Decimal("0")
    with pytest.raises(InvalidTransition):
        services.signal_close(signal_id=signal.pk, actor=creator)


def test_follow_and_acted_on_record_the_price_then():
    signal = RecommendationFactory(card=priced_card("11.00"))
    user = creator_factory()
    follow, created = services.signal_follow(signal_id=signal.pk, user=user)
    assert created is True and follow.acted_on is False
    follow, created = services.signal_follow(signal_id=signal.pk, user=user, acted_on=True)
    assert created is False
    assert (follow.acted_on, follow.acted_price) == (True, Decimal("11.00"))
    assert follow.acted_at is not None
    signal.refresh_from_db()
    assert signal.follower_count == 1
    follow, _ = services.signal_follow(signal_id=signal.pk, user=user, acted_on=False)
    assert (follow.acted_on, follow.acted_at, follow.acted_price) == (False, None, None)


def test_acted_on_only_while_active():
    signal = RecommendationFactory(card=priced_card("11.00"))
    user = creator_factory()
    services.signal_follow(signal_id=signal.pk, user=user)
    services.signal_close(signal_id=signal.pk, actor=signal.created_by)
    with pytest.raises(InvalidTransition):
        services.signal_follow(signal_id=signal.pk, user=user, acted_on=True)
    assert SignalFollower.objects.get(user=user).acted_on is False


def test_cannot_follow_own_signal_or_an_invisible_one():
    signal = RecommendationFactory(card=priced_card())
    with pytest.raises(NotAllowed):
        services.signal_follow(signal_id=signal.pk, user=signal.created_by)
    private = RecommendationFactory(visibility="private")
    with pytest.raises(Http404):
        services.signal_follow(signal_id=private.pk, user=creator_factory())
    assert not SignalFollower.objects.exists()


def test_unfollow_keeps_the_row_and_refollow_counts_once():
    signal = RecommendationFactory(card=priced_card())
    user = creator_factory()
    services.signal_follow(signal_id=signal.pk, user=user, acted_on=True)
    assert services.signal_unfollow(signal_id=signal.pk, user=user) is True
    assert services.signal_unfollow(signal_id=signal.pk, user=user) is False
    signal.refresh_from_db()
    assert signal.follower_count == 0
    row = SignalFollower.objects.get(user=user)
    assert row.acted_on is True and row.unfollowed_at is not None
    services.signal_follow(signal_id=signal.pk, user=user)
    services.signal_follow(signal_id=signal.pk, user=user)
    signal.refresh_from_db()
    assert signal.follower_count == 1


def test_creator_follow_is_idempotent_and_not_self():
    creator, fan = creator_factory(), creator_factory()
    assert services.creator_follow(follower=fan, username=creator.username)[1] is True
    assert services.creator_follow(follower=fan, username=creator.username)[1] is False
    with pytest.raises(NotAllowed):
        services.creator_follow(follower=fan, username=fan.username)
    with pytest.raises(Http404):
        services.creator_follow(follower=fan, username="nobody-here")
    assert services.creator_unfollow(follower=fan, username=creator.username) is True
    assert services.creator_unfollow(follower=fan, username=creator.username) is False


def test_hide_needs_staff_and_a_reason_and_keeps_the_record():
    signal = RecommendationFactory()
    staff = creator_factory(is_staff=True)
    with pytest.raises(NotAllowed):
        services.signal_hide(signal_id=signal.pk, actor=creator_factory(), reason="spam")
    with pytest.raises(SignalInvalid):
        services.signal_hide(signal_id=signal.pk, actor=staff, reason="  ")
    hidden = services.signal_hide(signal_id=signal.pk, actor=staff, reason="Pump and dump.")
    assert (hidden.is_hidden, hidden.hidden_reason, hidden.status) == (True, "Pump and dump.", "active")
    assert SignalEvent.objects.filter(signal=signal, kind="hidden").count() == 1
    assert services.signal_unhide(signal_id=signal.pk, actor=staff).is_hidden is False


def test_followers_visibility_needs_a_creator_follow():
    signal = RecommendationFactory(visibility="followers", card=priced_card())
    fan = creator_factory()
    with pytest.raises(Http404):
        services.signal_follow(signal_id=signal.pk, user=fan)
    CreatorFollowFactory(follower=fan, creator=signal.created_by)
    assert services.signal_follow(signal_id=signal.pk, user=fan)[1] is True
