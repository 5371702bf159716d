"""Demo stores: verified stores around a few US ZIP codes with inventories and schedules, and one
pending store for the staff demo.

Idempotent: a store is made once; its inventory is synced only while it has none. Each
inventory arrives through the real TCGplayer sync (a generated seller export), so the demo
shows a sync run in the owner's history. Seattle's store stocks demo_trader's wants, so the
finder says so when demo_trader searches from 98101.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from cards.models import Card, CardPrice
from lists.enums import ListKind
from lists.selectors import list_items_for

from .enums import StoreStatus, SyncSource
from .models import LGSProfile
from .services.profiles import store_register
from .services.syncs import sync_run_execute, sync_run_start
from .services.verification import store_verify

WEEK = {
    "monday": {"open": "11:00", "close": "21:00"},
    "tuesday": {"open": "11:00", "close": "21:00"},
    "wednesday": {"open": "11:00", "close": "22:00"},
    "thursday": {"open": "11:00", "close": "21:00"},
    "friday": {"open": "11:00", "close": "24:00"},
    "saturday": {"open": "10:00", "close": "24:00"},
    "sunday": {"open": "12:00", "close": "18:00"},
}
DEMO_STORES = [
    # username, store name, ZIP, city, state, timezone, buylist, events, verified
    ("store_seattle", "Emerald City Games", "98101", "Seattle", "WA", "America/Los_Angeles", True, True, True),
    ("store_fremont", "Fremont Card Shop", "98103", "Seattle", "WA", "America/Los_Angeles", False, True, True),
    ("store_bellevue", "Eastside Gaming", "98004", "Bellevue", "WA", "America/Los_Angeles", True, False, True),
    ("store_portland", "Rose City Magic", "97205", "Portland", "OR", "America/Los_Angeles", True, True, True),
    ("store_austin", "Lone Star Cards", "78701", "Austin", "TX", "America/Chicago", True, True, True),
    ("store_brooklyn", "Brooklyn Game Lab", "11201", "Brooklyn", "NY", "America/New_York", False, True, True),
    ("store_pending", "Tacoma Tabletop (pending)", "98402", "Tacoma", "WA", "America/Los_Angeles", True, True, False),
]
HEADER = [
    "TCGplayer Id",
    "Product Line",
    "Set Name",
    "Product Name",
    "Title",
    "Number",
    "Rarity",
    "Condition",
    "TCG Market Price",
    "TCG Direct Low",
    "TCG Low Price With Shipping",
    "TCG Low Price",
    "Total Quantity",
    "Add to Quantity",
    "TCG Marketplace Price",
    "Photo URL",
]
CONDITIONS = ["Near Mint", "Near Mint", "Near Mint", "Lightly Played", "Moderately Played", "Near Mint Foil"]


def _password() -> str:
    from accounts.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def _owner(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        from accounts.services import user_create

        user = user_create(email=f"{username}@bazaar.test", username=username, password=_password())
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user


def _export(cards: list[Card], prices: dict[int, Decimal], rng: random.Random) -> bytes:
    """A TCGplayer seller inventory export of these cards, as a store would download it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for index, card in enumerate(cards):
        condition = rng.choice(CONDITIONS)
        if condition.endswith("Foil") and "foil" not in (card.finishes or []):
            condition = "Near Mint"
        market = prices.get(card.pk, Decimal("0.25"))
        ask = (market * Decimal(rng.choice(["0.95", "1.00", "1.05", "1.10"]))).quantize(Decimal("0.01"))
        writer.writerow(
            [
                8_000_000 + card.pk * 10 + index % 10,
                "Magic",
                card.set_name,
                card.name,
                "",
                card.collector_number,
                card.rarity.capitalize(),
                condition,
                market,
                "",
                "",
                market,
                rng.choice([1, 1, 2, 3, 4, 8]),
                0,
                ask,
                "",
            ]
        )
    return out.getvalue().encode()


def seed(stdout) -> None:
    priced = CardPrice.objects.filter(card_id=OuterRef("pk"), finish="nonfoil", price__gte=Decimal("0.25"))
    pool = list(Card.objects.filter(Exists(priced)).order_by("pk")[:600])
    if len(pool) < 50:
        stdout.write("  stores: the catalog has too few priced cards; skipping demo stores.\n")
        return
    prices = dict(CardPrice.objects.filter(card__in=pool, finish="nonfoil").values_list("card_id", "price"))
    demo_trader = User.objects.filter(username="demo_trader").first()
    wanted = set()
    if demo_trader is not None:
        wanted = set(list_items_for(kind=ListKind.WANT, owner=demo_trader).values_list("card_id", flat=True)[:6])
    staff = User.objects.filter(is_staff=True).order_by("pk").first()
    made = 0
    for index, (username, name, zip_code, city, state, tz, buylist, events, verified) in enumerate(DEMO_STORES):
        owner = _owner(username)
        store = LGSProfile.objects.filter(pk=owner.pk).first()
        if store is None:
            store = store_register(
                user=owner,
                data={
                    "store_name": name,
                    "store_address": f"{100 + index * 7} Main St",
                    "store_city": city,
                    "store_state": state,
                    "store_postal": zip_code,
                    "store_country": "US",
                    "store_phone": f"555-01{index:02d}",
                    "store_website": f"https://{username.replace('_', '-')}.example",
                    "timezone": tz,
                    "offers_buylist": buylist,
                    "offers_events": events,
                    "trade_in_bonus_pct": Decimal("20") if buylist else Decimal("0"),
                    "hours": WEEK,
                },
            )
            made += 1
            if verified:
                store = store_verify(store_id=store.pk, acting_user=staff)
        if verified and not store.inventory_items.exists():
            rng = random.Random(index)
            cards = rng.sample(pool, min(len(pool), 120))
            if username == "store_seattle" and wanted:
                cards = [card for card in pool if card.pk in wanted] + [c for c in cards if c.pk not in wanted]
            run = sync_run_start(
                store=store,
                acting_user=owner,
                provider="tcgplayer",
                mode="full",
                source=SyncSource.UPLOAD,
                uploaded_file=SimpleUploadedFile("tcgplayer-export.csv", _export(cards, prices, rng)),
            )
            sync_run_execute(run_id=run.pk)  # now, rather than waiting for a worker
            # A daily scheduled feed (a placeholder address: demo machines fetch nothing).
            LGSProfile.objects.filter(pk=store.pk).update(
                inventory_sync_provider="tcgplayer",
                sync_url=f"https://feeds.{username.replace('_', '-')}.example/tcgplayer-export.csv",
                sync_interval_minutes=24 * 60,
                next_sync_at=timezone.now() + timedelta(days=1),
            )
    buylists = _seed_buylists(demo_trader)
    pending = LGSProfile.objects.filter(status=StoreStatus.PENDING).count()
    stdout.write(
        f"  stores: {len(DEMO_STORES) - 1} verified demo stores (Seattle, Bellevue, Portland, Austin, Brooklyn; "
        f"{made} new), {pending} pending for staff review; owners store_seattle@bazaar.test etc. / {_password()}; "
        "finder at /stores/?near=98101\n"
    )
    stdout.write(
        f"  stores: smart buylists for {buylists} stores (Seattle's hotlist holds demo_trader's haves: "
        "/stores/near-me/ and the quote on its page); local matches at /dashboard/store/matches/\n"
    )


def _seed_buylists(demo_trader) -> int:
    """Rules for every verified buylist store (made once), then a fresh computation of each."""
    from .models import BuylistRules
    from .services.buylist import buylist_recompute, buylist_rules_save

    stores = list(
        LGSProfile.objects.filter(
            status=StoreStatus.VERIFIED, offers_buylist=True, user__username__in=[row[0] for row in DEMO_STORES]
        )
    )
    for store in stores:
        if BuylistRules.objects.filter(store=store).exists():
            buylist_recompute(store_id=store.pk)
            continue
        hot = []
        if store.user.username == "store_seattle" and demo_trader is not None:
            hot = list(list_items_for(kind=ListKind.HAVE, owner=demo_trader).values_list("card_id", flat=True)[:8])
        buylist_rules_save(
            store=store,
            data={
                "buy_pct": Decimal("55"),
                "max_qty_per_card": 8,
                "hotlist_bonus_pct": Decimal("15"),
                "card_rules": {"hot": sorted(set(hot)), "dark": [], "fixed": {}},
            },
        )
    return len(stores)
