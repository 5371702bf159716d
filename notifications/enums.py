from django.db import models


class NotificationKind(models.TextChoices):
    PROPOSAL_RECEIVED = "proposal_received", "Trade proposal received"
    PROPOSAL_ACCEPTED = "proposal_accepted", "Your proposal was accepted"
    PROPOSAL_DECLINED = "proposal_declined", "Your proposal was declined"
    PROPOSAL_COUNTERED = "proposal_countered", "Your proposal was countered"
    PROPOSAL_EXPIRED = "proposal_expired", "A proposal expired"
    PROPOSAL_CANCELLED = "proposal_cancelled", "A proposal to you was withdrawn"
    MESSAGE_RECEIVED = "message_received", "New message"
    TRADE_COMPLETED = "trade_completed", "Trade completed"
    REVIEW_RECEIVED = "review_received", "New review"
    SIGNAL_PUBLISHED = "signal_published", "A creator you follow published a signal"
    SIGNAL_EVALUATED = "signal_evaluated", "A signal you follow was evaluated"
    ESCROW_UPDATED = "escrow_updated", "An escrow of yours moved on"
    ESCROW_REMINDER = "escrow_reminder", "An escrow is waiting for you"
    DISPUTE_OPENED = "dispute_opened", "An escrow was disputed"
    DISPUTE_MESSAGE = "dispute_message", "New message in a dispute"
    DISPUTE_RESOLVED = "dispute_resolved", "A dispute was resolved"
