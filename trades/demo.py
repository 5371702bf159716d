"""Demo negotiations: open proposals to and from demo_trader, an active trade, and a history of
completed, reviewed trades so that tiers from new to gold exist among the demo traders.

The live part (demo_trader's proposals and trades) goes through the services, as a person
would make them; the long history behind the higher tiers is written as bulk rows (a gold
trader has ~50 reviewed trades) and reputation is then recomputed from those rows.
Idempotent: once any demo negotiation exists, a second run changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from cards.models import CardPrice
from lists.enums import ListKind
from lists.models import HaveItem
from lists.selectors import list_items_for
from trades import services
from trades.enums import ProposalSide, ProposalStatus, TradeStatus
from trades.models import ProposalItem, Thread, ThreadParticipant, Trade, TradeItem, TradeProposal, TradeReview

DEMO_TRADER = "demo_trader"
TRADERS = ["alice_seattle", "bob_tacoma", "carol_bellevue", "dan_redmond", "erin_everett", "frank_kirkland"]
# Collectors who only appear as the other party of the tiered traders' past trades.
COLLECTORS = ["seattle_collector", "tacoma_collector", "bellevue_collector"]
# username: (completed trades in the past, review stars each received) -> the tier it lands in.
HISTORY = {
    "frank_kirkland": (52, [5]),  # 304 trade points + ~361 review points + 10: gold
    "erin_everett": (25, [5]),  # 175 + 250 + 10: silver
    "dan_redmond": (8, [5, 4]),  # 80 + ~60 + 10: bronze
}


def _ensure_user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    from allauth.account.models import EmailAddress

    from accounts.demo import DEMO_PASSWORD
    from accounts.models import UserReputation
    from accounts.services import user_create

    user = user_create(email=f"{username}@bazaar.test", username=username, password=DEMO_PASSWORD, country="US")
    UserReputation.objects.get_or_create(user=user)
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user


def _priced_cards(limit: int = 40) -> list[tuple[int, Decimal]]:
    return list(
        CardPrice.objects.filter(finish="nonfoil", price__gte=Decimal("0.50"))
        .order_by("card_id")
        .values_list("card_id", "price")[:limit]
    )


COMMENTS = ["Smooth trade.", "Cards exactly as described.", "Well packed, fast shipping.", ""]


def _history_trade(*, a: User, b: User, cards, index: int, stars: int, when) -> None:
    """One completed, reviewed-both-ways trade written as rows (no notifications for the past)."""
    card_a, price_a = cards[index % len(cards)]
    card_b, price_b = cards[(index * 7 + 3) % len(cards)]
    thread = Thread.objects.create(last_message_at=when)
    ThreadParticipant.objects.bulk_create(
        [
            ThreadParticipant(thread=thread, user=a, last_read_at=when),
            ThreadParticipant(thread=thread, user=b, last_read_at=when),
        ]
    )
    proposal = TradeProposal.objects.create(
        proposer=a,
        recipient=b,
        thread=thread,
        status=ProposalStatus.COMPLETED,
        proposer_value=price_a,
        recipient_value=price_b,
        expires_at=when,
        responded_at=when,
    )
    ProposalItem.objects.bulk_create(
        [
            ProposalItem(proposal=proposal, side=ProposalSide.PROPOSER, card_id=card_a, quantity=1, unit_value=price_a),
            ProposalItem(
                proposal=proposal, side=ProposalSide.RECIPIENT, card_id=card_b, quantity=1, unit_value=price_b
            ),
        ]
    )
    trade = Trade.objects.create(
        proposal=proposal,
        thread=thread,
        party_a=a,
        party_b=b,
        status=TradeStatus.COMPLETED,
        value_a_gives=price_a,
        value_b_gives=price_b,
        total_value=price_a + price_b,
        a_confirmed_at=when,
        b_confirmed_at=when,
        completed_at=when,
    )
    TradeItem.objects.bulk_create(
        [
            TradeItem(trade=trade, giver=a, card_id=card_a, quantity=1, unit_value=price_a),
            TradeItem(trade=trade, giver=b, card_id=card_b, quantity=1, unit_value=price_b),
        ]
    )
    ratings = dict.fromkeys(("communication", "packaging", "accuracy", "speed"), stars)
    TradeReview.objects.bulk_create(
        [
            TradeReview(trade=trade, reviewer=b, reviewee=a, overall=stars, **ratings, comment=COMMENTS[index % 4]),
            TradeReview(trade=trade, reviewer=a, reviewee=b, overall=5, **dict.fromkeys(ratings, 5)),
        ]
    )
    # The past happened in the past: date the rows when the trade was made, not today.
    TradeProposal.objects.filter(pk=proposal.pk).update(created_at=when - timedelta(days=2))
    Trade.objects.filter(pk=trade.pk).update(created_at=when - timedelta(days=1))
    TradeReview.objects.filter(trade=trade).update(created_at=when)


def _have(user: User) -> HaveItem | None:
    return list_items_for(kind=ListKind.HAVE, owner=user).order_by("pk").first()


def _propose(proposer: User, recipient: User, message: str, **cash) -> TradeProposal | None:
    mine, theirs = _have(proposer), _have(recipient)
    if mine is None and theirs is None:
        return None
    return services.proposal_create(
        proposer=proposer,
        recipient=recipient,
        offer={mine.pk: 1} if mine else {},
        request={theirs.pk: 1} if theirs else {},
        message=message,
        **cash,
    )


def seed(stdout) -> None:
    everyone = [DEMO_TRADER, *TRADERS]
    if TradeProposal.objects.filter(Q(proposer__username__in=everyone) | Q(recipient__username__in=everyone)).exists():
        stdout.write("  negotiations: already seeded")
        return
    demo = User.objects.filter(username=DEMO_TRADER).first()
    cards = _priced_cards()
    if demo is None or not cards:
        stdout.write("  negotiations: no demo_trader or no priced cards; skipping")
        return
    users = {name: _ensure_user(name) for name in [*TRADERS, *COLLECTORS]}
    now = timezone.now()

    with transaction.atomic():
        index = 0
        for username, (count, stars_cycle) in HISTORY.items():
            for n in range(count):
                partner = users[COLLECTORS[n % len(COLLECTORS)]]
                when = now - timedelta(days=2 + (n * 97) % 150, hours=n % 24)
                stars = stars_cycle[n % len(stars_cycle)]
                _history_trade(a=users[username], b=partner, cards=cards, index=index, stars=stars, when=when)
                index += 1
        services.reputation_sync(user_ids=[users[name].pk for name in [*HISTORY, *COLLECTORS]])

    alice, bob, carol, dan = (users[n] for n in ("alice_seattle", "bob_tacoma", "carol_bellevue", "dan_redmond"))
    # A trade demo_trader completed and both reviewed (through the services, like a person).
    done = _propose(alice, demo, "Up for a straight swap?")
    if done is not None:
        trade = services.proposal_accept(proposal_id=done.pk, actor=demo)
        services.trade_confirm(trade_id=trade.pk, actor=alice)
        services.trade_confirm(trade_id=trade.pk, actor=demo)
        ratings = {"communication": 5, "packaging": 4, "accuracy": 5, "speed": 4}
        services.review_create(trade_id=trade.pk, reviewer=alice, overall=4, comment="Quick and friendly.", **ratings)
        services.review_create(trade_id=trade.pk, reviewer=demo, overall=5, comment="Great packaging.", **ratings)
    # An agreed trade in progress, with cash.
    active = _propose(dan, demo, "I can add a few dollars.", cash_from_proposer=Decimal("3.00"))
    if active is not None:
        services.proposal_accept(proposal_id=active.pk, actor=demo)
    # Open proposals both ways, one of them countered.
    _propose(carol, demo, "Interested in a swap?", cash_from_recipient=Decimal("2.50"))
    to_bob = _propose(demo, bob, "Saw you want these.")
    frank = users["frank_kirkland"]
    countered = _propose(frank, demo, "Straight swap?")
    if countered is not None:
        mine, theirs = _have(demo), _have(frank)
        services.proposal_counter(
            proposal_id=countered.pk,
            actor=demo,
            offer={mine.pk: 1} if mine else {},
            request={theirs.pk: 1} if theirs else {},
            cash_from_recipient=Decimal("1.00"),
            message="Add a dollar and it's a deal.",
        )
    if to_bob is not None:
        services.message_send(thread=to_bob.thread, sender=bob, body="Let me check my binder tonight.")
    tiers = dict(
        User.objects.filter(username__in=[DEMO_TRADER, *TRADERS]).values_list("username", "reputation__reputation_tier")
    )
    stdout.write(
        "  negotiations: proposals, trades and reviews; tiers " + ", ".join(f"{u} {t}" for u, t in tiers.items())
    )
