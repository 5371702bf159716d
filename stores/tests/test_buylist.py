"""Smart buylist formula and coverage, quotes, local matches, threads, blocks and reports."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import override_settings

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, CardPriceFactory
from core.errors import Conflict, DomainError
from lists.tests.factories import HaveItemFactory, ListSettingsFactory, WantItemFactory
from signals.tests.factories import RecommendationFactory, SignalFollowerFactory
from stores.matches import access_store_thread, my_store_matches, quote_for, store_matches
from stores.models import BuylistCardRule, BuylistEntry, BuylistRules, StoreMessage, StoreMessageReport
from stores.services.buylist import (
    buylist_recompute,
    buylist_rules_save,
    cash_price,
    credit_price,
    demand_bucket,
    demand_factor,
    local_want_demand,
    stock_taper,
)
from stores.services.threads import RateLimited, match_message, message_report, quote_send, store_block, thread_reply

from .factories import StoreFactory, StoreInventoryItemFactory

pytestmark = pytest.mark.django_db

NEAR = {"latitude": Decimal("47.62"), "longitude": Decimal("-122.34")}
FAR = {"latitude": Decimal("45.52"), "longitude": Decimal("-122.68")}  # Portland, ~230 km


def near_trader(**kwargs):
    return UserFactory(**NEAR, **kwargs)


def entry(store, card, condition="NM", finish="nonfoil"):
    return BuylistEntry.objects.get(store=store, card=card, condition=condition, finish=finish)


@pytest.fixture
def store():
    return StoreFactory(offers_buylist=True, trade_in_bonus_pct=Decimal("25"))


# --- the formula and each factor's bounds ---------------------------------------------------------


def test_demand_factor_is_clamped_to_0_8_and_1_5():
    assert demand_factor(local=0, signal=0, momentum=Decimal("0")) == Decimal("1")
    assert demand_factor(local=1000, signal=1000, momentum=Decimal("5")) == Decimal("1.5")
    assert demand_factor(local=0, signal=0, momentum=Decimal("-0.9")) == Decimal("0.8")
    # a·local + b·signal + c·momentum with the documented coefficients (0.05, 0.01, 0.5)
    assert demand_factor(local=4, signal=3, momentum=Decimal("0.1")) == Decimal("1.28")


def test_fewer_than_three_wanting_traders_count_as_none():
    assert demand_factor(local=2, signal=0, momentum=Decimal("0")) == Decimal("1")
    assert demand_factor(local=3, signal=0, momentum=Decimal("0")) == Decimal("1.15")
    assert [demand_bucket(n) for n in (0, 1, 2, 3, 9, 10, 24, 25)] == [
        "none",
        "none",
        "none",
        "3-9",
        "3-9",
        "10-24",
        "10-24",
        "25+",
    ]


def test_stock_taper_falls_linearly_to_zero_at_max_quantity():
    assert stock_taper(stock=0, max_qty=8) == Decimal(1)
    assert stock_taper(stock=2, max_qty=8) == Decimal("0.75")
    assert stock_taper(stock=8, max_qty=8) == Decimal(0)
    assert stock_taper(stock=20, max_qty=8) == Decimal(0)


def test_cash_price_multiplies_factors_and_a_fixed_override_wins():
    args = {"market": Decimal("10"), "buy_pct": Decimal("50"), "condition_multiplier": Decimal("0.85")}
    assert cash_price(**args, factor=Decimal("1.2"), taper=Decimal("0.5")) == Decimal("2.55")
    assert cash_price(**args, factor=Decimal("1.2"), taper=Decimal("0"), override=Decimal("7.00")) == Decimal("7.00")
    assert credit_price(cash=Decimal("2.55"), trade_in_bonus_pct=Decimal("25")) == Decimal("3.19")


def test_recompute_prices_stocked_cards_below_max_with_breakdown(store):
    card = CardFactory()
    CardPriceFactory(card=card, price=Decimal("10.00"), change_7d_pct=Decimal("10"))
    StoreInventoryItemFactory(store=store, card=card, quantity=2)
    BuylistRules.objects.create(store=store, buy_pct=Decimal("50"), max_qty_per_card=8)
    assert buylist_recompute(store_id=store.pk) == 5  # five conditions
    row = entry(store, card)
    # 10 x 0.50 x 1.00 x (1 + 0.5 x 0.10) x 0.75
    assert row.cash_price == Decimal("3.94")
    assert row.credit_price == Decimal("4.93")
    assert row.breakdown["demand_factor"] == "1.050"
    assert row.breakdown["stock_taper"] == "0.750"
    assert row.breakdown["local_demand"] == "none"
    assert entry(store, card, "LP").cash_price == Decimal("3.35")  # x 0.85


def test_coverage_hotlist_darklist_fixed_and_full_stock(store):
    hot, dark, fixed, full, unrelated = (CardFactory() for _ in range(5))
    for card in (hot, dark, fixed, full, unrelated):
        CardPriceFactory(card=card, price=Decimal("4.00"))
    StoreInventoryItemFactory(store=store, card=dark, quantity=1)
    StoreInventoryItemFactory(store=store, card=full, quantity=8)
    buylist_rules_save(
        store=store,
        data={
            "buy_pct": Decimal("50"),
            "hotlist_bonus_pct": Decimal("20"),
            "card_rules": {"hot": [hot.pk], "dark": [dark.pk], "fixed": {fixed.pk: Decimal("9.99")}},
        },
    )
    covered = set(BuylistEntry.objects.filter(store=store).values_list("card_id", flat=True))
    assert covered == {hot.pk, fixed.pk}  # darklist out, full stock tapers to 0, unrelated not covered
    assert entry(store, hot).cash_price == Decimal("2.80")  # 4 x (50 + 20)%
    assert entry(store, fixed, "DMG").cash_price == Decimal("9.99")  # the override beats condition too
    assert entry(store, fixed).breakdown["override"] == "9.99"


def test_a_card_is_on_one_rule_list_only(store):
    card = CardFactory()
    with pytest.raises(DomainError):
        buylist_rules_save(store=store, data={"card_rules": {"hot": [card.pk], "dark": [card.pk], "fixed": {}}})
    assert not BuylistCardRule.objects.filter(store=store).exists()


def test_condition_multipliers_are_validated(store):
    with pytest.raises(DomainError):
        buylist_rules_save(store=store, data={"condition_multipliers": {"NM": "1.5"}})


def test_rules_model_bounds():
    rules = BuylistRules(store=StoreFactory(), buy_pct=Decimal("0"))
    with pytest.raises(ValidationError):
        rules.full_clean()


def test_signal_demand_raises_the_factor(store):
    card = CardFactory()
    CardPriceFactory(card=card, price=Decimal("10.00"))
    StoreInventoryItemFactory(store=store, card=card, quantity=0)
    signal = RecommendationFactory(card=card)
    for _ in range(5):
        SignalFollowerFactory(recommendation=signal)
    buylist_recompute(store_id=store.pk)
    assert entry(store, card).breakdown["signal_demand"] == 5
    assert entry(store, card).breakdown["demand_factor"] == "1.050"


def test_store_without_buylist_has_none():
    store = StoreFactory(offers_buylist=False)
    StoreInventoryItemFactory(store=store, quantity=1)
    assert buylist_recompute(store_id=store.pk) == 0


# --- local want demand: public lists, private only with opt-in -------------------------------------


def test_local_demand_counts_public_and_opted_in_private_wants_within_radius(store):
    card = CardFactory()
    public = near_trader()
    WantItemFactory(owner=public, card=card)
    private = near_trader()
    ListSettingsFactory(user=private, wants_public=False)
    WantItemFactory(owner=private, card=card)
    private_opted = near_trader(match_with_stores=True)
    ListSettingsFactory(user=private_opted, wants_public=False)
    WantItemFactory(owner=private_opted, card=card)
    WantItemFactory(owner=UserFactory(**FAR), card=card)
    assert local_want_demand(store=store)[card.pk] == 2  # never the private list without opt-in


def test_local_demand_under_k_is_suppressed_and_three_put_a_card_on_the_buylist(store):
    card = CardFactory()
    CardPriceFactory(card=card, price=Decimal("10.00"))
    for _ in range(2):
        WantItemFactory(owner=near_trader(), card=card)
    buylist_recompute(store_id=store.pk)
    assert not BuylistEntry.objects.filter(store=store, card=card).exists()
    WantItemFactory(owner=near_trader(), card=card)
    buylist_recompute(store_id=store.pk)
    row = entry(store, card)
    assert row.breakdown["local_demand"] == "3-9"
    assert row.breakdown["demand_factor"] == "1.150"


# --- quotes ------------------------------------------------------------------------------------------


def test_quote_prices_the_callers_haves_line_by_line(store):
    card, other = CardFactory(name="Alpha"), CardFactory(name="Beta")
    CardPriceFactory(card=card, price=Decimal("10.00"))
    StoreInventoryItemFactory(store=store, card=card, quantity=0)
    buylist_recompute(store_id=store.pk)
    trader = near_trader()
    HaveItemFactory(owner=trader, card=card, quantity=3, condition="NM")
    HaveItemFactory(owner=trader, card=other, quantity=1)  # the store does not buy it
    quote = quote_for(store=store, user=trader).as_dict()
    assert [(line["card_name"], line["quantity"], line["cash_price"]) for line in quote["lines"]] == [
        ("Alpha", 3, "5.00")
    ]
    assert quote["cash_total"] == "15.00"
    assert quote["credit_total"] == "18.75"


def test_quote_offers_only_the_available_quantity(store):
    card = CardFactory()
    CardPriceFactory(card=card, price=Decimal("10.00"))
    buylist_rules_save(store=store, data={"card_rules": {"hot": [card.pk], "dark": [], "fixed": {}}})
    trader = near_trader()
    HaveItemFactory(owner=trader, card=card, quantity=3, reserved=2)
    fully_reserved = CardFactory()
    HaveItemFactory(owner=trader, card=fully_reserved, quantity=1, reserved=1)
    lines = quote_for(store=store, user=trader).lines
    assert [(line.card_id, line.quantity) for line in lines] == [(card.pk, 1)]


def test_sending_a_quote_opens_a_thread_with_a_snapshot(store):
    card = CardFactory()
    CardPriceFactory(card=card, price=Decimal("10.00"))
    buylist_rules_save(store=store, data={"card_rules": {"hot": [card.pk], "dark": [], "fixed": {}}})
    trader = near_trader()
    with pytest.raises(Conflict):
        quote_send(store=store, trader=trader)
    HaveItemFactory(owner=trader, card=card, quantity=1)
    thread = quote_send(store=store, trader=trader, body="Can bring them Saturday")
    assert quote_send(store=store, trader=trader).pk == thread.pk  # one conversation per pair
    message = thread.messages.first()
    assert message.kind == "quote" and message.quote["cash_total"] == "6.00"
    assert access_store_thread(user=store.user, pk=thread.pk) == thread
    with pytest.raises(Http404):
        access_store_thread(user=UserFactory(), pk=thread.pk)


# --- matches --------------------------------------------------------------------------------------


def _stocked_store_and_card(store):
    card = CardFactory()
    CardPriceFactory(card=card, price=Decimal("10.00"))
    StoreInventoryItemFactory(store=store, card=card, quantity=4, price=Decimal("12.00"))
    buylist_recompute(store_id=store.pk)
    return card


def test_matches_are_opted_in_traders_within_radius_only(store):
    card = _stocked_store_and_card(store)
    opted = near_trader(match_with_stores=True, username="opted")
    WantItemFactory(owner=opted, card=card, quantity=2)
    HaveItemFactory(owner=opted, card=card, quantity=1, condition="NM")
    not_opted = near_trader(match_with_stores=False)
    WantItemFactory(owner=not_opted, card=card)
    far = UserFactory(**FAR, match_with_stores=True)
    WantItemFactory(owner=far, card=card)
    matches = store_matches(store=store)
    assert [m.username for m in matches] == ["opted"]
    match = matches[0]
    assert (match.wants_stocked, match.haves_bought) == (1, 1)
    assert match.value == Decimal("24.00") + Decimal("2.50")  # 2 x 12.00 + cash for NM at taper 0.5

    mirror = my_store_matches(user=opted)
    assert [entry.store.pk for entry in mirror] == [store.pk]
    assert mirror[0].stocks[0]["card"] == card.pk
    assert my_store_matches(user=not_opted)[0].quote.lines == []  # they see stores; stores never see them


def test_block_hides_the_trader_and_stops_messages(store):
    card = _stocked_store_and_card(store)
    trader = near_trader(match_with_stores=True)
    WantItemFactory(owner=trader, card=card)
    thread = match_message(store=store, username=trader.username, body="We have it in stock")
    store_block(trader=trader, store=store)
    assert store_matches(store=store) == []
    assert my_store_matches(user=trader) == []
    with pytest.raises(Http404):
        match_message(store=store, username=trader.username, body="Again")
    with pytest.raises(DomainError):
        thread_reply(thread=thread, user=store.user, body="Hello?")
    assert thread_reply(thread=thread, user=trader, body="No thanks").sender == trader


def test_store_cannot_message_a_trader_who_did_not_opt_in(store):
    card = _stocked_store_and_card(store)
    trader = near_trader(match_with_stores=False)
    WantItemFactory(owner=trader, card=card)
    with pytest.raises(Http404):
        match_message(store=store, username=trader.username, body="Hi")
    assert not StoreMessage.objects.exists()


@override_settings(STORE_MATCH_MESSAGES_PER_HOUR=2)
def test_messages_to_matches_are_rate_limited(store):
    card = _stocked_store_and_card(store)
    traders = [near_trader(match_with_stores=True) for _ in range(3)]
    for trader in traders:
        WantItemFactory(owner=trader, card=card)
    match_message(store=store, username=traders[0].username, body="One")
    match_message(store=store, username=traders[1].username, body="Two")
    with pytest.raises(RateLimited):
        match_message(store=store, username=traders[2].username, body="Three")
    assert StoreMessage.objects.count() == 2


def test_trader_reports_a_store_message_once(store):
    card = _stocked_store_and_card(store)
    trader = near_trader(match_with_stores=True)
    WantItemFactory(owner=trader, card=card)
    thread = match_message(store=store, username=trader.username, body="Buy now!!!")
    message = thread.messages.get()
    with pytest.raises(DomainError):
        message_report(message=message, reporter=trader, reason="  ")
    report = message_report(message=message, reporter=trader, reason="Spam")
    assert report.resolved is False
    with pytest.raises(Conflict):
        message_report(message=message, reporter=trader, reason="Spam again")
    with pytest.raises(DomainError):
        message_report(message=message, reporter=store.user, reason="My own")
    assert StoreMessageReport.objects.count() == 1


def test_the_dashboard_shows_the_row_count_the_recompute_stored(client, store):
    card = CardFactory()
    CardPriceFactory(card=card, price=Decimal("10.00"))
    StoreInventoryItemFactory(store=store, card=card, quantity=1)
    buylist_rules_save(store=store, data={"buy_pct": Decimal("50")})
    assert BuylistRules.objects.get(store=store).entry_count == 5 == BuylistEntry.objects.filter(store=store).count()
    client.force_login(store.user)
    assert "5 rows" in client.get("/dashboard/store/buylist/").content.decode()
    type(store).objects.filter(pk=store.pk).update(offers_buylist=False)
    buylist_recompute(store_id=store.pk)
    assert BuylistRules.objects.get(store=store).entry_count == 0
