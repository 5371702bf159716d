"""Array literals round-trip through PostgreSQL unchanged, whatever the text holds."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection

from core.sqlarrays import ids_in, pg_array

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("values", "cast"),
    [
        ([1, -2, 0, None, 10**12], "bigint[]"),
        ([Decimal("1.50"), Decimal("-0.01"), None, Decimal("1E+1")], "numeric[]"),
        ([True, False, None], "boolean[]"),
        (["gold", 'a "quoted" word', "back\\slash", "comma, {brace}", "NULL", "", None, "ünï"], "text[]"),
        ([], "text[]"),
        ([datetime(2026, 12, 1, 23, 5, 7, 123456, tzinfo=UTC), None], "timestamptz[]"),
        ([date(2026, 2, 28)], "date[]"),
    ],
)
def test_round_trip(values, cast):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s::{cast}", [pg_array(values)])
        assert cursor.fetchone()[0] == values


def test_ids_in_filters_like_a_list():
    from accounts.models import User
    from accounts.tests.factories import UserFactory

    users = [UserFactory() for _ in range(3)]
    wanted = [users[0].pk, users[2].pk, 10**9]
    assert sorted(User.objects.filter(pk__in=ids_in(wanted)).values_list("pk", flat=True)) == wanted[:2]
    assert not User.objects.filter(pk__in=ids_in([])).exists()


def test_refuses_what_it_cannot_write():
    with pytest.raises(TypeError):
        pg_array([1.5])
    with pytest.raises(ValueError):
        pg_array([Decimal("NaN")])
