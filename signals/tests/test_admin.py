"""Staff hide a signal in admin with a reason; it vanishes for others and stays in the creator's record."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.tests.factories import UserFactory
from signals.models import Recommendation, SignalEvent

from .factories import RecommendationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    return client, staff


def test_hide_action_asks_for_a_reason_then_hides(staff_client):
    client, staff = staff_client
    signal = RecommendationFactory()
    assert client.get("/admin/signals/recommendation/").status_code == 200
    assert client.get(f"/admin/signals/recommendation/{signal.pk}/change/").status_code == 200
    asked = client.post("/admin/signals/recommendation/", {"action": "hide_signals", "_selected_action": [signal.pk]})
    assert asked.status_code == 200 and b"Reason (shown to the creator)" in asked.content
    signal.refresh_from_db()
    assert signal.is_hidden is False
    empty = client.post(
        "/admin/signals/recommendation/",
        {"action": "hide_signals", "_selected_action": [signal.pk], "apply": "1", "reason": ""},
    )
    assert empty.status_code == 200
    signal.refresh_from_db()
    assert signal.is_hidden is False
    done = client.post(
        "/admin/signals/recommendation/",
        {"action": "hide_signals", "_selected_action": [signal.pk], "apply": "1", "reason": "Misleading pump."},
    )
    assert done.status_code == 302
    signal.refresh_from_db()
    assert (signal.is_hidden, signal.hidden_reason) == (True, "Misleading pump.")
    assert SignalEvent.objects.get(signal=signal, kind="hidden").actor == staff
    client.post("/admin/signals/recommendation/", {"action": "unhide_signals", "_selected_action": [signal.pk]})
    assert Recommendation.objects.get(pk=signal.pk).is_hidden is False


def test_admin_cannot_add_or_delete_signals(staff_client):
    client, _ = staff_client
    signal = RecommendationFactory()
    assert client.get("/admin/signals/recommendation/add/").status_code == 403
    assert client.post(f"/admin/signals/recommendation/{signal.pk}/delete/").status_code == 403
