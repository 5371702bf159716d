"""Registration, verification, hours, the finder, auto pricing and the sync schedule."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, CardPriceFactory
from core.errors import DomainError, InvalidTransition
from stores.enums import StoreStatus, SyncRunStatus
from stores.geo import parse_near
from stores.models import InventorySyncRun, LGSProfile, StoreStatusEvent
from stores.selectors import FinderFilters, store_is_open, stores_near
from stores.services.buylist import buylist_recompute
from stores.services.pricing import store_prices_reprice, stores_reprice_due
from stores.services.profiles import StoreExists, store_register, store_update, validate_hours
from stores.services.syncs import sync_due_claim, sync_settings_update
from stores.services.verification import store_reject, store_verify, transition
from stores.tasks import send_store_status_email

from .factories import OPEN_EVERY_DAY, StoreFactory, StoreInventoryItemFactory

pytestmark = pytest.mark.django_db

REGISTRATION = {
    "store_name": "Mox Boarding House",
    "store_address": "5105 Leary Ave NW",
    "store_city": "Seattle",
    "store_state": "WA",
    "store_postal": "98107",
    "store_country": "US",
    "store_phone": "206-555-0100",
    "store_website": "https://moxboardinghouse.example",
    "timezone": "America/Los_Angeles",
    "offers_buylist": True,
    "offers_events": True,
    "trade_in_bonus_pct": Decimal("25"),
    "hours": {"monday": {"open": "11:00", "close": "22:00"}, "saturday": {"open": "10:00", "close": "24:00"}},
}


def test_registration_makes_a_business_account_with_a_pending_store_located_by_zip():
    trader = UserFactory()
    store = store_register(user=trader, data=REGISTRATION)
    trader.refresh_from_db()
    assert (trader.account_type, trader.business_name, trader.business_verified) == (
        "business",
        "Mox Boarding House",
        False,
    )
    assert store.pk == trader.pk and store.status == StoreStatus.PENDING
    assert store.latitude is not None and abs(float(store.latitude) - 47.66) < 0.1
    assert store.service_radius_km == 40 and store.offers_trades is True
    assert store.hours == REGISTRATION["hours"]
    assert list(store.status_events.values_list("to_status", flat=True)) == ["pending"]


def test_registering_twice_is_refused():
    trader = UserFactory()
    store_register(user=trader, data=REGISTRATION)
    with pytest.raises(StoreExists):
        store_register(user=trader, data=REGISTRATION)
    assert LGSProfile.objects.count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"store_name": ""}, "store_name"),
        ({"store_postal": "", "latitude": None, "longitude": None}, "store_postal"),
        ({"store_postal": "00000"}, "postal_code"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"store_website": "not a site"}, "store_website"),
        ({"hours": {"funday": {"open": "10:00", "close": "11:00"}}}, "hours"),
        ({"trade_in_bonus_pct": "150"}, "trade_in_bonus_pct"),
        ({"latitude": Decimal("47.1")}, "latitude"),
    ],
)
def test_registration_validates_and_changes_nothing(change, field):
    trader = UserFactory()
    with pytest.raises(DomainError) as error:
        store_register(user=trader, data={**REGISTRATION, **change})
    assert error.value.field == field
    trader.refresh_from_db()
    assert trader.account_type == "personal" and not LGSProfile.objects.exists()


def test_coordinates_place_a_store_outside_the_us():
    store = store_register(
        user=UserFactory(),
        data={
            "store_name": "Dragon's Lair",
            "store_country": "GB",
            "latitude": "51.5072",
            "longitude": "-0.1276",
            "timezone": "Europe/London",
        },
    )
    assert store.latitude == Decimal("51.50720000") and store.store_country == "GB"


@pytest.mark.parametrize(
    "hours, message",
    [
        ({"monday": {"open": "10:00", "close": "09:00"}}, "Monday: closing time must be after opening time."),
        ({"monday": {"open": "10:00", "close": "10:00"}}, "Monday: closing time must be after opening time."),
        ({"tuesday": {"open": "25:00", "close": "26:00"}}, "Tuesday: opening time must be HH:MM"),
        ({"tuesday": {"open": "9am", "close": "5pm"}}, "Tuesday: opening time must be HH:MM"),
        ({"friday": {"open": "10:00"}}, "Friday: give an opening and a closing time."),
        (["monday"], "mapping of weekday"),
    ],
)
def test_hours_validation(hours, message):
    with pytest.raises(DomainError, match=message.replace("(", r"\(")):
        validate_hours(hours)


def test_hours_are_normalised_to_weekday_order_and_closed_days_dropped():
    assert validate_hours({"sunday": {"open": "12:00", "close": "18:00"}, "monday": {}, "friday": None}) == {
        "sunday": {"open": "12:00", "close": "18:00"}
    }


def test_verify_flips_business_verified_and_emails_the_owner():
    store = store_register(user=UserFactory(), data=REGISTRATION)
    staff = UserFactory(is_staff=True)
    store_verify(store_id=store.pk, acting_user=staff)
    send_store_status_email(StoreStatusEvent.objects.get(to_status="verified").pk)  # on_commit in production
    store.refresh_from_db()
    store.user.refresh_from_db()
    assert store.status == StoreStatus.VERIFIED and store.user.business_verified is True
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [store.user.email]
    assert "is verified" in mail.outbox[0].subject
    assert f"/stores/{store.pk}/" in mail.outbox[0].body


def test_status_email_is_sent_once_even_if_the_task_runs_twice():
    store = store_register(user=UserFactory(), data=REGISTRATION)
    store_verify(store_id=store.pk, acting_user=UserFactory(is_staff=True))
    event = StoreStatusEvent.objects.get(to_status="verified")
    assert send_store_status_email(event.pk) is True
    assert send_store_status_email(event.pk) is False
    assert len(mail.outbox) == 1


def test_reject_needs_a_reason_and_emails_it():
    store = store_register(user=UserFactory(), data=REGISTRATION)
    staff = UserFactory(is_staff=True)
    with pytest.raises(DomainError, match="reason"):
        store_reject(store_id=store.pk, acting_user=staff, reason="  ")
    store.refresh_from_db()
    assert store.status == StoreStatus.PENDING
    store_reject(store_id=store.pk, acting_user=staff, reason="We could not find the shop at that address.")
    send_store_status_email(StoreStatusEvent.objects.get(to_status="rejected").pk)
    store.refresh_from_db()
    assert store.status == StoreStatus.REJECTED
    assert store.rejection_reason == "We could not find the shop at that address."
    assert "We could not find the shop at that address." in mail.outbox[0].body


def test_a_rejected_owner_fixes_the_profile_and_it_is_pending_again():
    trader = UserFactory()
    store = store_register(user=trader, data=REGISTRATION)
    store_reject(store_id=store.pk, acting_user=UserFactory(is_staff=True), reason="Street address missing a number")
    store = store_update(store=store, acting_user=trader, data={"store_address": "5105 Leary Ave NW, Suite 2"})
    assert store.status == StoreStatus.PENDING and store.rejection_reason == ""
    trader.refresh_from_db()
    assert trader.account_type == "business" and trader.business_verified is False
    assert list(store.status_events.order_by("id").values_list("to_status", flat=True)) == [
        "pending",
        "rejected",
        "pending",
    ]


def test_revoking_a_verification_clears_business_verified():
    store = StoreFactory(status=StoreStatus.VERIFIED)
    store_reject(store_id=store.pk, acting_user=UserFactory(is_staff=True), reason="Closed permanently")
    store.user.refresh_from_db()
    assert store.user.business_verified is False


@pytest.mark.parametrize(
    "start, target",
    [
        (StoreStatus.VERIFIED, StoreStatus.VERIFIED),
        (StoreStatus.VERIFIED, StoreStatus.PENDING),
        (StoreStatus.REJECTED, StoreStatus.VERIFIED),
        (StoreStatus.PENDING, StoreStatus.PENDING),
    ],
)
def test_forbidden_moves_are_refused(start, target):
    store = StoreFactory(status=start, rejection_reason="x" if start == StoreStatus.REJECTED else "")
    with pytest.raises(InvalidTransition):
        transition(store_id=store.pk, to_status=target, actor=None)
    store.refresh_from_db()
    assert store.status == start


def test_editing_a_verified_store_keeps_it_verified():
    store = StoreFactory()
    store = store_update(store=store, acting_user=store.user, data={"store_phone": "555"})
    assert store.status == StoreStatus.VERIFIED


# --- hours and finder -----------------------------------------------------------------------


def test_open_now_is_judged_in_the_stores_time_zone():
    hours = {"monday": {"open": "10:00", "close": "21:00"}}
    # Monday 2026-11-30 17:30 UTC is 09:30 in Seattle (closed) and 12:30 in New York (open).
    moment = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
    assert store_is_open(hours=hours, tz_name="America/Los_Angeles", now=moment) is False
    assert store_is_open(hours=hours, tz_name="America/New_York", now=moment) is True
    assert store_is_open(hours=hours, tz_name="America/New_York", now=moment + timedelta(hours=9)) is False
    assert store_is_open(hours=OPEN_EVERY_DAY, tz_name="Asia/Tokyo", now=moment) is True


def test_parse_near_accepts_zip_and_coordinates_and_rejects_the_rest():
    lat, lng = parse_near("98101")
    assert abs(lat - 47.61) < 0.1 and abs(lng + 122.33) < 0.1
    assert parse_near(" 47.5, -122.25 ") == (47.5, -122.25)
    for bad in ["", "hello", "99999", "91,500", "47.5;-122"]:
        with pytest.raises(DomainError):
            parse_near(bad)


SEATTLE = (47.6062, -122.3321)


def test_finder_sorts_by_distance_within_the_radius_and_shows_only_verified_stores():
    near = StoreFactory(store_name="Near", latitude=Decimal("47.61"), longitude=Decimal("-122.33"))
    mid = StoreFactory(store_name="Mid", latitude=Decimal("47.66"), longitude=Decimal("-122.38"))  # ~7 km
    StoreFactory(store_name="Tacoma", latitude=Decimal("47.2529"), longitude=Decimal("-122.4443"))  # ~40.5 km
    StoreFactory(store_name="Pending", status=StoreStatus.PENDING)
    StoreFactory(store_name="Rejected", status=StoreStatus.REJECTED, rejection_reason="no")
    found = stores_near(lat=SEATTLE[0], lng=SEATTLE[1], radius_km=40, filters=FinderFilters())
    assert [entry.store.store_name for entry in found] == ["Near", "Mid"]
    assert found[0].distance_km < found[1].distance_km
    assert near.pk == found[0].store.pk and mid.pk == found[1].store.pk
    wider = stores_near(lat=SEATTLE[0], lng=SEATTLE[1], radius_km=50, filters=FinderFilters())
    assert [entry.store.store_name for entry in wider] == ["Near", "Mid", "Tacoma"]


def test_finder_returns_at_most_100_stores():
    StoreFactory.create_batch(105)
    assert len(stores_near(lat=SEATTLE[0], lng=SEATTLE[1], radius_km=40, filters=FinderFilters())) == 100


def test_finder_filters_features_open_now_stocks_and_buys():
    card = CardFactory()
    always = StoreFactory(store_name="Always open", hours=OPEN_EVERY_DAY, offers_buylist=True)
    never = StoreFactory(store_name="Never open", hours={}, offers_trades=False, offers_events=True)
    full = StoreFactory(store_name="Full of it", hours={}, offers_buylist=True)
    StoreInventoryItemFactory(store=always, card=card, quantity=2)
    StoreInventoryItemFactory(store=never, card=card, quantity=0)
    StoreInventoryItemFactory(store=full, card=card, quantity=8)
    CardPriceFactory(card=card, finish="nonfoil", price=Decimal("4.00"))
    for store in (always, never, full):
        buylist_recompute(store_id=store.pk)

    def names(**filters):
        found = stores_near(lat=SEATTLE[0], lng=SEATTLE[1], radius_km=40, filters=FinderFilters(**filters))
        return sorted(entry.store.store_name for entry in found)

    assert names(buylist=True) == ["Always open", "Full of it"]
    assert names(trades=True) == ["Always open", "Full of it"]
    assert names(events=True) == ["Never open"]
    assert names(open_now=True) == ["Always open"]
    assert names(stocks=card.pk) == ["Always open", "Full of it"]  # quantity 0 is not stock
    # The smart buylist: "Full of it" holds 8, the default maximum, so its taper is 0.
    assert names(buys=card.pk) == ["Always open"]


# --- pricing --------------------------------------------------------------------------------


def test_auto_adjustment_reprices_from_market_and_leaves_feed_price():
    store = StoreFactory(auto_price_adjustment=True, price_adjustment_pct=Decimal("10"))
    card = CardFactory()
    CardPriceFactory(card=card, finish="nonfoil", price=Decimal("4.99"))
    item = StoreInventoryItemFactory(store=store, card=card, price=Decimal("3.00"), feed_price=Decimal("3.00"))
    unpriced = StoreInventoryItemFactory(store=store, price=Decimal("1.23"))
    assert store_prices_reprice(store_id=store.pk) == 1
    item.refresh_from_db()
    unpriced.refresh_from_db()
    assert item.price == Decimal("5.49") and item.feed_price == Decimal("3.00")
    assert unpriced.price == Decimal("1.23")  # no market price: left alone


def test_reprice_job_runs_only_for_stores_whose_prices_moved():
    store = StoreFactory(auto_price_adjustment=True, price_adjustment_pct=Decimal("-5"))
    off = StoreFactory(auto_price_adjustment=False)
    card = CardFactory()
    price = CardPriceFactory(card=card, price=Decimal("10.00"))
    StoreInventoryItemFactory(store=store, card=card)
    StoreInventoryItemFactory(store=off, card=card, price=Decimal("2.00"))
    assert stores_reprice_due() == [store.pk]
    assert stores_reprice_due() == []  # nothing moved since
    price.captured_at = timezone.now() + timedelta(minutes=1)
    price.save()
    assert stores_reprice_due() == [store.pk]
    assert off.inventory_items.get().price == Decimal("2.00")
    assert store.inventory_items.get().price == Decimal("9.50")


# --- schedule -------------------------------------------------------------------------------


def test_sync_settings_keep_the_auth_header_write_only_and_validate():
    store = StoreFactory()
    for bad, field in [
        ({"sync_url": "http://feeds.example/inv.csv"}, "sync_url"),
        ({"sync_url": "https://u:p@feeds.example/inv.csv"}, "sync_url"),
        ({"sync_interval_minutes": 5}, "sync_interval_minutes"),
        ({"sync_auth_header": "no colon here"}, "sync_auth_header"),
        ({"sync_url": "", "sync_interval_minutes": 60}, "sync_url"),
    ]:
        data = {
            "provider": "tcgplayer",
            "mode": "full",
            "sync_url": "https://feeds.example/inv.csv",
            "sync_auth_header": None,
            "sync_interval_minutes": 60,
            **bad,
        }
        with pytest.raises(DomainError) as error:
            sync_settings_update(store=store, acting_user=store.user, **data)
        assert error.value.field == field
    store = sync_settings_update(
        store=store,
        acting_user=store.user,
        provider="tcgplayer",
        mode="full",
        sync_url="https://feeds.example/inv.csv",
        sync_auth_header="Authorization: Bearer abc",
        sync_interval_minutes=60,
    )
    assert store.next_sync_at is not None and store.sync_auth_header == "Authorization: Bearer abc"
    store = sync_settings_update(
        store=store,
        acting_user=store.user,
        provider="tcgplayer",
        mode="full",
        sync_url="https://feeds.example/inv.csv",
        sync_auth_header=None,
        sync_interval_minutes=60,
    )
    assert store.sync_auth_header == "Authorization: Bearer abc"  # None keeps it
    store = sync_settings_update(
        store=store,
        acting_user=store.user,
        provider="tcgplayer",
        mode="full",
        sync_url="",
        sync_auth_header="",
        sync_interval_minutes=None,
    )
    assert store.sync_auth_header == "" and store.next_sync_at is None


def test_the_beat_job_claims_due_stores_once(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    now = timezone.now()
    due = StoreFactory(
        sync_url="https://feeds.example/a.csv",
        inventory_sync_provider="tcgplayer",
        sync_interval_minutes=60,
        next_sync_at=now - timedelta(minutes=1),
    )
    StoreFactory(
        sync_url="https://feeds.example/b.csv",
        inventory_sync_provider="tcgplayer",
        sync_interval_minutes=60,
        next_sync_at=now + timedelta(minutes=30),
    )
    run_ids = sync_due_claim(now=now)
    assert len(run_ids) == 1
    run = InventorySyncRun.objects.get(pk=run_ids[0])
    assert (run.store_id, run.source, run.status) == (due.pk, "url", SyncRunStatus.QUEUED)
    due.refresh_from_db()
    assert due.next_sync_at == now + timedelta(minutes=60)
    assert sync_due_claim(now=now) == []  # claimed: the next tick finds nothing due


def test_runs_that_died_are_failed_so_the_store_can_sync_again():
    from stores.enums import SyncSource
    from stores.services.syncs import STALE_MESSAGE, sync_runs_fail_stale

    now = timezone.now()
    dead = InventorySyncRun.objects.create(
        store=StoreFactory(),
        provider="tcgplayer",
        source=SyncSource.URL,
        status=SyncRunStatus.RUNNING,
        started_at=now - timedelta(minutes=40),
    )
    lost = InventorySyncRun.objects.create(store=StoreFactory(), provider="tcgplayer", source=SyncSource.URL)
    InventorySyncRun.objects.filter(pk=lost.pk).update(created_at=now - timedelta(hours=3))
    busy = InventorySyncRun.objects.create(
        store=StoreFactory(),
        provider="tcgplayer",
        source=SyncSource.URL,
        status=SyncRunStatus.RUNNING,
        started_at=now - timedelta(minutes=5),
    )
    waiting = InventorySyncRun.objects.create(store=StoreFactory(), provider="tcgplayer", source=SyncSource.URL)
    assert sync_runs_fail_stale(now=now) == 2
    statuses = dict(InventorySyncRun.objects.values_list("pk", "status"))
    assert statuses == {dead.pk: "failed", lost.pk: "failed", busy.pk: "running", waiting.pk: "queued"}
    dead.refresh_from_db()
    assert dead.failure_message == STALE_MESSAGE and dead.store.sync_status == "failed"
    assert sync_runs_fail_stale(now=now) == 0


# --- card names copied onto items (the store page lists by them) ------------------------------------


def test_items_carry_their_card_name_and_the_store_page_lists_by_it():
    from stores.selectors import inventory_public_list

    store = StoreFactory()
    for name in ("Ornithopter", "Birds of Paradise", "Zuran Orb"):
        StoreInventoryItemFactory(store=store, card=CardFactory(name=name), quantity=1)
    assert [item.card_name for item in inventory_public_list(store=store)] == [
        "Birds of Paradise",
        "Ornithopter",
        "Zuran Orb",
    ]
    assert [item.card_name for item in inventory_public_list(store=store, q="orb")] == ["Zuran Orb"]


def test_card_names_refresh_follows_a_renamed_card_onto_items_and_buylist_rows():
    from cards.models import Card
    from stores.models import BuylistEntry, StoreInventoryItem
    from stores.services.inventory import card_names_refresh

    store = StoreFactory(offers_buylist=True)
    card = CardFactory(name="Old Name")
    CardPriceFactory(card=card, price=Decimal("4.00"))
    StoreInventoryItemFactory(store=store, card=card, quantity=1)
    StoreInventoryItemFactory(store=store, card=CardFactory(name="Untouched"), quantity=1)
    buylist_recompute(store_id=store.pk)
    Card.objects.filter(pk=card.pk).update(name="New Name")  # the catalog import renames it
    assert card_names_refresh() == 1 + BuylistEntry.objects.filter(store=store, card=card).count()
    assert set(StoreInventoryItem.objects.values_list("card_name", flat=True)) == {"New Name", "Untouched"}
    assert set(BuylistEntry.objects.filter(card=card).values_list("card_name", flat=True)) == {"New Name"}
    assert card_names_refresh() == 0
