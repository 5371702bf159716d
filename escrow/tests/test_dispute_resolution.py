"""Staff resolve disputes through the escrow money services, against the Stripe emulator:
release, refund (fee rule), split; the party at fault loses reputation; both are told; bad
input changes nothing; racing a release or a second resolution gives exactly one outcome."""

from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress

from accounts.models import UserReputation
from accounts.reputation import DISPUTE_LOST_PENALTY, reputation_score
from accounts.services import reputation_update
from accounts.tests.factories import UserFactory
from core.errors import DomainError, InvalidTransition, NotAllowed
from escrow import services
from escrow.enums import DisputeStatus, EscrowStatus, LedgerAccount
from escrow.ledger import ledger_balances, unbalanced_movements
from escrow.models import Dispute, EscrowEvent, EscrowTransaction
from notifications.models import Notification
from trades.enums import TradeStatus
from trades.models import Trade

from .factories import disputed, paid_escrow
from .test_reliability import in_threads

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, username="resolver")


def transfers_of(emulator, escrow):
    return [
        o
        for o in emulator.objects.values()
        if o["object"] == "transfer" and o["transfer_group"] == escrow.transfer_group
    ]


def refunds_of(emulator, escrow):
    return [
        o
        for o in emulator.objects.values()
        if o["object"] == "refund" and o["payment_intent"] == escrow.stripe_payment_intent_id
    ]


def _formula(user, **override) -> Decimal:
    row = UserReputation.objects.get(user=user)
    fields = {
        "completed_trades": row.completed_trades,
        "cancelled_trades": row.cancelled_trades,
        "review_count": row.review_count,
        "review_average": row.review_average,
        "signals_followed": row.signals_followed,
        "signals_profitable": row.signals_profitable,
        "disputes_lost": row.disputes_lost,
        "email_verified": EmailAddress.objects.filter(user=user, verified=True).exists(),
        "months_inactive": 0,
    }
    return reputation_score(**{**fields, **override})


def test_release_pays_the_payee_and_the_payer_at_fault_loses_reputation(emulator, staff):
    escrow = paid_escrow(emulator)
    dispute = disputed(escrow=escrow, by="payer", images=0)
    reputation_update(user=escrow.payer, signals_followed=10, signals_profitable=10)  # 100 points to lose from
    services.dispute_resolve(
        escrow_id=escrow.pk,
        actor=staff,
        outcome="release",
        resolution="The photos show the cards arrived as described.",
        at_fault_user_id=escrow.payer_id,
    )
    escrow.refresh_from_db()
    dispute.refresh_from_db()
    assert (escrow.status, escrow.released_amount, escrow.dispute_resolution) == (
        EscrowStatus.RELEASED,
        Decimal("150.00"),
        "The photos show the cards arrived as described.",
    )
    assert [t["amount"] for t in transfers_of(emulator, escrow)] == [15000] and refunds_of(emulator, escrow) == []
    assert (dispute.status, dispute.outcome, dispute.at_fault, dispute.resolved_by) == (
        DisputeStatus.RESOLVED,
        "release",
        escrow.payer,
        staff,
    )
    payer = UserReputation.objects.get(user=escrow.payer)
    assert (payer.disputes_lost, payer.disputes_involved) == (1, 1)
    assert payer.reputation_score == _formula(escrow.payer)
    assert _formula(escrow.payer, disputes_lost=0) - payer.reputation_score == DISPUTE_LOST_PENALTY
    assert UserReputation.objects.get(user=escrow.payee).disputes_lost == 0
    assert Trade.objects.get(pk=escrow.trade_id).status == TradeStatus.COMPLETED
    kinds = list(EscrowEvent.objects.filter(escrow=escrow).values_list("kind", flat=True))
    assert kinds[-3:] == ["dispute_opened", "released", "dispute_resolved"]
    resolved_event = EscrowEvent.objects.get(escrow=escrow, kind="dispute_resolved")
    assert resolved_event.actor == staff and "at fault: " + escrow.payer.username in resolved_event.note
    told = Notification.objects.filter(kind="dispute_resolved")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted([escrow.payer_id, escrow.payee_id])
    assert told.first().body == "The photos show the cards arrived as described."
    assert unbalanced_movements() == []


@pytest.mark.parametrize(
    ("at_fault", "refund_cents", "fee_refunded"),
    [("payee", 15450, True), (None, 15450, True), ("payer", 15000, False)],
)
def test_refund_returns_the_money_and_the_fee_unless_the_payer_was_at_fault(
    emulator, staff, at_fault, refund_cents, fee_refunded
):
    escrow = paid_escrow(emulator)
    disputed(escrow=escrow, by="payer", images=0)
    at_fault_id = {"payer": escrow.payer_id, "payee": escrow.payee_id, None: None}[at_fault]
    services.dispute_resolve(
        escrow_id=escrow.pk,
        actor=staff,
        outcome="refund",
        resolution="Cards never arrived.",
        at_fault_user_id=at_fault_id,
    )
    escrow.refresh_from_db()
    assert (escrow.status, escrow.refunded_amount, escrow.fee_refunded) == (
        EscrowStatus.REFUNDED,
        Decimal("150.00"),
        fee_refunded,
    )
    assert [r["amount"] for r in refunds_of(emulator, escrow)] == [refund_cents]
    assert transfers_of(emulator, escrow) == []
    lost = dict(
        UserReputation.objects.filter(user__in=[escrow.payer, escrow.payee]).values_list("user_id", "disputes_lost")
    )
    assert lost == {escrow.payer_id: int(at_fault == "payer"), escrow.payee_id: int(at_fault == "payee")}
    assert Trade.objects.get(pk=escrow.trade_id).status == TradeStatus.CANCELLED
    assert unbalanced_movements() == []


def test_split_ends_released_with_both_amounts_recorded(emulator, staff):
    escrow = paid_escrow(emulator)
    disputed(escrow=escrow, by="payee", images=0)
    services.dispute_resolve(
        escrow_id=escrow.pk,
        actor=staff,
        outcome="split",
        resolution="Half the cards were damaged.",
        at_fault_user_id=None,
        released_amount=Decimal("100.00"),
        refunded_amount=Decimal("50.00"),
    )
    escrow.refresh_from_db()
    assert (escrow.status, escrow.released_amount, escrow.refunded_amount, escrow.fee_refunded) == (
        EscrowStatus.RELEASED,
        Decimal("100.00"),
        Decimal("50.00"),
        False,
    )
    assert [t["amount"] for t in transfers_of(emulator, escrow)] == [10000]
    assert [r["amount"] for r in refunds_of(emulator, escrow)] == [5000]
    balances = ledger_balances(escrow_id=escrow.pk)
    assert balances[LedgerAccount.ESCROW_HELD] == 0 and balances[LedgerAccount.PAYEE_FUNDS] == Decimal("100.00")
    assert Dispute.objects.get(escrow=escrow).outcome == "split"
    assert set(
        UserReputation.objects.filter(user__in=[escrow.payer, escrow.payee]).values_list("disputes_lost", flat=True)
    ) == {0}


def _nothing_moved(emulator, escrow):
    escrow.refresh_from_db()
    assert escrow.status == EscrowStatus.DISPUTED and escrow.released_amount is None
    assert Dispute.objects.get(escrow=escrow).status == DisputeStatus.OPEN
    assert transfers_of(emulator, escrow) == [] and refunds_of(emulator, escrow) == []
    assert not EscrowEvent.objects.filter(escrow=escrow, kind__in=["dispute_resolved", "released", "split"]).exists()
    assert not Notification.objects.filter(kind="dispute_resolved").exists()


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (
            {"outcome": "split", "released_amount": Decimal("100.00"), "refunded_amount": Decimal("49.99")},
            "refunded_amount",
        ),
        (
            {"outcome": "split", "released_amount": Decimal("150.00"), "refunded_amount": Decimal("0")},
            "refunded_amount",
        ),
        ({"outcome": "split", "released_amount": None, "refunded_amount": Decimal("150.00")}, "released_amount"),
        ({"outcome": "release", "resolution": "   "}, "resolution"),
        ({"outcome": "burn"}, "outcome"),
    ],
    ids=["split-short", "split-zero", "split-missing", "no-resolution", "unknown-outcome"],
)
def test_bad_resolutions_change_nothing(emulator, staff, arguments, field):
    escrow = paid_escrow(emulator)
    disputed(escrow=escrow, images=0)
    Notification.objects.all().delete()
    with pytest.raises(DomainError) as refused:
        services.dispute_resolve(
            escrow_id=escrow.pk, actor=staff, at_fault_user_id=None, **{"resolution": "Decided.", **arguments}
        )
    assert refused.value.field == field
    _nothing_moved(emulator, escrow)


def test_only_staff_resolve_and_only_once(emulator, staff):
    escrow = paid_escrow(emulator)
    disputed(escrow=escrow, images=0)
    for actor in (escrow.payer, escrow.payee):
        with pytest.raises(NotAllowed):
            services.dispute_resolve(
                escrow_id=escrow.pk, actor=actor, outcome="refund", resolution="Mine.", at_fault_user_id=None
            )
    _nothing_moved(emulator, escrow)
    services.dispute_resolve(
        escrow_id=escrow.pk, actor=staff, outcome="release", resolution="Ok.", at_fault_user_id=None
    )
    with pytest.raises(InvalidTransition):
        services.dispute_resolve(
            escrow_id=escrow.pk, actor=staff, outcome="refund", resolution="No.", at_fault_user_id=None
        )
    assert len(transfers_of(emulator, escrow)) == 1 and refunds_of(emulator, escrow) == []


def test_release_without_staff_does_not_override_a_dispute(emulator):
    escrow = paid_escrow(emulator)
    disputed(escrow=escrow, images=0)
    with pytest.raises(InvalidTransition) as refused:
        services.escrow_release(escrow_id=escrow.pk, cause="Both parties confirmed receipt.")
    assert refused.value.code == "disputed"
    _nothing_moved(emulator, escrow)


# --- races (real threads on PostgreSQL) --------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_dispute_racing_a_release_gives_exactly_one_outcome(emulator):
    outcomes = set()
    for _ in range(4):
        escrow = paid_escrow(emulator)
        EscrowTransaction.objects.filter(pk=escrow.pk).update(status=EscrowStatus.ITEMS_RECEIVED)

        def work(index, escrow=escrow):
            if index == 0:
                return services.dispute_open(escrow_id=escrow.pk, actor=escrow.payer, reason="Wrong cards.")
            return services.escrow_release(escrow_id=escrow.pk, cause="Both parties confirmed receipt.")

        results = in_threads(2, work)
        failures = [r for r in results if isinstance(r, Exception)]
        assert len(failures) == 1 and isinstance(failures[0], InvalidTransition), results
        escrow.refresh_from_db()
        if escrow.status == EscrowStatus.RELEASED:
            assert not Dispute.objects.filter(escrow=escrow).exists()
            assert len(transfers_of(emulator, escrow)) == 1
        else:
            assert escrow.status == EscrowStatus.DISPUTED
            assert Dispute.objects.filter(escrow=escrow, status="open").count() == 1
            assert transfers_of(emulator, escrow) == []
        assert EscrowEvent.objects.filter(escrow=escrow, to_status__in=["released", "disputed"]).count() == 1
        outcomes.add(escrow.status)
    assert outcomes <= {EscrowStatus.RELEASED, EscrowStatus.DISPUTED}


@pytest.mark.django_db(transaction=True)
def test_two_staff_resolving_at_once_make_one_decision(emulator):
    staff_a, staff_b = UserFactory(is_staff=True), UserFactory(is_staff=True)
    escrow = paid_escrow(emulator)
    disputed(escrow=escrow, images=0)

    def work(index):
        if index == 0:
            return services.dispute_resolve(
                escrow_id=escrow.pk, actor=staff_a, outcome="release", resolution="Release.", at_fault_user_id=None
            )
        return services.dispute_resolve(
            escrow_id=escrow.pk, actor=staff_b, outcome="refund", resolution="Refund.", at_fault_user_id=None
        )

    results = in_threads(2, work)
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1 and isinstance(failures[0], InvalidTransition), results
    escrow.refresh_from_db()
    moved = len(transfers_of(emulator, escrow)) + len(refunds_of(emulator, escrow))
    assert moved == 1 and escrow.status in (EscrowStatus.RELEASED, EscrowStatus.REFUNDED)
    assert EscrowEvent.objects.filter(escrow=escrow, kind="dispute_resolved").count() == 1
