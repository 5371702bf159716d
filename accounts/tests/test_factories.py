import pytest

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_factory_password_is_hashed_whether_default_or_given():
    assert UserFactory().check_password("correct-horse-battery-staple")
    custom = UserFactory(password="another-long-secret")
    assert custom.check_password("another-long-secret")
    assert custom.password != "another-long-secret"
