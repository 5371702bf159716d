from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from cards.enums import Finish
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from lists.enums import Condition, Language

from .enums import CancelFault, ProposalSide, ProposalStatus, TradeStatus

User = settings.AUTH_USER_MODEL


# --- Negotiation: threads, proposals ---------------------------------------------------------


class Thread(TimeStampedModel):
    """The conversation between two traders about one negotiation (proposals, counters, the trade)."""

    participants = models.ManyToManyField(User, through="ThreadParticipant", related_name="threads")
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"thread {self.pk}"


class ThreadParticipant(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="thread_memberships")
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="thread_participant_unique")]


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sent_messages", null=True, blank=True)
    body = models.TextField(max_length=5000)
    is_system = models.BooleanField(default=False, help_text="Written by Bazaar (e.g. 'proposal countered').")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["thread", "created_at"], name="message_thread_time_idx")]
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"message {self.pk} in thread {self.thread_id}"


class TradeProposal(TimeStampedModel):
    """An offer from proposer to recipient. A counter creates a new proposal with `countered_from`."""

    proposer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="proposals_sent")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="proposals_received")
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="proposals")
    countered_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="counter_proposal"
    )
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING)
    message = models.TextField(max_length=2000, blank=True)
    cash_from_proposer = MoneyField(default=Decimal("0"))
    cash_from_recipient = MoneyField(default=Decimal("0"))
    currency = CurrencyField()
    proposer_value = MoneyField(default=Decimal("0"), help_text="Value of the proposer's cards when sent.")
    recipient_value = MoneyField(default=Decimal("0"), help_text="Value of the recipient's cards when sent.")
    expires_at = models.DateTimeField(null=True, blank=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ProposalStatus.values), name="proposal_status_valid"),
            models.CheckConstraint(condition=~Q(proposer=models.F("recipient")), name="proposal_not_to_self"),
            models.CheckConstraint(
                condition=Q(cash_from_proposer__gte=0) & Q(cash_from_recipient__gte=0),
                name="proposal_cash_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(cash_from_proposer=0) | Q(cash_from_recipient=0), name="proposal_cash_one_way"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "status", "-created_at"], name="proposal_recipient_idx"),
            models.Index(fields=["proposer", "status", "-created_at"], name="proposal_proposer_idx"),
            models.Index(fields=["status", "expires_at"], name="proposal_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"proposal {self.pk} ({self.status})"


class ProposalItem(models.Model):
    proposal = models.ForeignKey(TradeProposal, on_delete=models.CASCADE, related_name="items")
    side = models.CharField(max_length=10, choices=ProposalSide.choices)
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    condition = models.CharField(max_length=3, choices=Condition.choices, default=Condition.NEAR_MINT)
    finish = models.CharField(max_length=10, choices=Finish.choices, default=Finish.NONFOIL)
    language = models.CharField(max_length=3, choices=Language.choices, default=Language.ENGLISH)
    unit_value = MoneyField(default=Decimal("0"), help_text="Market value per copy when proposed.")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="proposal_item_quantity_positive")]


class ProposalEvent(models.Model):
    """Audit row for every proposal status change."""

    proposal = models.ForeignKey(TradeProposal, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    from_status = models.CharField(max_length=10, choices=ProposalStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=ProposalStatus.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]


# --- Agreed trades, reviews ------------------------------------------------------------------


class Trade(TimeStampedModel):
    """The agreed trade (the plan's completed_trades row, created on accept, completed later).

    party_a is the proposer of the accepted proposal, party_b the recipient.
    """

    proposal = models.OneToOneField(TradeProposal, on_delete=models.PROTECT, related_name="trade")
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="trades")
    party_a = models.ForeignKey(User, on_delete=models.PROTECT, related_name="trades_as_a")
    party_b = models.ForeignKey(User, on_delete=models.PROTECT, related_name="trades_as_b")
    status = models.CharField(max_length=10, choices=TradeStatus.choices, default=TradeStatus.ACTIVE)
    cash_a_to_b = MoneyField(default=Decimal("0"))
    cash_b_to_a = MoneyField(default=Decimal("0"))
    currency = CurrencyField()
    value_a_gives = MoneyField(default=Decimal("0"))
    value_b_gives = MoneyField(default=Decimal("0"))
    total_value = MoneyField(default=Decimal("0"), help_text="Cards both ways plus cash, at agreement.")
    a_confirmed_at = models.DateTimeField(null=True, blank=True)
    b_confirmed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    a_requested_cancel_at = models.DateTimeField(null=True, blank=True)
    b_requested_cancel_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_fault = models.CharField(
        max_length=4,
        choices=CancelFault.choices,
        default=CancelFault.BOTH,
        db_default=CancelFault.BOTH,
        help_text="Whose reputation the cancellation counts against.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TradeStatus.values), name="trade_status_valid"),
            models.CheckConstraint(condition=~Q(party_a=models.F("party_b")), name="trade_two_parties"),
            models.CheckConstraint(condition=Q(cash_a_to_b=0) | Q(cash_b_to_a=0), name="trade_cash_one_way"),
        ]
        indexes = [
            models.Index(fields=["party_a", "status"], name="trade_party_a_idx"),
            models.Index(fields=["party_b", "status"], name="trade_party_b_idx"),
        ]

    def __str__(self) -> str:
        return f"trade {self.pk} ({self.status})"

    @property
    def has_cash(self) -> bool:
        return self.cash_a_to_b > 0 or self.cash_b_to_a > 0


class TradeItem(models.Model):
    trade = models.ForeignKey(Trade, on_delete=models.CASCADE, related_name="items")
    giver = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    condition = models.CharField(max_length=3, choices=Condition.choices, default=Condition.NEAR_MINT)
    finish = models.CharField(max_length=10, choices=Finish.choices, default=Finish.NONFOIL)
    language = models.CharField(max_length=3, choices=Language.choices, default=Language.ENGLISH)
    unit_value = MoneyField(default=Decimal("0"))


class TradeEvent(models.Model):
    """Audit row for every trade status change and confirmation."""

    trade = models.ForeignKey(Trade, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    kind = models.CharField(max_length=30)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]


RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class TradeReview(TimeStampedModel):
    trade = models.ForeignKey(Trade, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reviews_given")
    reviewee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reviews_received")
    overall = models.PositiveSmallIntegerField(validators=RATING_VALIDATORS)
    communication = models.PositiveSmallIntegerField(validators=RATING_VALIDATORS)
    packaging = models.PositiveSmallIntegerField(validators=RATING_VALIDATORS)
    accuracy = models.PositiveSmallIntegerField(validators=RATING_VALIDATORS)
    speed = models.PositiveSmallIntegerField(validators=RATING_VALIDATORS)
    comment = models.TextField(max_length=2000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trade", "reviewer"], name="review_once_per_trade"),
            models.CheckConstraint(condition=~Q(reviewer=models.F("reviewee")), name="review_not_self"),
            *[
                models.CheckConstraint(condition=Q(**{f"{f}__gte": 1, f"{f}__lte": 5}), name=f"review_{f}_range")
                for f in ("overall", "communication", "packaging", "accuracy", "speed")
            ],
        ]

    def __str__(self) -> str:
        return f"review {self.pk}: {self.overall}/5"


# --- Matching freshness ----------------------------------------------------------------------


class MatchingStamp(models.Model):
    """Bumped by database triggers whenever something matching reads changes (docs/decisions/0033).

    `key` is a user id (their lists, reservations, visibility, location, radius, reputation,
    agreed trades) or 0 (the catalog and its prices). `stamp` is a fresh sequence value on every
    bump. Written only by the triggers of migration 0004; read by trades.selectors.matches.
    """

    key = models.BigIntegerField(primary_key=True)
    stamp = models.BigIntegerField()

    def __str__(self) -> str:
        return f"matching stamp {self.key}: {self.stamp}"
