"""Store pages: registration, finder, store page, the owner dashboard, staff admin actions."""

from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, CardPriceFactory
from lists.models import WantItem
from stores.enums import StoreStatus, SyncRunStatus, SyncSource
from stores.models import InventorySyncRun, LGSProfile, StoreInventoryItem, StoreStatusEvent
from stores.services.buylist import buylist_recompute, buylist_rules_save
from stores.tasks import send_store_status_email

from .conftest import upload
from .factories import OPEN_EVERY_DAY, StoreFactory, StoreInventoryItemFactory

pytestmark = pytest.mark.django_db

FORM = {
    "store_name": "Zulu's Board Game Cafe",
    "store_address": "123 Main St",
    "store_city": "Seattle",
    "store_state": "WA",
    "store_postal": "98101",
    "store_country": "US",
    "timezone": "America/Los_Angeles",
    "service_radius_km": "40",
    "offers_trades": "on",
    "offers_buylist": "on",
    "trade_in_bonus_pct": "20",
    "price_adjustment_pct": "0",
    "monday_open": "10:00",
    "monday_close": "21:00",
    "saturday_open": "09:00",
    "saturday_close": "00:00",
}


def test_register_page_creates_a_pending_store(client):
    trader = UserFactory()
    client.force_login(trader)
    assert client.get(reverse("stores:register")).status_code == 200
    response = client.post(reverse("stores:register"), FORM)
    assert response.status_code == 302 and response["Location"] == reverse("stores:dashboard")
    store = LGSProfile.objects.get(pk=trader.pk)
    assert store.status == StoreStatus.PENDING
    assert store.hours == {
        "monday": {"open": "10:00", "close": "21:00"},
        "saturday": {"open": "09:00", "close": "24:00"},
    }
    assert store.offers_buylist and not store.offers_events
    assert client.get(reverse("stores:register")).status_code == 302  # already registered: the dashboard


@pytest.mark.parametrize(
    "change, message",
    [
        ({"monday_close": "09:00"}, "closing time must be after opening time"),
        ({"monday_close": ""}, "Give both times, or neither"),
        ({"store_postal": "00000"}, "could not find the ZIP code"),
        ({"store_name": ""}, "This field is required"),
    ],
)
def test_register_form_errors_rerender_with_422(client, change, message):
    client.force_login(UserFactory())
    response = client.post(reverse("stores:register"), {**FORM, **change})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not LGSProfile.objects.exists()


def test_register_requires_login(client):
    response = client.get(reverse("stores:register"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_store_page_shows_hours_features_open_badge_and_searchable_stock(client, django_assert_max_num_queries):
    store = StoreFactory(hours=OPEN_EVERY_DAY, offers_buylist=True, trade_in_bonus_pct=Decimal("25"))
    for index in range(30):
        StoreInventoryItemFactory(store=store, card=CardFactory(name=f"Card {index:02d}"), quantity=1)
    StoreInventoryItemFactory(store=store, card=CardFactory(name="Sold Out"), quantity=0)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("stores:detail", args=[store.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Open now" in page and "Buys cards (buylist)" in page and "25 % extra as store credit" in page
    assert "Card 29" in page and "Sold Out" not in page
    response = client.get(reverse("stores:detail", args=[store.pk]), {"q": "card 07"})
    assert "Card 07" in response.content.decode() and "Card 08" not in response.content.decode()


def test_store_page_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    store = StoreFactory()
    for _ in range(50):
        StoreInventoryItemFactory(store=store, quantity=2)
    trader = UserFactory()
    client.force_login(trader)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("stores:detail", args=[store.pk])).status_code == 200


def test_finder_page_by_zip_with_want_list_counts(client, django_assert_max_num_queries):
    wanted = CardFactory(name="Sheoldred, the Apocalypse")
    near = StoreFactory(store_name="Near Games")
    StoreFactory(store_name="Nothing Wanted")
    StoreFactory(store_name="New York Games", latitude=Decimal("40.71"), longitude=Decimal("-74.00"))
    StoreInventoryItemFactory(store=near, card=wanted, quantity=1)
    trader = UserFactory()
    WantItem.objects.create(owner=trader, card=wanted, quantity=1)
    client.force_login(trader)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("stores:finder"), {"near": "98101", "radius_km": "40"})
    page = response.content.decode()
    assert "2 stores found" in page and "New York Games" not in page
    assert "Stocks 1 card on your want list" in page
    response = client.get(reverse("stores:finder"), {"near": "98101", "my_wants": "on"})
    assert "1 store found" in response.content.decode() and "Nothing Wanted" not in response.content.decode()
    detail = client.get(reverse("stores:detail", args=[near.pk])).content.decode()
    assert "On your want list" in detail


def test_finder_page_stocks_and_buys_a_card(client):
    card = CardFactory(name="The One Ring")
    stocked = StoreFactory(store_name="Has The Ring", offers_buylist=True)
    buyer = StoreFactory(store_name="Buys The Ring", offers_buylist=True)
    StoreInventoryItemFactory(store=stocked, card=card, quantity=9)
    CardPriceFactory(card=card, price=Decimal("50.00"))
    buylist_rules_save(store=buyer, data={"card_rules": {"hot": [card.pk], "dark": [], "fixed": {}}})
    buylist_recompute(store_id=stocked.pk)
    page = client.get(reverse("stores:finder"), {"near": "98101", "stocks": card.pk}).content.decode()
    assert "Has The Ring" in page and "Buys The Ring" not in page and "Only stores that have" in page
    page = client.get(reverse("stores:finder"), {"near": "98101", "buys": card.pk}).content.decode()
    assert (
        "Buys The Ring" in page and "Has The Ring" not in page
    )  # holds 9: its buylist tapers to 0 at the default maximum of 8
    assert client.get(reverse("stores:finder"), {"near": "98101", "stocks": "999999999"}).status_code == 400
    assert client.get(reverse("stores:finder"), {"near": "98101", "buys": "x"}).status_code == 400


def test_finder_page_bad_near_is_400_with_the_reason(client):
    response = client.get(reverse("stores:finder"), {"near": "nowhere"})
    assert response.status_code == 400 and "ZIP code" in response.content.decode()


def test_finder_page_without_a_search_shows_the_form(client):
    response = client.get(reverse("stores:finder"))
    assert response.status_code == 200 and "Use my location" in response.content.decode()


def test_dashboard_pages_for_the_owner(client, catalog, django_assert_max_num_queries):
    store = StoreFactory()
    for card in catalog.values():
        StoreInventoryItemFactory(store=store, card=card, quantity=2, price=Decimal("2.00"))
    client.force_login(store.user)
    overview = client.get(reverse("stores:dashboard")).content.decode()
    assert "$20.00" in overview and "SKUs in stock" in overview
    with django_assert_max_num_queries(12):
        response = client.get(reverse("stores:dashboard_inventory"), {"o": "-quantity"})
    assert response.status_code == 200
    for name in ("dashboard_profile", "dashboard_sync", "dashboard_mapping"):
        assert client.get(reverse(f"stores:{name}")).status_code == 200


def test_inventory_change_list_filters_searches_and_sorts(client, catalog):
    store = StoreFactory()
    StoreInventoryItemFactory(store=store, card=catalog["bolt"], quantity=5, condition="NM")
    StoreInventoryItemFactory(store=store, card=catalog["saga"], quantity=0, condition="LP")
    StoreInventoryItemFactory(store=store, card=catalog["ragavan"], quantity=1, condition="NM", finish="foil")
    client.force_login(store.user)
    url = reverse("stores:dashboard_inventory")

    def names(**params):
        page = client.get(url, params).context["page"]
        return [item.card.name for item in page.object_list]

    assert names(q="bolt") == ["Lightning Bolt"]
    assert names(stock="out") == ["Urza's Saga"]
    assert names(condition="NM", o="quantity") == ["Ragavan, Nimble Pilferer", "Lightning Bolt"]
    assert names(finish="foil") == ["Ragavan, Nimble Pilferer"]
    assert names(o="-name") == ["Urza's Saga", "Ragavan, Nimble Pilferer", "Lightning Bolt"]
    assert names(condition="XX") == []  # an invalid filter shows nothing rather than everything


def test_inline_edit_and_bulk_actions(client):
    store = StoreFactory()
    item = StoreInventoryItemFactory(store=store, quantity=3, price=Decimal("2.00"), feed_price=Decimal("1.50"))
    other = StoreInventoryItemFactory(store=store, quantity=4)
    client.force_login(store.user)
    response = client.post(
        reverse("stores:dashboard_item_edit", args=[item.pk]),
        {"quantity": "7", "price": "2.75"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Saved" in response.content.decode()
    item.refresh_from_db()
    assert (item.quantity, item.price) == (7, Decimal("2.75"))
    response = client.post(reverse("stores:dashboard_item_edit", args=[item.pk]), {"quantity": "-1"})
    assert response.status_code == 422
    client.post(reverse("stores:dashboard_bulk"), {"action": "price_to_feed", "items": [item.pk]})
    item.refresh_from_db()
    assert item.price == Decimal("1.50")
    client.post(reverse("stores:dashboard_bulk"), {"action": "zero", "items": [item.pk, other.pk]})
    assert set(StoreInventoryItem.objects.values_list("quantity", flat=True)) == {0}
    client.post(reverse("stores:dashboard_bulk"), {"action": "delete", "items": [other.pk]})
    assert list(StoreInventoryItem.objects.values_list("pk", flat=True)) == [item.pk]


def test_upload_sync_and_see_the_error_report(client, catalog):
    store = StoreFactory()
    client.force_login(store.user)
    response = client.post(
        reverse("stores:dashboard_sync"),
        {"file": upload("tcgplayer_bad_rows.csv"), "provider": "tcgplayer", "mode": "full", "upload": ""},
    )
    assert response.status_code == 302
    run = InventorySyncRun.objects.get(store=store)
    from stores.services.syncs import sync_run_execute

    sync_run_execute(run_id=run.pk)
    page = client.get(response["Location"]).content.decode()
    assert "Rows with errors (5)" in page and "Unknown condition “Gently Used”." in page
    assert "Cards we could not find (3)" in page and "Unknown set “Made Up Set”." in page
    history = client.get(reverse("stores:dashboard_sync")).content.decode()
    assert "5 errors, 3 unmatched" in history


def test_running_sync_progress_polls_and_a_second_upload_is_refused(client):
    store = StoreFactory()
    run = InventorySyncRun.objects.create(
        store=store,
        provider="tcgplayer",
        source=SyncSource.UPLOAD,
        status=SyncRunStatus.RUNNING,
        bytes_total=1000,
        bytes_processed=250,
        rows_processed=1200,
    )
    client.force_login(store.user)
    partial = client.get(reverse("stores:dashboard_sync_run", args=[run.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in partial and "1,200 rows read (25%)" in partial
    response = client.post(
        reverse("stores:dashboard_sync"),
        {"file": upload("tcgplayer_good.csv"), "provider": "tcgplayer", "mode": "full", "upload": ""},
    )
    assert response.status_code == 422 and f"Sync {run.pk} is still running" in response.content.decode()


def test_sync_settings_form_never_shows_the_saved_auth_header(client):
    store = StoreFactory()
    client.force_login(store.user)
    response = client.post(
        reverse("stores:dashboard_sync"),
        {
            "save_settings": "",
            "provider": "tcgplayer",
            "mode": "full",
            "sync_url": "https://feeds.example/x.csv",
            "sync_auth_header": "Authorization: Bearer topsecret",
            "sync_interval_minutes": "60",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("stores:dashboard_sync")).content.decode()
    assert "topsecret" not in page and "An auth header is saved" in page
    store.refresh_from_db()
    assert store.sync_auth_header == "Authorization: Bearer topsecret" and store.next_sync_at is not None


def test_mapping_screen_reads_a_sample_header_and_saves_the_mapping(client):
    store = StoreFactory()
    client.force_login(store.user)
    response = client.post(reverse("stores:dashboard_mapping"), {"file": upload("generic_mapped.csv")})
    page = response.content.decode()
    assert response.status_code == 200 and '<option value="qty">qty</option>' in page
    response = client.post(
        reverse("stores:dashboard_mapping"),
        {
            "columns": "\x1f".join(["card", "edition", "qty", "grade", "foil?", "ask", "scryfall"]),
            "name": "card",
            "set_code": "edition",
            "quantity": "qty",
            "condition": "grade",
        },
    )
    assert response.status_code == 302
    store.refresh_from_db()
    assert store.inventory_sync_config["csv_mapping"] == {
        "name": "card",
        "set_code": "edition",
        "quantity": "qty",
        "condition": "grade",
    }
    response = client.post(reverse("stores:dashboard_mapping"), {"columns": "card\x1fqty", "name": "card"})
    assert response.status_code == 422 and "needs a quantity column" in response.content.decode()


def test_rejected_owner_sees_the_reason_and_resubmits(client):
    store = StoreFactory(status=StoreStatus.REJECTED, rejection_reason="Add your street number.")
    client.force_login(store.user)
    page = client.get(reverse("stores:dashboard")).content.decode()
    assert "Add your street number." in page
    initial = client.get(reverse("stores:dashboard_profile")).context["form"].initial
    data = {
        key: value
        for key, value in {**initial, "store_address": "12 Pike St"}.items()
        if value is not None and value is not False
    }
    response = client.post(reverse("stores:dashboard_profile"), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    store.refresh_from_db()
    assert store.status == StoreStatus.PENDING and store.store_address == "12 Pike St"


def _staff_in_admin(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())  # the admin wants staff with two factors
    client.force_login(staff)
    return staff


def test_staff_verify_and_reject_through_admin_actions(client):
    pending = StoreFactory(status=StoreStatus.PENDING)
    other = StoreFactory(status=StoreStatus.PENDING)
    staff = _staff_in_admin(client)
    changelist = reverse("admin:stores_lgsprofile_changelist")
    assert client.get(changelist, {"status__exact": "pending"}).status_code == 200
    client.post(changelist, {"action": "verify_stores", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    pending.user.refresh_from_db()
    assert pending.status == StoreStatus.VERIFIED and pending.user.business_verified
    assert StoreStatusEvent.objects.filter(store=pending, to_status="verified", actor=staff).exists()
    # Reject asks for the reason first; without one nothing changes.
    response = client.post(changelist, {"action": "reject_stores", "_selected_action": [other.pk]})
    assert response.status_code == 200 and "Reason" in response.content.decode()
    response = client.post(changelist, {"action": "reject_stores", "_selected_action": [other.pk], "reason": ""})
    other.refresh_from_db()
    assert other.status == StoreStatus.PENDING
    client.post(changelist, {"action": "reject_stores", "_selected_action": [other.pk], "reason": "Not a store"})
    other.refresh_from_db()
    assert other.status == StoreStatus.REJECTED and other.rejection_reason == "Not a store"
    for event in StoreStatusEvent.objects.filter(to_status__in=["verified", "rejected"]):
        send_store_status_email(event.pk)
    assert sorted(message.to[0] for message in mail.outbox) == sorted([pending.user.email, other.user.email])
    assert client.get(reverse("admin:stores_lgsprofile_change", args=[pending.pk])).status_code == 200
    assert client.get(reverse("admin:stores_inventorysyncrun_changelist")).status_code == 200


def test_store_page_and_dashboard_inventory_show_live_market_prices(client):
    """Market prices carry the live price span (ticks over /ws/prices/ swap it by id) on the first row
    of a card and finish; further rows of that card and finish follow it (data-market-*)."""
    store = StoreFactory()
    card = CardFactory(name="Lightning Bolt")
    CardPriceFactory(card=card, finish="nonfoil", price=Decimal("3.25"), currency="USD")
    StoreInventoryItemFactory(store=store, card=card, condition="NM", quantity=1)
    StoreInventoryItemFactory(store=store, card=card, condition="LP", quantity=1)
    unpriced = CardFactory(name="Unpriced Card")
    StoreInventoryItemFactory(store=store, card=unpriced, quantity=1)
    live = f'id="price-{card.pk}-nonfoil" class="price" data-live-card="{card.pk}" data-price="3.25"'
    follower = f'data-market-card="{card.pk}" data-market-finish="nonfoil">$3.25</span>'
    for url, viewer in (
        (reverse("stores:detail", args=[store.pk]), None),
        (reverse("stores:dashboard_inventory"), store.user),
    ):
        if viewer:
            client.force_login(viewer)
        page = client.get(url).content.decode()
        assert page.count(live) == 1 and page.count(follower) == 1
        assert f'id="price-{unpriced.pk}-nonfoil" class="price" data-live-card="{unpriced.pk}">—' in page
        assert 'id="live-prices-socket"' in page and "js/live_prices" in page


def test_store_page_pages_through_stock_by_name_without_counting(client):
    store = StoreFactory()
    for index in range(55):
        StoreInventoryItemFactory(store=store, card=CardFactory(name=f"Card {index:02d}"), quantity=1)
    url = reverse("stores:detail", args=[store.pk])
    first = client.get(url).content.decode()
    assert "Card 00" in first and "Card 49" in first and "Card 50" not in first
    assert "Page 1" in first and "page=2" in first and "Previous" not in first
    second = client.get(url, {"page": "2"}).content.decode()
    assert "Card 50" in second and "Card 54" in second and "Card 49" not in second
    assert "page=1" in second and "page=3" not in second
    assert "No more stock" in client.get(url, {"page": "3"}).content.decode()
    assert client.get(url, {"page": "x"}).status_code == 404
