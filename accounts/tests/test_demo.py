import io

import pytest
from allauth.account.models import EmailAddress

from accounts import demo
from accounts.models import User

pytestmark = pytest.mark.django_db


def test_seed_creates_demo_accounts_and_is_idempotent():
    out = io.StringIO()
    demo.seed(out)
    trader = User.objects.get(email="trader@bazaar.test")
    assert trader.username == "demo_trader"
    assert trader.check_password("bazaar-demo-123")
    assert (trader.postal_code, str(trader.latitude), str(trader.longitude)) == ("98101", "47.611400", "-122.330500")
    assert EmailAddress.objects.get(user=trader).verified is True
    assert str(trader.reputation.reputation_score) == "10.00"
    staff = User.objects.get(email="staff@bazaar.test")
    assert staff.is_staff and staff.is_superuser
    assert EmailAddress.objects.get(user=staff).verified is True
    assert "trader@bazaar.test / bazaar-demo-123" in out.getvalue()
    assert "/accounts/2fa/" in out.getvalue()

    before = list(User.objects.order_by("pk").values())
    demo.seed(io.StringIO())
    assert list(User.objects.order_by("pk").values()) == before
    assert User.objects.count() == 3
