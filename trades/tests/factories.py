"""Factories for trades. HaveItem/WantItem give traders something to trade; the negotiation
factories make rows directly (tests of the rules go through the services)."""

from decimal import Decimal

import factory

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory, CardPriceFactory
from lists.models import HaveItem
from lists.tests.factories import HaveItemFactory, WantItemFactory  # noqa: F401  (one definition)
from trades.enums import ProposalStatus, TradeStatus
from trades.models import Thread, ThreadParticipant, Trade, TradeProposal, TradeReview


def priced_have(*, owner, price: str = "1.00", quantity: int = 1, **kwargs) -> HaveItem:
    """A have item whose card has a current market price (non-foil)."""
    card = CardFactory()
    CardPriceFactory(card=card, price=Decimal(price))
    return HaveItemFactory(owner=owner, card=card, quantity=quantity, **kwargs)


class ThreadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Thread


def thread_between(*users) -> Thread:
    thread = ThreadFactory()
    for user in users:
        ThreadParticipant.objects.create(thread=thread, user=user)
    return thread


class TradeProposalFactory(factory.django.DjangoModelFactory):
    """A bare proposal row (no items) with its thread; for list, access and query-count tests."""

    class Meta:
        model = TradeProposal

    proposer = factory.SubFactory(UserFactory)
    recipient = factory.SubFactory(UserFactory)
    thread = factory.LazyAttribute(lambda o: thread_between(o.proposer, o.recipient))
    status = ProposalStatus.PENDING
    cash_from_proposer = Decimal("5.00")


class TradeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trade

    proposal = factory.SubFactory(TradeProposalFactory, status=ProposalStatus.ACCEPTED)
    thread = factory.SelfAttribute("proposal.thread")
    party_a = factory.SelfAttribute("proposal.proposer")
    party_b = factory.SelfAttribute("proposal.recipient")
    status = TradeStatus.ACTIVE
    total_value = Decimal("10.00")


class TradeReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TradeReview

    trade = factory.SubFactory(TradeFactory, status=TradeStatus.COMPLETED)
    reviewer = factory.SelfAttribute("trade.party_a")
    reviewee = factory.SelfAttribute("trade.party_b")
    overall = 5
    communication = 5
    packaging = 5
    accuracy = 5
    speed = 5


def trading_pair(*, proposer_price: str = "10.00", recipient_price: str = "4.00"):
    """Two traders, each with one priced card on their have list (quantity 3)."""
    proposer = UserFactory()
    recipient = UserFactory()
    mine = priced_have(owner=proposer, price=proposer_price, quantity=3)
    theirs = priced_have(owner=recipient, price=recipient_price, quantity=3)
    return proposer, recipient, mine, theirs
