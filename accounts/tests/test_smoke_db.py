import pytest

from accounts.models import UserReputation
from accounts.tests.factories import UserFactory


@pytest.mark.django_db
def test_user_factory_gives_reputation_row():
    user = UserFactory()
    assert UserReputation.objects.get(user=user).reputation_tier == "new"
