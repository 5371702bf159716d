"""A list changed: figures cached for it (its totals) are recomputed on their next read.

Every write to list rows calls `list_changed_on_commit` (items.py, reservations.py, the admin;
bulk writes through `list_items_upsert`). The list's version moves at once and again after
commit: a reader that computed the totals from the rows before the change committed stores them
under a version nobody asks for again (lists.selectors.list_totals; docs/decisions/0036).
"""

import uuid

from django.core.cache import cache
from django.db import transaction

from lists.selectors import list_version_key


def list_changed_on_commit(*, owner_id: int, kind: str) -> None:
    key = list_version_key(owner_id=owner_id, kind=kind)

    def bump() -> None:
        cache.set(key, uuid.uuid4().hex, None)

    bump()
    transaction.on_commit(bump)
