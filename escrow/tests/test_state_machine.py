"""A property-based walk over the escrow's life against the Stripe emulator (Hypothesis
RuleBasedStateMachine): pay, ship, confirm, expire, cancel, chargeback, staff decisions,
disputes and their resolution by staff, and webhook replays in any order. After every step:
terminal states absorb, every move is in ALLOWED_TRANSITIONS, an open dispute holds the escrow,
at most one Transfer, money out never exceeds the charge, the ledger balances, and the fee
matches the formula. Each example runs in its own transaction (rolled back at teardown); the
examples and steps are bounded."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from accounts.tests.factories import UserFactory
from core.errors import DomainError
from escrow import services, tasks
from escrow.enums import ALLOWED_TRANSITIONS, EscrowStatus, LedgerAccount
from escrow.fees import escrow_fee
from escrow.ledger import ledger_balances, unbalanced_movements
from escrow.models import Dispute, EscrowTransaction

from .factories import cash_trade, give_cards, image_upload, onboarded, stripe_objects

pytestmark = pytest.mark.django_db

TERMINAL = {EscrowStatus.RELEASED, EscrowStatus.REFUNDED, EscrowStatus.CANCELLED}
SIDES = st.sampled_from(["payer", "payee"])


def build_machine(emulator, payee):
    class EscrowLife(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self.trade = give_cards(cash_trade(payee=payee, cash="80.00"))
            self.escrow = services.escrow_create(trade_id=self.trade.pk, actor=self.trade.party_a)
            self.seen = [self.escrow.status]
            self.staff = UserFactory(is_staff=True)

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def user(self, side):
            return self.escrow.payer if side == "payer" else self.escrow.payee

        def attempt(self, work):
            """A refused move is a normal outcome; anything else fails the example."""
            try:
                with transaction.atomic():
                    work()
            except DomainError:
                pass
            self.escrow = EscrowTransaction.objects.select_related("payer", "payee").get(pk=self.escrow.pk)
            if self.escrow.status != self.seen[-1]:
                self.seen.append(self.escrow.status)

        @rule()
        def pay(self):
            def work():
                escrow = services.escrow_checkout_start(escrow_id=self.escrow.pk, actor=self.escrow.payer)
                emulator.pay(escrow.stripe_checkout_session_id, "4242424242424242")
                services.escrow_sync_payment(escrow_id=escrow.pk)

            self.attempt(work)

        @rule(side=SIDES)
        def ship(self, side):
            self.attempt(
                lambda: services.escrow_ship(
                    escrow_id=self.escrow.pk, actor=self.user(side), carrier="DHL", tracking_number=f"JD0{side}1234"
                )
            )

        @rule(side=SIDES)
        def confirm(self, side):
            self.attempt(lambda: services.escrow_confirm_receipt(escrow_id=self.escrow.pk, actor=self.user(side)))

        @rule()
        def inspection_window_ends(self):
            past = timezone.now() - timedelta(days=30)

            def work():
                escrow = EscrowTransaction.objects.get(pk=self.escrow.pk)
                EscrowTransaction.objects.filter(pk=escrow.pk).update(
                    payer_shipped_at=past if escrow.payer_shipped_at else None,
                    payee_shipped_at=past if escrow.payee_shipped_at else None,
                )
                services.escrow_auto_confirm_due()

            self.attempt(work)

        @rule()
        def payment_window_ends(self):
            def work():
                EscrowTransaction.objects.filter(pk=self.escrow.pk).update(
                    expires_at=timezone.now() - timedelta(minutes=1)
                )
                services.escrow_expire_due()

            self.attempt(work)

        @rule(side=SIDES)
        def cancel(self, side):
            self.attempt(lambda: services.escrow_request_cancel(escrow_id=self.escrow.pk, actor=self.user(side)))

        @rule()
        def chargeback(self):
            def work():
                if self.escrow.stripe_charge_id and not emulator.objects[self.escrow.stripe_charge_id]["disputed"]:
                    charge = emulator.objects[self.escrow.stripe_charge_id]
                    if charge["amount_refunded"] < charge["amount"]:
                        emulator.dispute_create(self.escrow.stripe_charge_id)
                services.escrow_sync_charge(escrow_id=self.escrow.pk)

            self.attempt(work)

        @rule(decision=st.sampled_from(["release", "refund", "split"]))
        def staff_decides(self, decision):
            def work():
                if decision == "release":
                    services.escrow_release(escrow_id=self.escrow.pk, cause="staff")
                elif decision == "refund":
                    services.escrow_refund(
                        escrow_id=self.escrow.pk, cause="staff", refund_fee=False, at_fault_user_id=self.escrow.payee_id
                    )
                else:
                    services.escrow_split(
                        escrow_id=self.escrow.pk,
                        released_amount=Decimal("30.00"),
                        refunded_amount=Decimal("50.00"),
                        actor=None,
                        cause="staff",
                    )

            self.attempt(work)

        @rule(side=SIDES, images=st.integers(min_value=0, max_value=2))
        def dispute(self, side, images):
            self.attempt(
                lambda: services.dispute_open(
                    escrow_id=self.escrow.pk,
                    actor=self.user(side),
                    reason="Not what was agreed.",
                    evidence=[image_upload(f"{index}.png") for index in range(images)],
                )
            )

        @rule(
            decision=st.sampled_from(["release", "refund", "split"]),
            at_fault=st.sampled_from(["payer", "payee", None]),
        )
        def staff_resolve_dispute(self, decision, at_fault):
            self.attempt(
                lambda: services.dispute_resolve(
                    escrow_id=self.escrow.pk,
                    actor=self.staff,
                    outcome=decision,
                    resolution="Decided on the evidence.",
                    at_fault_user_id=self.user(at_fault).pk if at_fault else None,
                    released_amount=Decimal("30.00") if decision == "split" else None,
                    refunded_amount=Decimal("50.00") if decision == "split" else None,
                )
            )

        @rule()
        def webhook_replay(self):
            """What the payment and charge webhooks hand off to, run again."""

            def work():
                tasks.escrow_sync_payment(self.escrow.pk, "evt_replay")
                tasks.escrow_sync_charge(self.escrow.pk, "evt_replay")

            self.attempt(work)

        @invariant()
        def terminal_states_absorb_and_moves_are_allowed(self):
            for before, after in zip(self.seen, self.seen[1:], strict=False):
                assert before not in TERMINAL, self.seen
                assert after in ALLOWED_TRANSITIONS[before], self.seen

        @invariant()
        def at_most_one_transfer_and_never_more_out_than_charged(self):
            escrow = self.escrow
            transfers = stripe_objects(emulator, "transfer", transfer_group=escrow.transfer_group)
            assert len(transfers) <= 1
            if escrow.stripe_charge_id:
                refunds = stripe_objects(emulator, "refund", charge=escrow.stripe_charge_id)
                out = sum(t["amount"] for t in transfers) + sum(r["amount"] for r in refunds)
                assert out <= emulator.objects[escrow.stripe_charge_id]["amount"]

        @invariant()
        def an_open_dispute_holds_the_escrow_and_a_resolved_one_ended_it(self):
            dispute = Dispute.objects.filter(escrow_id=self.escrow.pk).first()
            if dispute is None:
                return
            if dispute.is_open:
                assert self.escrow.status == EscrowStatus.DISPUTED
                assert self.escrow.released_amount is None and self.escrow.refunded_amount is None
            else:
                assert self.escrow.status in (EscrowStatus.RELEASED, EscrowStatus.REFUNDED)
                expected = {"release": EscrowStatus.RELEASED, "split": EscrowStatus.RELEASED}
                assert self.escrow.status == expected.get(dispute.outcome, EscrowStatus.REFUNDED)

        @invariant()
        def ledger_balances_and_fee_matches_the_formula(self):
            escrow = self.escrow
            assert unbalanced_movements(escrow_id=escrow.pk) == []
            assert escrow.fee_amount == escrow_fee(amount=escrow.amount)
            assert escrow.total_charged == escrow.amount + escrow.fee_amount
            if escrow.status in (EscrowStatus.RELEASED, EscrowStatus.REFUNDED):
                assert ledger_balances(escrow_id=escrow.pk)[LedgerAccount.ESCROW_HELD] == 0
                assert escrow.released_amount + escrow.refunded_amount == escrow.amount

    return EscrowLife


def test_escrow_state_machine(emulator):
    payee = onboarded(emulator)
    machine = build_machine(emulator, payee)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=12,
            stateful_step_count=10,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
