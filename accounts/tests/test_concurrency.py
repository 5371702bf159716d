"""reputation_update locks the row: concurrent callers never lose each other's stats."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection, transaction

from accounts.models import UserReputation
from accounts.services import reputation_update
from accounts.tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_from_trades_and_reviews_both_land():
    user = UserFactory()
    blocked = threading.Event()
    errors = []

    def review_event():
        try:
            blocked.set()
            reputation_update(user=user, review_count=4, review_average=Decimal("4.50"))
        except Exception as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    with transaction.atomic():
        # The trades side holds the lock while the review side arrives.
        reputation_update(user=user, completed_trades=10)
        worker = threading.Thread(target=review_event)
        worker.start()
        blocked.wait(timeout=10)
        worker.join(timeout=0.5)  # it must still be waiting for our lock
        assert worker.is_alive()
    worker.join(timeout=30)

    assert errors == []
    stored = UserReputation.objects.get(user=user)
    assert (stored.completed_trades, stored.review_count, stored.review_average) == (10, 4, Decimal("4.50"))
    assert stored.reputation_score == Decimal("190.00")  # 100 + 80 + 10
