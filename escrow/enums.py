from django.db import models


class EscrowStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "Waiting for payment"
    PAYMENT_RECEIVED = "payment_received", "Payment received"
    ITEMS_SHIPPED = "items_shipped", "Items shipped"
    ITEMS_RECEIVED = "items_received", "Items received"
    DISPUTED = "disputed", "Disputed"
    RELEASED = "released", "Released"
    REFUNDED = "refunded", "Refunded"
    CANCELLED = "cancelled", "Cancelled"


# The one table of allowed moves (SPEC §6). Shipping, receipt, disputes and release are
# driven by the next part of the escrow work; the moves are declared here already so the
# machine is whole.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    EscrowStatus.PENDING_PAYMENT: {EscrowStatus.PAYMENT_RECEIVED, EscrowStatus.CANCELLED},
    EscrowStatus.PAYMENT_RECEIVED: {EscrowStatus.ITEMS_SHIPPED, EscrowStatus.DISPUTED, EscrowStatus.REFUNDED},
    EscrowStatus.ITEMS_SHIPPED: {EscrowStatus.ITEMS_RECEIVED, EscrowStatus.DISPUTED},
    EscrowStatus.ITEMS_RECEIVED: {EscrowStatus.RELEASED, EscrowStatus.DISPUTED},
    EscrowStatus.DISPUTED: {EscrowStatus.RELEASED, EscrowStatus.REFUNDED},
    EscrowStatus.RELEASED: set(),
    EscrowStatus.REFUNDED: set(),
    EscrowStatus.CANCELLED: set(),
}

# An escrow in one of these owns the trade's end: the trade's own confirm/cancel answer 409.
LIVE_STATUSES = [
    EscrowStatus.PENDING_PAYMENT,
    EscrowStatus.PAYMENT_RECEIVED,
    EscrowStatus.ITEMS_SHIPPED,
    EscrowStatus.ITEMS_RECEIVED,
    EscrowStatus.DISPUTED,
]
PAID_STATUSES = [s for s in EscrowStatus.values if s not in (EscrowStatus.PENDING_PAYMENT, EscrowStatus.CANCELLED)]


class PayoutAccountStatus(models.TextChoices):
    NONE = "none", "Not connected"
    PENDING = "pending", "Details needed"
    RESTRICTED = "restricted", "Restricted"
    ENABLED = "enabled", "Enabled"


class LedgerAccount(models.TextChoices):
    """Where money sits. Each movement is a set of entries that sums to zero."""

    PAYER_FUNDS = "payer_funds", "Payer's card"
    ESCROW_HELD = "escrow_held", "Held in escrow (liability)"
    PLATFORM_FEES = "platform_fees", "Bazaar fee revenue"
    PAYEE_FUNDS = "payee_funds", "Payee payable (paid out by Transfer)"
    STRIPE_FEES = "stripe_fees", "Stripe processing fees"
    PLATFORM_LOSS = "platform_loss", "Chargeback losses"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class DisputeOutcome(models.TextChoices):
    """What staff decided. A split ends the escrow `released` with both amounts recorded."""

    RELEASE = "release", "Release to the payee"
    REFUND = "refund", "Refund the payer"
    SPLIT = "split", "Split between them"


# Escrows a party may still dispute: paid and not yet released (ALLOWED_TRANSITIONS → DISPUTED).
DISPUTABLE_STATUSES = [status for status, moves in ALLOWED_TRANSITIONS.items() if EscrowStatus.DISPUTED in moves]
