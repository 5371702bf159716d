from django.db import models


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Pending"
    VIEWED = "viewed", "Viewed"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    COUNTERED = "countered", "Countered"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"


PROPOSAL_OPEN_STATUSES = {ProposalStatus.PENDING, ProposalStatus.VIEWED}

PROPOSAL_TRANSITIONS: dict[str, set[str]] = {
    ProposalStatus.DRAFT: {ProposalStatus.PENDING, ProposalStatus.CANCELLED},
    ProposalStatus.PENDING: {
        ProposalStatus.VIEWED,
        ProposalStatus.ACCEPTED,
        ProposalStatus.DECLINED,
        ProposalStatus.COUNTERED,
        ProposalStatus.EXPIRED,
        ProposalStatus.CANCELLED,
    },
    ProposalStatus.VIEWED: {
        ProposalStatus.ACCEPTED,
        ProposalStatus.DECLINED,
        ProposalStatus.COUNTERED,
        ProposalStatus.EXPIRED,
        ProposalStatus.CANCELLED,
    },
    ProposalStatus.ACCEPTED: {ProposalStatus.COMPLETED},
    ProposalStatus.DECLINED: set(),
    ProposalStatus.COUNTERED: set(),
    ProposalStatus.EXPIRED: set(),
    ProposalStatus.CANCELLED: set(),
    ProposalStatus.COMPLETED: set(),
}


class ProposalSide(models.TextChoices):
    """Who gives the item: the proposer or the recipient of the proposal."""

    PROPOSER = "proposer", "Proposer gives"
    RECIPIENT = "recipient", "Recipient gives"


class TradeStatus(models.TextChoices):
    ACTIVE = "active", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class CancelFault(models.TextChoices):
    """Whose reputation a cancelled trade counts against (the cancelled-trade penalty)."""

    BOTH = "both", "Both parties"  # the parties cancelled it between themselves
    PARTY_A = "a", "Party A"
    PARTY_B = "b", "Party B"
    NONE = "none", "Neither party"  # e.g. an escrow refunded by mutual agreement before shipping


TRADE_TRANSITIONS: dict[str, set[str]] = {
    TradeStatus.ACTIVE: {TradeStatus.COMPLETED, TradeStatus.CANCELLED},
    TradeStatus.COMPLETED: set(),
    TradeStatus.CANCELLED: set(),
}
