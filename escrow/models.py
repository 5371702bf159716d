"""Escrow: the payee's payout account link, escrow transactions, their audit trail and ledger.

dj-stripe mirrors Stripe's objects (Account, Session, PaymentIntent, Charge, Event) read-mostly;
these models keep the Stripe ids in unique fields and own their state.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField

from .enums import DisputeOutcome, DisputeStatus, EscrowStatus, LedgerAccount, PayoutAccountStatus


class PayoutAccount(TimeStampedModel):
    """The plan's stripe_connect_accounts row: a user's Stripe Express account (for receiving money)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payout_account")
    stripe_account_id = models.CharField(max_length=255, unique=True)
    djstripe_account = models.OneToOneField(
        "djstripe.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", to_field="id"
    )
    account_status = models.CharField(
        max_length=10, choices=PayoutAccountStatus.choices, default=PayoutAccountStatus.PENDING
    )
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    requirements_due = models.JSONField(default=list, blank=True, help_text="Stripe's requirements.currently_due.")
    disabled_reason = models.CharField(max_length=100, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(account_status__in=PayoutAccountStatus.values), name="payout_account_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stripe_account_id} ({self.account_status})"

    @property
    def is_enabled(self) -> bool:
        return self.account_status == PayoutAccountStatus.ENABLED


class EscrowTransaction(TimeStampedModel):
    """The plan's escrow_transactions row, attached to an agreed (not yet completed) Trade (SPEC §8.5).

    Only the trade's cash part is held; the payer is the party adding cash (SPEC §8.6).
    """

    trade = models.ForeignKey("trades.Trade", on_delete=models.PROTECT, related_name="escrows")
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="escrows_paying")
    payee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="escrows_receiving")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    amount = MoneyField()
    fee_amount = MoneyField()
    total_charged = MoneyField()
    currency = CurrencyField()

    stripe_checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_charge_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_transfer_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=2048, blank=True)
    checkout_expires_at = models.DateTimeField(null=True, blank=True)
    checkout_attempt = models.PositiveIntegerField(default=0, help_text="Bumped for each new Checkout Session.")
    payment_failure_reason = models.CharField(max_length=500, blank=True)

    status = models.CharField(max_length=20, choices=EscrowStatus.choices, default=EscrowStatus.PENDING_PAYMENT)

    payer_carrier = models.CharField(max_length=50, blank=True)
    payer_tracking = models.CharField(max_length=255, blank=True)
    payee_carrier = models.CharField(max_length=50, blank=True)
    payee_tracking = models.CharField(max_length=255, blank=True)
    payer_shipped_at = models.DateTimeField(null=True, blank=True)
    payee_shipped_at = models.DateTimeField(null=True, blank=True)
    payer_received_at = models.DateTimeField(null=True, blank=True)
    payee_received_at = models.DateTimeField(null=True, blank=True)

    # Set once by the money services (never from input): what reached the payee and the payer.
    released_amount = MoneyField(null=True, blank=True)
    refunded_amount = MoneyField(null=True, blank=True)
    fee_refunded = models.BooleanField(default=False)
    cancel_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    flagged_for_staff = models.BooleanField(default=False, help_text="A card chargeback (or other) needs staff.")
    flag_reason = models.CharField(max_length=500, blank=True)
    stripe_dispute_id = models.CharField(max_length=255, blank=True, help_text="The card chargeback, if any.")

    dispute_reason = models.TextField(blank=True)
    dispute_opened_at = models.DateTimeField(null=True, blank=True)
    dispute_resolved_at = models.DateTimeField(null=True, blank=True)
    dispute_resolution = models.TextField(blank=True)

    paid_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(help_text="Unpaid escrows are cancelled after this.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=EscrowStatus.values), name="escrow_status_valid"),
            # One live escrow per trade; a new one may follow a cancelled (e.g. expired) one.
            models.UniqueConstraint(
                fields=["trade"], condition=~Q(status=EscrowStatus.CANCELLED), name="escrow_one_live_per_trade"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="escrow_amount_positive"),
            models.CheckConstraint(condition=Q(fee_amount__gte=0), name="escrow_fee_non_negative"),
            models.CheckConstraint(
                condition=Q(total_charged=models.F("amount") + models.F("fee_amount")), name="escrow_total_is_sum"
            ),
            models.CheckConstraint(condition=~Q(payer=models.F("payee")), name="escrow_two_parties"),
            # What left the escrow never exceeds what it held.
            models.CheckConstraint(
                condition=Q(released_amount__isnull=True) | Q(released_amount__gte=0), name="escrow_released_non_neg"
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__isnull=True) | Q(refunded_amount__gte=0), name="escrow_refunded_non_neg"
            ),
            models.CheckConstraint(
                condition=Q(released_amount__isnull=True)
                | Q(refunded_amount__isnull=True)
                | Q(released_amount__lte=models.F("amount") - models.F("refunded_amount")),
                name="escrow_out_within_held",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="escrow_status_expiry_idx"),
            models.Index(fields=["payer", "-created_at"], name="escrow_payer_idx"),
            models.Index(fields=["payee", "-created_at"], name="escrow_payee_idx"),
            models.Index(fields=["status"], condition=Q(flagged_for_staff=True), name="escrow_flagged_idx"),
        ]

    def __str__(self) -> str:
        return f"escrow {self.pk} ({self.status})"

    @property
    def transfer_group(self) -> str:
        return f"escrow-{self.pk}"

    def party_side(self, user_id: int) -> str | None:
        """ "payer" or "payee" for a party's user id, else None."""
        if user_id == self.payer_id:
            return "payer"
        if user_id == self.payee_id:
            return "payee"
        return None


class EscrowEvent(models.Model):
    """Audit trail: every status change (and every notable non-status event) writes one row."""

    escrow = models.ForeignKey(EscrowTransaction, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    kind = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.CharField(max_length=500, blank=True)
    stripe_event_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["escrow", "created_at"], name="escrow_event_escrow_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}→{self.to_status}"


class LedgerEntry(models.Model):
    """Append-only money movements; the entries of one movement (same `movement`) sum to zero."""

    escrow = models.ForeignKey(EscrowTransaction, on_delete=models.PROTECT, related_name="ledger_entries")
    movement = models.CharField(max_length=40, help_text="e.g. payment:<payment_intent id>")
    account = models.CharField(max_length=20, choices=LedgerAccount.choices)
    amount = MoneyField(help_text="Signed: money into this account is positive.")
    currency = CurrencyField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(account__in=LedgerAccount.values), name="ledger_account_valid"),
            models.CheckConstraint(condition=~Q(amount=Decimal("0")), name="ledger_amount_non_zero"),
            # A movement is written once (webhook replays cannot double-book).
            models.UniqueConstraint(fields=["escrow", "movement", "account"], name="ledger_one_leg_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.movement} {self.account} {self.amount} {self.currency}"


# --- disputes ---------------------------------------------------------------------------------
def dispute_evidence_path(instance, filename: str) -> str:
    """Private (core.storage): nothing serves MEDIA_ROOT; the evidence view checks who asks."""
    return f"dispute-evidence/{instance.dispute.escrow_id}/{filename}"


class Dispute(TimeStampedModel):
    """A party's dispute of a paid escrow, and staff's resolution of it. One per escrow."""

    escrow = models.OneToOneField(EscrowTransaction, on_delete=models.PROTECT, related_name="dispute")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    escrow_status_before = models.CharField(max_length=20, help_text="Where the escrow was when it was disputed.")

    outcome = models.CharField(max_length=10, choices=DisputeOutcome.choices, blank=True)
    resolution = models.TextField(blank=True, help_text="Staff's written resolution, shown to both parties.")
    at_fault = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="disputes_at_fault"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DisputeStatus.values), name="dispute_status_valid"),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=DisputeOutcome.values), name="dispute_outcome_valid"
            ),
            # Resolved ⇔ an outcome, a written resolution and a time.
            models.CheckConstraint(
                condition=(Q(status=DisputeStatus.OPEN) & Q(outcome="") & Q(resolved_at__isnull=True))
                | (
                    Q(status=DisputeStatus.RESOLVED) & ~Q(outcome="") & ~Q(resolution="") & Q(resolved_at__isnull=False)
                ),
                name="dispute_resolved_has_outcome",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="dispute_reason_given"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="dispute_queue_idx")]

    def __str__(self) -> str:
        return f"dispute of escrow {self.escrow_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == DisputeStatus.OPEN


class DisputeEvidence(models.Model):
    """One evidence image: checked by its content, re-encoded (no metadata), kept privately."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="evidence")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=dispute_evidence_path, max_length=300)
    original_filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size_bytes = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"evidence {self.pk} of dispute {self.dispute_id}"


class DisputeMessage(models.Model):
    """Parties and staff talk the dispute through; staff read it before they resolve."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="dispute_message_body_given")]
        indexes = [models.Index(fields=["dispute", "created_at"], name="dispute_message_idx")]

    def __str__(self) -> str:
        return f"message {self.pk} on dispute {self.dispute_id}"
