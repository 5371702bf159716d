"""reputation_update_many stores the same numbers as reputation_update, for many users at once."""

from decimal import Decimal

import pytest

from accounts.models import UserReputation
from accounts.services import reputation_update, reputation_update_many
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_many_matches_one_by_one_and_creates_missing_rows():
    one, many, bare = UserFactory(), UserFactory(), UserFactory(reputation=None)
    UserReputation.objects.filter(user=bare).delete()
    stats = {
        "completed_trades": 12,
        "signals_followed": 8,
        "signals_profitable": 6,
        "author_hits": 3,
        "signals_authored_evaluated": 4,
    }
    reputation_update(user=one, **stats)
    seen = []

    def stats_for(user_ids):
        seen.append(list(user_ids))
        return {user_id: dict(stats) for user_id in user_ids}

    assert reputation_update_many(user_ids=[bare.pk, many.pk, many.pk], stats_for=stats_for) == 2
    assert seen == [sorted([bare.pk, many.pk])]
    fields = (
        "completed_trades",
        "signals_followed",
        "signals_profitable",
        "signal_accuracy_pct",
        "author_accuracy_pct",
        "reputation_score",
        "reputation_tier",
    )
    expected = UserReputation.objects.values(*fields).get(user=one)
    assert expected["reputation_score"] == Decimal("195.00")  # 110 trade points + 10 email + 6/8 x 100 follow points
    assert UserReputation.objects.values(*fields).get(user=many) == expected
    assert UserReputation.objects.get(user=bare).reputation_score == Decimal("195.00")


def test_many_refuses_unknown_fields():
    user = UserFactory()
    with pytest.raises(TypeError):
        reputation_update_many(user_ids=[user.pk], stats_for=lambda ids: {user.pk: {"karma": 1}})
