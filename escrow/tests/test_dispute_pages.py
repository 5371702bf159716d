"""Dispute page, evidence view, API and the staff admin (queue and confirmation page): the happy
paths, access (parties and staff only, 404 otherwise), validation errors that change nothing."""

from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from accounts.tests.factories import UserFactory
from escrow.models import Dispute, DisputeMessage, EscrowEvent, EscrowTransaction

from .factories import disputed, escrow_row, image_upload, paid_escrow

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff():
    user = UserFactory(is_staff=True, is_superuser=True, username="staff_admin")
    TOTP.activate(user, generate_totp_secret())
    return user


# --- the dispute page -----------------------------------------------------------------------
def test_a_party_opens_a_dispute_with_evidence_on_the_page():
    escrow = escrow_row(status="items_shipped")
    client = client_for(escrow.payer)
    page = client.get(f"/escrow/{escrow.pk}/dispute/")
    assert page.status_code == 200 and b"Open a dispute" in page.content
    response = client.post(
        f"/escrow/{escrow.pk}/dispute/",
        {"reason": "Two cards missing.", "evidence": [image_upload("a.png"), image_upload("b.jpg", "JPEG")]},
    )
    assert response.status_code == 302 and response.url == f"/escrow/{escrow.pk}/dispute/"
    dispute = Dispute.objects.get(escrow=escrow)
    assert dispute.evidence.count() == 2
    page = client.get(response.url)
    assert b"Two cards missing." in page.content
    assert page.content.count(b'data-testid="dispute-evidence"') == 2


def test_a_bad_file_re_renders_the_form_with_the_error_and_changes_nothing():
    escrow = escrow_row(status="payment_received")
    response = client_for(escrow.payee).post(
        f"/escrow/{escrow.pk}/dispute/",
        {"reason": "See file.", "evidence": [image_upload("fake.png", content=b"%PDF-1.7 not an image")]},
    )
    assert response.status_code == 422
    assert b"fake.png: not a JPEG, PNG or WebP image." in response.content
    assert not Dispute.objects.exists()
    assert EscrowTransaction.objects.get(pk=escrow.pk).status == "payment_received"


def test_the_dispute_page_is_for_the_parties_and_staff_only(staff):
    dispute = disputed()
    url = f"/escrow/{dispute.escrow_id}/dispute/"
    for user in (dispute.escrow.payer, dispute.escrow.payee, staff):
        assert client_for(user).get(url).status_code == 200
    assert client_for(UserFactory()).get(url).status_code == 404
    assert client_for(UserFactory()).post(url, {"reason": "Me!"}).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith("/accounts/login/")


def test_messages_on_the_page_from_a_party_and_from_staff(staff):
    dispute = disputed(images=0)
    url = f"/escrow/{dispute.escrow_id}/dispute/messages/"
    assert client_for(dispute.escrow.payee).post(url, {"body": "I have the tracking."}).status_code == 302
    assert client_for(staff).post(url, {"body": "Thanks, checking."}).status_code == 302
    assert client_for(UserFactory()).post(url, {"body": "Hi"}).status_code == 404
    empty = client_for(dispute.escrow.payer).post(url, {"body": ""})
    assert empty.status_code == 422
    assert list(DisputeMessage.objects.values_list("body", flat=True)) == ["I have the tracking.", "Thanks, checking."]
    page = client_for(dispute.escrow.payer).get(f"/escrow/{dispute.escrow_id}/dispute/")
    assert b"Thanks, checking." in page.content and b">Staff</span>" in page.content


def test_the_trade_panel_links_to_the_dispute():
    escrow = escrow_row(status="payment_received")
    client = client_for(escrow.payer)
    panel = client.get(f"/escrow/trades/{escrow.trade_id}/panel/")
    assert b"Open a dispute" in panel.content
    disputed(escrow=escrow, images=0)
    panel = client.get(f"/escrow/trades/{escrow.trade_id}/panel/")
    assert b"See the dispute" in panel.content and b"staff decide" in panel.content


# --- evidence view --------------------------------------------------------------------------
def test_evidence_is_served_only_to_the_parties_and_staff(staff):
    dispute = disputed(images=1)
    evidence = dispute.evidence.get()
    url = f"/escrow/disputes/evidence/{evidence.pk}/"
    for user in (dispute.escrow.payer, dispute.escrow.payee, staff):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert (response["Content-Type"], response["X-Content-Type-Options"]) == ("image/png", "nosniff")
        assert b"".join(response.streaming_content) == evidence.file.open("rb").read()
        assert "no-store" in response["Cache-Control"]
    assert client_for(UserFactory()).get(url).status_code == 404
    assert client_for(UserFactory()).get(f"/escrow/disputes/evidence/{evidence.pk + 1000}/").status_code == 404
    assert Client().get(url).status_code == 302
    assert Client().get(f"/media/dispute-evidence/{dispute.escrow_id}/").status_code == 404  # nothing serves MEDIA_ROOT


# --- API ------------------------------------------------------------------------------------
def test_api_opens_a_dispute_from_multipart_and_ignores_status_amount_and_fee():
    escrow = escrow_row(status="payment_received")
    response = client_for(escrow.payee).post(
        f"/api/v1/escrows/{escrow.pk}/dispute/",
        {
            "reason": "Never arrived.",
            "evidence": [image_upload("p.webp", "WEBP")],
            "status": "released",
            "amount": "1.00",
            "fee_amount": "0.00",
            "released_amount": "150.00",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["escrow"], body["escrow_status"], body["status"], body["reason"], body["opened_by"]) == (
        escrow.pk,
        "disputed",
        "open",
        "Never arrived.",
        escrow.payee.username,
    )
    (image,) = body["evidence"]
    assert image["content_type"] == "image/webp" and image["url"] == f"/escrow/disputes/evidence/{image['id']}/"
    escrow.refresh_from_db()
    assert (escrow.status, escrow.amount, escrow.fee_amount, escrow.total_charged, escrow.released_amount) == (
        "disputed",
        Decimal("150.00"),
        Decimal("4.50"),
        Decimal("154.50"),
        None,
    )


def test_api_dispute_errors_have_the_error_shape(staff):
    escrow = escrow_row(status="payment_received")
    url = f"/api/v1/escrows/{escrow.pk}/dispute/"
    party = client_for(escrow.payer)
    bad = party.post(url, {"reason": "x", "evidence": [image_upload("x.png", content=b"GIF89a nope")]})
    assert bad.status_code == 400
    assert bad.json() == {
        "detail": "x.png: not a JPEG, PNG or WebP image.",
        "code": "invalid_evidence",
        "errors": {"evidence": ["x.png: not a JPEG, PNG or WebP image."]},
    }
    missing = party.post(url, {"evidence": [image_upload()]})
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    assert party.post(url, {"reason": "json"}, content_type="application/json").status_code == 415
    assert client_for(UserFactory()).post(url, {"reason": "outsider"}).status_code == 404
    forbidden = client_for(staff).post(url, {"reason": "staff"})
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "not_allowed"
    assert not Dispute.objects.exists()
    assert party.post(url, {"reason": "first"}).status_code == 201
    again = party.post(url, {"reason": "second"})
    assert again.status_code == 409 and again.json()["code"] == "already_disputed"
    unpaid = escrow_row(status="pending_payment")
    assert client_for(unpaid.payer).post(f"/api/v1/escrows/{unpaid.pk}/dispute/", {"reason": "x"}).status_code == 409


def test_api_messages_are_cursor_paged_oldest_first_and_closed_after_resolution(staff):
    dispute = disputed(images=0)
    url = f"/api/v1/escrows/{dispute.escrow_id}/dispute/messages/"
    payer, outsider = client_for(dispute.escrow.payer), client_for(UserFactory())
    for body in ("one", "two", "three"):
        assert payer.post(url, {"body": body}, content_type="application/json").status_code == 201
    staff_post = client_for(staff).post(url, {"body": "staff here"}, content_type="application/json")
    assert staff_post.status_code == 201 and staff_post.json()["from_staff"] is True
    page = payer.get(url + "?page_size=2").json()
    assert [m["body"] for m in page["results"]] == ["one", "two"] and page["next"] and page["previous"] is None
    rest = payer.get(page["next"]).json()
    assert [m["body"] for m in rest["results"]] == ["three", "staff here"]
    assert rest["results"][0] == {
        "id": rest["results"][0]["id"],
        "author": dispute.escrow.payer.username,
        "from_staff": False,
        "body": "three",
        "created_at": rest["results"][0]["created_at"],
    }
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"body": "hi"}, content_type="application/json").status_code == 404
    wrong_type = payer.post(url, {"body": 5}, content_type="application/json")
    assert wrong_type.status_code == 400 and "body" in wrong_type.json()["errors"]
    Dispute.objects.filter(pk=dispute.pk).update(
        status="resolved", outcome="release", resolution="Done.", resolved_at=dispute.created_at
    )
    closed = payer.post(url, {"body": "late"}, content_type="application/json")
    assert closed.status_code == 409 and closed.json()["code"] == "dispute_resolved"
    assert DisputeMessage.objects.count() == 4


def test_api_messages_of_an_escrow_without_dispute_are_404():
    escrow = escrow_row(status="payment_received")
    assert client_for(escrow.payer).get(f"/api/v1/escrows/{escrow.pk}/dispute/messages/").status_code == 404


# --- admin: queue and confirmation page -----------------------------------------------------
def test_admin_queue_lists_open_disputes_oldest_first(staff):
    first, second, done = disputed(images=0), disputed(images=0), disputed(images=0)
    Dispute.objects.filter(pk=second.pk).update(created_at=first.created_at.replace(year=2020))
    Dispute.objects.filter(pk=done.pk).update(
        status="resolved", outcome="refund", resolution="Refunded.", resolved_at=done.created_at
    )
    page = client_for(staff).get("/admin/escrow/dispute/")
    assert page.status_code == 200
    html = page.content.decode()
    links = [f"/admin/escrow/dispute/{d.pk}/resolve/" for d in (second, first)]
    assert all(link in html for link in links) and html.index(links[0]) < html.index(links[1])
    assert f"/admin/escrow/dispute/{done.pk}/change/" not in html
    everything = client_for(staff).get("/admin/escrow/dispute/?queue=all").content.decode()
    assert f"/admin/escrow/dispute/{done.pk}/change/" in everything


def _form(**overrides):
    return {
        "outcome": "split",
        "released_amount": "100.00",
        "refunded_amount": "50.00",
        "at_fault": "neither",
        "resolution": "Half the cards arrived damaged.",
        **overrides,
    }


def test_admin_confirmation_page_shows_the_amounts_then_splits(emulator, staff):
    escrow = paid_escrow(emulator)
    dispute = disputed(escrow=escrow, images=1)
    client = client_for(staff)
    url = f"/admin/escrow/dispute/{dispute.pk}/resolve/"
    form = client.get(url)
    assert form.status_code == 200 and b"$150.00" in form.content and b'data-testid="resolve-held"' in form.content
    review = client.post(url, _form())
    assert review.status_code == 200
    html = review.content.decode()
    assert 'data-testid="resolve-confirm"' in html
    assert 'data-testid="confirm-released">$100.00' in html and 'data-testid="confirm-refunded">$50.00' in html
    assert 'data-testid="confirm-fee">$4.50' in html
    assert EscrowTransaction.objects.get(pk=escrow.pk).status == "disputed"  # reviewing changes nothing
    done = client.post(url, {**_form(), "confirm": "Confirm"})
    assert done.status_code == 302 and done.url == f"/admin/escrow/dispute/{dispute.pk}/change/"
    escrow.refresh_from_db()
    assert (escrow.status, escrow.released_amount, escrow.refunded_amount) == (
        "released",
        Decimal("100.00"),
        Decimal("50.00"),
    )
    assert EscrowEvent.objects.filter(escrow=escrow, kind="dispute_resolved", actor=staff).count() == 1
    assert client.get(done.url).status_code == 200
    party_page = client_for(escrow.payer).get(f"/escrow/{escrow.pk}/dispute/").content.decode()
    assert 'data-testid="dispute-released">$100.00' in party_page and "Half the cards arrived damaged." in party_page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"refunded_amount": "49.00"}, b"they must add up to the"),
        ({"resolution": ""}, b"This field is required"),
        ({"at_fault": ""}, b"This field is required"),
    ],
    ids=["split-mismatch", "no-resolution", "no-fault-choice"],
)
def test_admin_bad_resolution_shows_a_clear_error_and_changes_nothing(staff, overrides, message):
    dispute = disputed(images=0)
    for step in ({}, {"confirm": "Confirm"}):
        response = client_for(staff).post(
            f"/admin/escrow/dispute/{dispute.pk}/resolve/", {**_form(**overrides), **step}
        )
        assert response.status_code == 422 and message in response.content
    assert Dispute.objects.get(pk=dispute.pk).status == "open"
    assert EscrowTransaction.objects.get(pk=dispute.escrow_id).status == "disputed"


def test_admin_resolution_is_staff_only_and_csrf_checked(staff):
    dispute = disputed(images=0)
    url = f"/admin/escrow/dispute/{dispute.pk}/resolve/"
    for user in (dispute.escrow.payer, UserFactory()):
        response = client_for(user).post(url, {**_form(), "confirm": "Confirm"})
        assert response.status_code == 302 and "/admin/login/" in response.url
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(staff)
    assert csrf_client.post(url, {**_form(), "confirm": "Confirm"}).status_code == 403
    assert Dispute.objects.get(pk=dispute.pk).status == "open"
    assert client_for(staff).get("/admin/escrow/dispute/999999/resolve/").status_code == 404
