"""Every main page on a phone (390 x 844) in Chromium against the real ASGI app, seeded by the demo:
no sideways scroll, no serious or critical axe-core violations, no console errors — also while
live price ticks (every finish, ≥ 20 per shown card) arrive. Plus the phone menu by keyboard.

One server, one seeded database and one page for the whole sweep keep this to a minute or two.
"""

import io
import re
import tempfile
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Q
from playwright.sync_api import expect

from accounts.models import User
from cards import demo as cards_demo
from cards.models import Card, CardPrice
from cards.services import PriceObservation, price_snapshots_record
from lists.models import ListImport
from trades.enums import TradeStatus
from trades.models import Trade, TradeProposal

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "bazaar-demo-123"
TICK_ROUNDS, TICK_INTERVAL_S = 24, 0.23  # ≥ 20 ticks per card and finish over ~5.5 s


def _seed_demo(monkeypatch) -> None:
    from django.conf import settings

    monkeypatch.setattr(settings, "SCRYFALL_BULK_URL", "")  # the shipped cards, whatever .env says
    monkeypatch.setattr(cards_demo, "CARD_LIMIT", 160)  # the real seed, on fewer cards
    # The escrow seed's Stripe emulator keeps its objects in a scratch file, not the checkout's.
    monkeypatch.setenv("STRIPE_EMULATOR_STATE", str(Path(tempfile.mkdtemp()) / "stripe-emulator.json"))
    call_command("seed_demo", stdout=io.StringIO())


SIGNED_OUT_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/no-such-page/"]


def _main_pages() -> list[tuple[str, str]]:
    trader = User.objects.get(username="demo_trader")
    bolt = Card.objects.filter(name="Lightning Bolt").order_by("pk").first()
    mine = Q(proposer=trader) | Q(recipient=trader)
    proposal = TradeProposal.objects.filter(mine, status="pending").order_by("pk").first()
    trade = Trade.objects.filter(Q(party_a=trader) | Q(party_b=trader), status=TradeStatus.ACTIVE).first()
    pages = [
        ("home", "/"),
        ("card search", "/cards/?q=Lightning"),
        ("card page", f"/cards/{bolt.pk}/"),
        ("movers", "/cards/movers/"),
        ("sets", "/cards/sets/"),
        ("my lists", "/trades/lists/"),
        ("public lists", "/trades/lists/alice_seattle/"),
        ("import", "/trades/lists/import/"),
        ("matches", "/trades/matches/"),
        ("proposal form", "/trades/propose/bob_tacoma/"),
        ("proposal detail", f"/trades/proposals/{proposal.pk}/"),
        ("trades", "/trades/"),
        ("trade", f"/trades/{trade.pk}/"),
        ("threads", "/trades/threads/"),
        ("thread", f"/trades/threads/{trade.thread_id}/"),
        ("notifications", "/notifications/"),
        ("settings", "/settings/"),
        ("profile", "/u/demo_trader/"),
        ("another trader's profile", "/u/alice_seattle/"),
        ("email preferences", "/notifications/preferences/"),
        ("trades tab", "/trades/?tab=trades"),
        ("not found (signed in)", "/trades/proposals/999999/"),
    ]
    last_import = ListImport.objects.filter(owner=trader).order_by("-pk").first()
    if last_import is not None:
        pages.append(("import detail", f"/trades/lists/import/{last_import.pk}/"))
    return pages


OVERFLOW_JS = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return null;
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className ? "." + el.className.split(" ").filter(Boolean).join(".") : "");
  let worst = null;
  for (const el of document.body.querySelectorAll("*")) {
    const right = el.getBoundingClientRect().right;
    if (right > root.clientWidth + 0.5 && (!worst || right > worst.right)) {
      worst = {right, what: (el.parentElement ? describe(el.parentElement) + " > " : "") + describe(el)};
    }
  }
  const widest = worst ? `${worst.what} (${Math.round(worst.right)}px)` : "?";
  return `page is ${root.scrollWidth}px wide in a ${root.clientWidth}px viewport; widest: ${widest}`;
}"""

AXE_JS = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
  .filter((v) => v.impact === "serious" || v.impact === "critical")
  .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`)"""


COUNT_TICKS_JS = """(el) => {
  window.ticksSeen = 0;
  el.addEventListener("htmx:wsBeforeMessage", () => { window.ticksSeen += 1; });
}"""


def _overflow(page) -> str | None:
    """The widest element past the viewport's right edge, or None when nothing scrolls sideways."""
    return page.evaluate(OVERFLOW_JS)


def _serious_axe_violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol: a <script> tag would be refused by the page's CSP.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    return page.evaluate(AXE_JS)


def _send_ticks(page) -> int:
    """≥ 20 ticks for every finish of every card on the page (finishes not shown included)."""
    card_ids = page.evaluate(
        "() => [...new Set([...document.querySelectorAll('[data-live-card]')].map(el => +el.dataset.liveCard))]"
    )
    if not card_ids:
        return 0
    prices = list(CardPrice.objects.filter(card_id__in=card_ids[:40]).values_list("card_id", "finish", "price"))
    for card_id in card_ids[:3]:  # a finish with no price yet on the page: its tick has no target
        if not any(row[0] == card_id and row[1] == "etched" for row in prices):
            prices.append((card_id, "etched", None))
    from decimal import Decimal

    from django.utils import timezone

    for round_number in range(TICK_ROUNDS):
        now = timezone.now()
        observations = [
            PriceObservation(
                card_id,
                finish,
                "demo",
                (price or Decimal("3.00")) + Decimal("0.01") * (round_number % 5 + 1),
                "USD",
                now,
            )
            for card_id, finish, price in prices
        ]
        price_snapshots_record(observations=observations)
        time.sleep(TICK_INTERVAL_S)
    return len(card_ids[:40])


def _card_page_change(page) -> str:
    return page.get_by_test_id("change-24h-nonfoil").inner_text()


def _card_page_followed_ticks(page, change_before: str) -> list[str]:
    """The 24 h change and the market source's "all sources" row follow the live price."""
    found = []
    price = page.locator("[id^=price-][id$=-nonfoil]").first.inner_text().split()[0]
    if _card_page_change(page) == change_before:
        found.append(f"card page: 24 h change stayed {change_before} while the price moved to {price}")
    demo_row = page.locator('[data-quote-source="demo"][data-quote-finish="nonfoil"] [data-quote-price]')
    if demo_row.count() and demo_row.inner_text() != price:
        found.append(f"card page: all sources shows {demo_row.inner_text()} for the demo price {price}")
    return found


def _list_total(page) -> float:
    return float(page.locator("[data-list-total]").first.get_attribute("data-list-total"))


LINES_VALUE_JS = """() => [...document.querySelectorAll("[data-list-kind] [data-line-card]")]
  .reduce((sum, line) => sum + parseInt(line.dataset.lineQuantity, 10) * parseFloat(line.dataset.linePrice || "0"),
    0)"""


def _list_total_followed_ticks(page, total_before: float) -> list[str]:
    """The list's total moved with the ticks and still equals quantity x price over its lines."""
    total, lines = _list_total(page), page.evaluate(LINES_VALUE_JS)
    shown = page.locator("[data-list-total]").first.inner_text()
    if total == total_before or abs(total - lines) > 0.005 or shown != f"${total:,.2f}":
        return [f"my lists: total {shown} ({total}, was {total_before}) does not follow its lines ({lines:.2f})"]
    return []


def _chart_range_marks_the_shown_one(page) -> list[str]:
    ranges = page.get_by_role("navigation", name="Chart range")
    ranges.get_by_role("link", name="180d").click()
    expect(ranges.get_by_role("link", name="180d")).to_have_attribute("aria-current", "true")
    expect(page.locator("#price-chart")).to_contain_text("last 180 days")
    if ranges.get_by_role("link", name="30d").get_attribute("aria-current"):
        return ["card page: 30d still marked current after choosing 180d"]
    return []


def _log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("h1")).to_contain_text("Welcome back")


def _focused_is(page, locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def _tab_to(page, locator, limit: int = 15) -> None:
    for _ in range(limit):
        if _focused_is(page, locator):
            return
        page.keyboard.press("Tab")
    assert _focused_is(page, locator), "could not reach it with Tab"


def _phone_menu_by_keyboard(page) -> None:
    """The menu is a real button; the badges stay outside it; Escape closes and returns focus."""
    page.goto("/")
    button = page.get_by_role("button", name="Menu")
    menu = page.locator("#nav-menu")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    expect(page.locator("#nav-bell")).to_be_visible()
    expect(page.locator("#nav-threads")).to_be_visible()
    _tab_to(page, button)
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    assert _focused_is(page, menu.get_by_role("link", name="Cards"))
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    assert _focused_is(page, button)
    page.keyboard.press("Space")
    expect(menu).to_be_visible()
    _tab_to(page, menu.get_by_role("link", name="Settings"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/settings/$"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_main_page_on_a_phone_is_readable_accessible_and_quiet_under_ticks(
    chromium, asgi_live_server, monkeypatch
):
    _seed_demo(monkeypatch)
    context = chromium.new_context(base_url=asgi_live_server.url, viewport=PHONE, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(f"{page.url}: {message.text}"))
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    problems: list[str] = []
    try:
        for url in SIGNED_OUT_PAGES:
            page.goto(url)
            for check in (_overflow, _serious_axe_violations):
                found = check(page)
                if found:
                    problems.append(f"signed out {url}: {found}")
        _log_in(page, "trader@bazaar.test")
        _phone_menu_by_keyboard(page)
        for name, url in _main_pages():
            page.goto(url)
            socket = page.locator("#live-prices-socket")
            if socket.count():
                expect(socket).to_have_attribute("data-live-state", "open")
                socket.evaluate(COUNT_TICKS_JS)
            before = len(errors)
            change_before = _card_page_change(page) if name == "card page" else None
            total_before = _list_total(page) if name == "my lists" else None
            ticked = _send_ticks(page)
            if ticked:
                page.wait_for_timeout(400)  # the last coalesced tick
                seen = page.evaluate("window.ticksSeen")
                if seen < 20 * ticked:
                    problems.append(f"{name} ({url}): only {seen} ticks arrived for {ticked} cards")
            if name == "my lists":
                problems += _list_total_followed_ticks(page, total_before)
            if name == "card page":
                problems += _card_page_followed_ticks(page, change_before)
                problems += _chart_range_marks_the_shown_one(page)
            for width in (360, 414, PHONE["width"]):  # the whole phone range, without reloading
                page.set_viewport_size({"width": width, "height": PHONE["height"]})
                overflow = _overflow(page)
                if overflow:
                    problems.append(f"{name} ({url}) at {width}px: {overflow}")
            problems += [f"{name} ({url}): {violation}" for violation in _serious_axe_violations(page)]
            problems += [f"{name} ({url}): console: {error}" for error in errors[before:]]
    finally:
        context.close()
    if problems:
        pytest.fail("\n".join(dict.fromkeys(problems)), pytrace=False)
