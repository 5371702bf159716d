"""Disputes: opening (who, when, evidence checked by content and kept privately), messages,
notifications, reputation counts, and what a resolution would move (the preview the staff
confirmation page shows). Resolutions that move money are in test_dispute_resolution.py."""

import os
from decimal import Decimal
from io import BytesIO

import pytest
from django.conf import settings
from django.core import mail
from PIL import Image

from accounts.models import UserReputation
from accounts.tests.factories import UserFactory
from core.errors import DomainError, InvalidTransition, NotAllowed, NotFound, PayloadTooLarge
from escrow import selectors, services
from escrow.enums import DISPUTABLE_STATUSES, DisputeStatus, EscrowStatus
from escrow.models import Dispute, DisputeEvidence, DisputeMessage, EscrowEvent, EscrowTransaction
from notifications.models import Notification

from .factories import disputed, escrow_row, image_bytes, image_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, username="staff_one")


def _unchanged(escrow, status):
    escrow.refresh_from_db()
    assert escrow.status == status
    assert not Dispute.objects.filter(escrow=escrow).exists()
    assert not DisputeEvidence.objects.exists()
    assert not EscrowEvent.objects.filter(escrow=escrow, kind__startswith="dispute").exists()


# --- who and when ---------------------------------------------------------------------------
def test_disputable_statuses_are_the_paid_unreleased_ones():
    assert set(DISPUTABLE_STATUSES) == {
        EscrowStatus.PAYMENT_RECEIVED,
        EscrowStatus.ITEMS_SHIPPED,
        EscrowStatus.ITEMS_RECEIVED,
    }


@pytest.mark.parametrize("status", ["payment_received", "items_shipped", "items_received"])
@pytest.mark.parametrize("by", ["payer", "payee"])
def test_either_party_disputes_a_paid_unreleased_escrow(status, by):
    escrow = escrow_row(status=status)
    actor = escrow.payer if by == "payer" else escrow.payee
    dispute = services.dispute_open(escrow_id=escrow.pk, actor=actor, reason="  Wrong card sent.  ")
    escrow.refresh_from_db()
    assert escrow.status == EscrowStatus.DISPUTED
    assert (escrow.dispute_reason, escrow.dispute_opened_at is not None) == ("Wrong card sent.", True)
    assert (dispute.status, dispute.reason, dispute.opened_by, dispute.escrow_status_before) == (
        DisputeStatus.OPEN,
        "Wrong card sent.",
        actor,
        status,
    )
    event = EscrowEvent.objects.get(escrow=escrow, kind="dispute_opened")
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        status,
        "disputed",
        actor,
        "Wrong card sent.",
    )


@pytest.mark.parametrize("status", ["pending_payment", "released", "refunded", "cancelled"])
def test_an_unpaid_or_finished_escrow_cannot_be_disputed(status):
    escrow = escrow_row(status=status)
    with pytest.raises(InvalidTransition):
        services.dispute_open(escrow_id=escrow.pk, actor=escrow.payer, reason="Too late.")
    _unchanged(escrow, status)


def test_a_second_dispute_is_refused_and_changes_nothing():
    dispute = disputed(images=0)
    with pytest.raises(InvalidTransition) as refused:
        services.dispute_open(escrow_id=dispute.escrow_id, actor=dispute.escrow.payee, reason="Me too.")
    assert refused.value.code == "already_disputed"
    assert Dispute.objects.count() == 1
    assert EscrowEvent.objects.filter(kind="dispute_opened").count() == 1


def test_staff_and_outsiders_cannot_open_a_dispute(staff):
    escrow = escrow_row(status="payment_received")
    for actor in (staff, UserFactory()):
        with pytest.raises(NotAllowed):
            services.dispute_open(escrow_id=escrow.pk, actor=actor, reason="Not mine to say.")
    _unchanged(escrow, "payment_received")


@pytest.mark.parametrize("reason", ["", "   ", "x" * 5001])
def test_a_reason_is_required_and_bounded(reason):
    escrow = escrow_row(status="payment_received")
    with pytest.raises(DomainError) as refused:
        services.dispute_open(escrow_id=escrow.pk, actor=escrow.payer, reason=reason, evidence=[image_upload()])
    assert refused.value.field == "reason"
    _unchanged(escrow, "payment_received")


# --- evidence -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [("PNG", "image/png", "png"), ("JPEG", "image/jpeg", "jpg"), ("WEBP", "image/webp", "webp")],
)
def test_evidence_images_are_checked_by_content_and_kept_privately(fmt, content_type, extension):
    escrow = escrow_row(status="items_shipped")
    upload = image_upload(f"box.{extension}", fmt=fmt, size=(120, 80))
    dispute = services.dispute_open(escrow_id=escrow.pk, actor=escrow.payee, reason="Crushed box.", evidence=[upload])
    evidence = dispute.evidence.get()
    assert (evidence.content_type, evidence.width, evidence.height, evidence.original_filename) == (
        content_type,
        120,
        80,
        f"box.{extension}",
    )
    assert evidence.file.name.startswith(f"dispute-evidence/{escrow.pk}/")
    path = evidence.file.path
    assert path.startswith(os.path.abspath(settings.MEDIA_ROOT)) and os.path.getsize(path) == evidence.size_bytes
    with Image.open(path) as stored:
        assert (stored.format, stored.size) == (fmt, (120, 80))
    with pytest.raises(ValueError):  # the storage has no URL: only the access-checked view serves it
        evidence.file.url
    assert EscrowEvent.objects.get(escrow=escrow, kind="dispute_evidence").note == "1 image(s) attached"


def test_camera_metadata_is_stripped_by_re_encoding():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (47.0, 36.0, 0.0)}  # GPS latitude
    content = image_bytes("JPEG", exif=exif.tobytes())
    with Image.open(BytesIO(content)) as original:
        assert original.getexif()[0x010F] == "PhoneMaker"
    escrow = escrow_row(status="payment_received")
    dispute = services.dispute_open(
        escrow_id=escrow.pk, actor=escrow.payer, reason="See photo.", evidence=[image_upload("p.jpg", "JPEG", content)]
    )
    with Image.open(dispute.evidence.get().file.path) as stored:
        assert dict(stored.getexif()) == {}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("script.png", b"<html><script>alert(1)</script></html>"),  # named like an image, is not one
        ("photo.png", image_bytes("PNG")[:60]),  # truncated
        ("anim.gif", image_bytes("GIF")),  # an image, not an accepted kind
        ("vector.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("empty.png", b""),
    ],
    ids=["html", "truncated", "gif", "svg", "empty"],
)
def test_files_that_are_not_accepted_images_are_refused_and_nothing_is_kept(name, content):
    escrow = escrow_row(status="payment_received")
    good = image_upload("good.png")
    with pytest.raises(DomainError) as refused:
        services.dispute_open(
            escrow_id=escrow.pk,
            actor=escrow.payer,
            reason="Look.",
            evidence=[good, image_upload(name, content=content)],
        )
    assert refused.value.field == "evidence" and name in refused.value.message
    _unchanged(escrow, "payment_received")
    evidence_dir = os.path.join(settings.MEDIA_ROOT, "dispute-evidence", str(escrow.pk))
    assert not os.path.exists(evidence_dir) or os.listdir(evidence_dir) == []


def test_at_most_five_images(settings):
    escrow = escrow_row(status="payment_received")
    with pytest.raises(DomainError) as refused:
        services.dispute_open(
            escrow_id=escrow.pk,
            actor=escrow.payer,
            reason="Lots.",
            evidence=[image_upload(f"{index}.png") for index in range(6)],
        )
    assert refused.value.code == "too_many_files"
    _unchanged(escrow, "payment_received")
    dispute = services.dispute_open(
        escrow_id=escrow.pk, actor=escrow.payer, reason="Five.", evidence=[image_upload(f"{i}.png") for i in range(5)]
    )
    assert dispute.evidence.count() == 5


def test_an_image_over_the_size_cap_is_refused(settings):
    settings.DISPUTE_EVIDENCE_MAX_BYTES = 1024 * 1024
    noise = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))  # incompressible
    out = BytesIO()
    noise.save(out, format="PNG")
    assert out.tell() > 1024 * 1024
    escrow = escrow_row(status="payment_received")
    with pytest.raises(PayloadTooLarge):
        services.dispute_open(
            escrow_id=escrow.pk, actor=escrow.payer, reason="Big.", evidence=[image_upload(content=out.getvalue())]
        )
    _unchanged(escrow, "payment_received")


def test_an_image_over_the_pixel_cap_is_refused(settings):
    settings.DISPUTE_EVIDENCE_MAX_PIXELS = 100 * 100
    escrow = escrow_row(status="payment_received")
    with pytest.raises(DomainError, match="too many pixels"):
        services.dispute_open(
            escrow_id=escrow.pk, actor=escrow.payer, reason="Huge.", evidence=[image_upload(size=(101, 100))]
        )
    _unchanged(escrow, "payment_received")


def test_files_of_a_dispute_that_loses_a_race_are_deleted():
    """The state check runs under the row lock, after the images were checked: a dispute refused
    there (here: the escrow was released meanwhile) leaves no file behind."""
    escrow = escrow_row(status="released")
    with pytest.raises(InvalidTransition):
        services.dispute_open(escrow_id=escrow.pk, actor=escrow.payer, reason="Late.", evidence=[image_upload()])
    evidence_dir = os.path.join(settings.MEDIA_ROOT, "dispute-evidence", str(escrow.pk))
    assert not os.path.exists(evidence_dir) or os.listdir(evidence_dir) == []


# --- notifications and reputation -------------------------------------------------------------
def test_the_other_party_and_staff_are_told_in_app_and_by_email(staff, django_capture_on_commit_callbacks):
    other_staff = UserFactory(is_staff=True)
    escrow = escrow_row(status="payment_received")
    with django_capture_on_commit_callbacks(execute=True):
        dispute = disputed(escrow=escrow, by="payer", images=0)
    told = Notification.objects.filter(kind="dispute_opened")
    assert sorted(told.values_list("recipient__username", flat=True)) == sorted(
        [escrow.payee.username, staff.username, other_staff.username]
    )
    assert not told.filter(recipient=escrow.payer).exists()
    assert told.get(recipient=escrow.payee).url == f"/escrow/{escrow.pk}/dispute/"
    assert told.get(recipient=staff).url == f"/admin/escrow/dispute/{dispute.pk}/resolve/"
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [escrow.payee.email, staff.email, other_staff.email]
    )


def test_disputes_involved_counts_for_both_parties():
    dispute = disputed(images=0)
    for user in (dispute.escrow.payer, dispute.escrow.payee):
        reputation = UserReputation.objects.get(user=user)
        assert (reputation.disputes_involved, reputation.disputes_lost) == (1, 0)


# --- messages -------------------------------------------------------------------------------
def test_parties_and_staff_write_and_the_others_are_told(staff, django_capture_on_commit_callbacks):
    dispute = disputed(images=0)
    escrow = dispute.escrow
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_message_add(escrow_id=escrow.pk, actor=escrow.payee, body="I shipped it in a toploader.")
        services.dispute_message_add(escrow_id=escrow.pk, actor=staff, body="Please both send photos.")
    assert list(DisputeMessage.objects.values_list("author__username", "body")) == [
        (escrow.payee.username, "I shipped it in a toploader."),
        (staff.username, "Please both send photos."),
    ]
    told = sorted(Notification.objects.filter(kind="dispute_message").values_list("recipient__username", flat=True))
    # The payee's message reaches the payer and staff; staff's reaches both parties.
    assert told == sorted([escrow.payer.username, staff.username, escrow.payer.username, escrow.payee.username])
    notes = list(EscrowEvent.objects.filter(escrow=escrow, kind="dispute_message").values_list("actor", "note"))
    assert notes == [(escrow.payee_id, "I shipped it in a toploader."), (staff.pk, "Please both send photos.")]


def test_a_long_message_is_kept_whole_and_its_event_note_is_cut():
    dispute = disputed(images=0)
    message = services.dispute_message_add(escrow_id=dispute.escrow_id, actor=dispute.escrow.payer, body="0" * 5000)
    assert len(DisputeMessage.objects.get(pk=message.pk).body) == 5000
    assert len(EscrowEvent.objects.get(escrow=dispute.escrow, kind="dispute_message").note) == 500


def test_outsiders_cannot_write_and_a_message_needs_a_body():
    dispute = disputed(images=0)
    with pytest.raises(NotFound):
        services.dispute_message_add(escrow_id=dispute.escrow_id, actor=UserFactory(), body="Hello")
    with pytest.raises(DomainError) as refused:
        services.dispute_message_add(escrow_id=dispute.escrow_id, actor=dispute.escrow.payer, body="  ")
    assert refused.value.field == "body"
    assert not DisputeMessage.objects.exists()


def test_no_messages_without_a_dispute_or_after_it_is_resolved():
    escrow = escrow_row(status="payment_received")
    with pytest.raises(NotFound):
        services.dispute_message_add(escrow_id=escrow.pk, actor=escrow.payer, body="Hello")
    dispute = disputed(images=0)
    Dispute.objects.filter(pk=dispute.pk).update(
        status="resolved", outcome="release", resolution="Released.", resolved_at=dispute.created_at
    )
    with pytest.raises(InvalidTransition):
        services.dispute_message_add(escrow_id=dispute.escrow_id, actor=dispute.escrow.payer, body="But…")
    assert not DisputeMessage.objects.exists()


# --- what a resolution would move (the confirmation page) ----------------------------------
def _preview(escrow, outcome, at_fault=None, **amounts):
    return selectors.dispute_resolution_preview(escrow=escrow, outcome=outcome, at_fault_user_id=at_fault, **amounts)


def test_release_and_refund_move_the_whole_held_amount_and_the_fee_rule():
    escrow = disputed(images=0).escrow  # 150.00 held, 4.50 fee
    release = _preview(escrow, "release", escrow.payee_id)
    assert (release.released_amount, release.payer_gets, release.fee_kept) == (
        Decimal("150.00"),
        Decimal("0.00"),
        Decimal("4.50"),
    )
    # Refund: the fee goes back unless the payer was at fault (then Bazaar keeps it).
    for at_fault, payer_gets, fee_kept in [
        (escrow.payee_id, "154.50", "0"),
        (None, "154.50", "0"),
        (escrow.payer_id, "150.00", "4.50"),
    ]:
        refund = _preview(escrow, "refund", at_fault)
        assert (refund.released_amount, refund.payer_gets, refund.fee_kept) == (
            Decimal("0.00"),
            Decimal(payer_gets),
            Decimal(fee_kept),
        )


def test_a_split_must_add_up_to_the_held_amount():
    escrow = disputed(images=0).escrow
    split = _preview(escrow, "split", None, released_amount="100.00", refunded_amount="50.00")
    assert (split.released_amount, split.refunded_amount, split.fee_kept) == (
        Decimal("100.00"),
        Decimal("50.00"),
        Decimal("4.50"),
    )
    assert "100.00 USD to the payee" in split.summary and "at fault: neither party" in split.summary
    for released, refunded, field in [
        ("100.00", "49.99", "refunded_amount"),
        ("100.00", "60.00", "refunded_amount"),
        ("150.00", "0", "refunded_amount"),
        ("0", "150.00", "released_amount"),
        ("-10.00", "160.00", "released_amount"),
        ("75.005", "74.995", "released_amount"),
        ("abc", "150.00", "released_amount"),
        (None, "150.00", "released_amount"),
        ("NaN", "150.00", "released_amount"),
    ]:
        with pytest.raises(DomainError) as refused:
            _preview(escrow, "split", None, released_amount=released, refunded_amount=refunded)
        assert refused.value.field == field, (released, refunded)


def test_the_party_at_fault_is_one_of_the_two_or_neither():
    escrow = disputed(images=0).escrow
    with pytest.raises(DomainError) as refused:
        _preview(escrow, "release", UserFactory().pk)
    assert refused.value.field == "at_fault"
    with pytest.raises(DomainError) as refused:
        _preview(escrow, "burn", None)
    assert refused.value.field == "outcome"


def test_the_staff_queue_is_open_disputes_oldest_first():
    first, second, third = (disputed(images=0) for _ in range(3))
    Dispute.objects.filter(pk=second.pk).update(created_at=first.created_at.replace(year=2020))
    Dispute.objects.filter(pk=third.pk).update(
        status="resolved", outcome="refund", resolution="Refunded.", resolved_at=third.created_at
    )
    assert list(selectors.dispute_queue()) == [second, first]
    assert EscrowTransaction.objects.filter(status="disputed").count() == 3
