"""The signals journey in Chromium against the real ASGI app: a Silver creator publishes a public
signal, another trader follows it and marks it acted on, the price moves (live on the page),
evaluation runs, both see the outcome, and the leaderboard gains the creator."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from cards.services import price_snapshot_record
from cards.tests.factories import CardFactory, CardPriceFactory, PriceSnapshotFactory
from signals.evaluation import evaluation_run, leaderboard_recompute
from signals.models import Recommendation, SignalFollower

from .factories import RecommendationFactory, creator_factory

PASSWORD = "correct-horse-battery-staple"


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("h1")).to_contain_text("Welcome back")


def _record(card, price: str, *, at=None) -> None:
    price_snapshot_record(
        card_id=card.pk,
        finish="nonfoil",
        source="demo",
        price=Decimal(price),
        currency="USD",
        captured_at=at or timezone.now(),
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_publish_follow_act_evaluate_leaderboard(new_page):
    creator = creator_factory(username="silver_sage", trades=25, score=330)
    trader = UserFactory(username="follower_fred")
    card = CardFactory(name="Journey Drake", set_code="jrn", collector_number="7")
    CardPriceFactory(card=card, price=Decimal("10.00"), captured_at=timezone.now() - timedelta(hours=2))
    PriceSnapshotFactory(card=card, price=Decimal("10.00"), captured_at=timezone.now() - timedelta(hours=2))
    # Four evaluated public signals already: the fifth puts silver_sage on the leaderboard.
    for _ in range(4):
        past = RecommendationFactory(created_by=creator)
        Recommendation.objects.filter(pk=past.pk).update(
            status="evaluated",
            evaluated_at=timezone.now() - timedelta(days=2),
            hit=True,
            accuracy=Decimal(1),
            price_at_end=Decimal("12.00"),
            profit_pct=Decimal("20.00"),
        )
    leaderboard_recompute()

    maker, fred = new_page(), new_page()
    log_in(maker, creator.email)
    log_in(fred, trader.email)
    fred.goto("/signals/leaderboard/")
    expect(fred.locator("main")).to_contain_text("Nobody has 5 evaluated public signals")

    # The creator publishes a public BUY through the form, picking the card from the autocomplete.
    maker.get_by_role("link", name="Signals").first.click()
    maker.get_by_role("link", name="New signal").click()
    maker.get_by_role("combobox", name="Card").fill("Journey")
    maker.get_by_role("option", name="Journey Drake").click()
    maker.get_by_label("Buy").check()
    maker.get_by_label("Target price (USD)").fill("14.00")
    maker.get_by_label("Target date").fill((timezone.now().date() + timedelta(days=30)).isoformat())
    maker.get_by_label("Rationale").fill("The new set makes this dragon a four-of in every deck.")
    maker.get_by_label("Public").check()
    maker.get_by_role("button", name="Publish signal").click()
    expect(maker.locator(".messages")).to_contain_text("Your signal is published.")
    expect(maker.get_by_test_id("entry-price")).to_have_text("$10.00")
    signal = Recommendation.objects.get(card=card)
    assert (signal.visibility, signal.entry_price, signal.target_price) == (
        "public",
        Decimal("10.00"),
        Decimal("14.00"),
    )

    # Another trader finds it in the list, follows it and marks it acted on (htmx, no reload).
    fred.goto("/signals/?q=journey")
    fred.get_by_role("link", name="Journey Drake").click()
    expect(fred.locator("#live-prices-socket")).to_have_attribute("data-live-state", "open")
    fred.evaluate("window.notReloaded = true")
    fred.get_by_role("button", name="Follow", exact=True).click()
    expect(fred.get_by_test_id("follow-state")).to_contain_text("You follow this signal")
    fred.get_by_role("button", name="I acted on this").click()
    expect(fred.get_by_test_id("acted-price")).to_have_text("$10.00")
    follow = SignalFollower.objects.get(recommendation=signal, user=trader)
    assert (follow.acted_on, follow.acted_price) == (True, Decimal("10.00"))

    # The price moves: the page updates in place, and the progress bar follows.
    _record(card, "12.00")
    expect(fred.locator(f"#price-{card.pk}-nonfoil")).to_contain_text("$12.00")
    expect(fred.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "50")
    assert fred.evaluate("window.notReloaded") is True

    # The target date passes and the daily evaluation runs.
    Recommendation.objects.filter(pk=signal.pk).update(target_date=timezone.now())
    result = evaluation_run()
    assert result["evaluated"] == 1

    for page in (maker, fred):
        page.goto(f"/signals/{signal.pk}/")
        expect(page.get_by_test_id("outcome")).to_contain_text("Outcome: hit")
        expect(page.get_by_test_id("price-at-end")).to_have_text("$12.00")
        expect(page.get_by_test_id("accuracy")).to_have_text("50%")
    expect(fred.get_by_test_id("my-outcome")).to_contain_text("20.00%")
    expect(maker.get_by_test_id("creator-accuracy")).to_contain_text("5 hits of 5 evaluated")

    fred.goto("/signals/leaderboard/")
    expect(fred.get_by_test_id("leaderboard")).to_contain_text("silver_sage")
    expect(fred.get_by_test_id("leaderboard")).to_contain_text("5 / 5")
