"""The escrow action API: ship, confirm-receipt, cancel — exact shapes, errors, access."""

import pytest

from accounts.tests.factories import UserFactory
from escrow.enums import EscrowStatus
from escrow.models import EscrowTransaction

from .factories import paid_escrow, stripe_objects

pytestmark = pytest.mark.django_db


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_ship_confirm_release_through_the_api(client, emulator):
    escrow = paid_escrow(emulator)
    client.force_login(escrow.payer)
    shipped = _post(client, f"/api/v1/escrows/{escrow.pk}/ship/", {"carrier": "UPS", "tracking_number": "1Z999AA1"})
    assert shipped.status_code == 200
    body = shipped.json()
    assert body["status"] == "payment_received"
    mine = next(row for row in body["shipments"] if row["sender"] == escrow.payer.username)
    assert mine["carrier"] == "UPS" and mine["tracking_number"] == "1Z999AA1" and mine["received_at"] is None
    assert mine["inspection_ends_at"]
    client.force_login(escrow.payee)
    assert (
        _post(client, f"/api/v1/escrows/{escrow.pk}/ship/", {"carrier": "DHL", "tracking_number": "JD0142"}).json()[
            "status"
        ]
        == "items_shipped"
    )
    assert _post(client, f"/api/v1/escrows/{escrow.pk}/confirm-receipt/").json()["status"] == "items_shipped"
    client.force_login(escrow.payer)
    done = _post(client, f"/api/v1/escrows/{escrow.pk}/confirm-receipt/")
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "released" and body["released_amount"] == "150.00" and body["refunded_amount"] == "0.00"


def test_ship_validation_and_conflicts(client, emulator):
    escrow = paid_escrow(emulator, sides="b")
    client.force_login(escrow.payee)
    missing = _post(client, f"/api/v1/escrows/{escrow.pk}/ship/", {"carrier": "UPS"})
    assert missing.status_code == 400 and "tracking_number" in missing.json()["errors"]
    wrong_type = _post(client, f"/api/v1/escrows/{escrow.pk}/ship/", {"carrier": "UPS", "tracking_number": 12345})
    assert wrong_type.status_code == 400
    bad = _post(client, f"/api/v1/escrows/{escrow.pk}/ship/", {"carrier": "UPS", "tracking_number": "<x>"})
    assert bad.status_code == 400 and bad.json()["errors"] == {"tracking_number": [bad.json()["detail"]]}
    client.force_login(escrow.payer)
    nothing = _post(client, f"/api/v1/escrows/{escrow.pk}/ship/", {"carrier": "UPS", "tracking_number": "1Z999"})
    assert nothing.status_code == 409 and nothing.json()["code"] == "nothing_to_ship"
    early = _post(client, f"/api/v1/escrows/{escrow.pk}/confirm-receipt/")
    assert early.status_code == 409 and early.json()["code"] == "not_shipped"


def test_status_amounts_and_fee_cannot_be_set_through_input(client, emulator):
    escrow = paid_escrow(emulator)
    client.force_login(escrow.payer)
    crafted = {
        "carrier": "UPS",
        "tracking_number": "1Z999AA1",
        "status": "released",
        "amount": "1.00",
        "fee": "0.00",
        "released_amount": "150.00",
        "refunded_amount": "0.00",
    }
    assert _post(client, f"/api/v1/escrows/{escrow.pk}/ship/", crafted).status_code == 200
    assert _post(client, f"/api/v1/escrows/{escrow.pk}/cancel/", {"status": "refunded"}).status_code == 409
    for method in ("put", "patch"):
        response = getattr(client, method)(
            f"/api/v1/escrows/{escrow.pk}/", {"status": "released", "amount": "1.00"}, content_type="application/json"
        )
        assert response.status_code == 405
    escrow.refresh_from_db()
    assert escrow.status == EscrowStatus.PAYMENT_RECEIVED
    assert (escrow.amount, escrow.fee_amount, escrow.released_amount) == (150, escrow.fee_amount, None)
    assert str(escrow.fee_amount) == "4.50"
    assert stripe_objects(emulator, "transfer", transfer_group=escrow.transfer_group) == []


def test_mutual_cancel_is_202_then_a_refund(client, emulator):
    escrow = paid_escrow(emulator)
    client.force_login(escrow.payee)
    first = _post(client, f"/api/v1/escrows/{escrow.pk}/cancel/", {"reason": "changed our minds"})
    assert first.status_code == 202 and first.json() == {"cancel_requested_by": escrow.payee.username}
    again = _post(client, f"/api/v1/escrows/{escrow.pk}/cancel/")
    assert again.status_code == 202
    client.force_login(escrow.payer)
    second = _post(client, f"/api/v1/escrows/{escrow.pk}/cancel/")
    assert second.status_code == 200
    assert second.json()["status"] == "refunded" and second.json()["refunded_amount"] == "150.00"
    assert [
        r["amount"] for r in stripe_objects(emulator, "refund", payment_intent=escrow.stripe_payment_intent_id)
    ] == [15450]


def test_outsiders_get_404_on_every_action(client, emulator):
    escrow = paid_escrow(emulator)
    client.force_login(UserFactory())
    for action in ("ship", "confirm-receipt", "cancel"):
        response = _post(client, f"/api/v1/escrows/{escrow.pk}/{action}/", {"carrier": "UPS", "tracking_number": "1Z9"})
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert EscrowTransaction.objects.get(pk=escrow.pk).cancel_requested_by is None


def test_staff_reach_any_escrow(client, emulator):
    escrow = paid_escrow(emulator)
    client.force_login(UserFactory(is_staff=True))
    assert client.get(f"/api/v1/escrows/{escrow.pk}/").status_code == 200
