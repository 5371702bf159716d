"""Celery tasks for lists: ids in, one service call each; every service is idempotent."""

from celery import shared_task

# A 50,000-row file parses and commits in well under a minute; the limits stop a runaway.
TIME_LIMITS = {"soft_time_limit": 10 * 60, "time_limit": 11 * 60}


@shared_task(name="lists.parse_list_import", acks_late=True, **TIME_LIMITS)
def parse_list_import(list_import_id: int) -> None:
    from lists.services.imports import list_import_parse

    list_import_parse(list_import_id=list_import_id)


@shared_task(name="lists.commit_list_import", acks_late=True, **TIME_LIMITS)
def commit_list_import(list_import_id: int) -> None:
    from lists.services.imports import list_import_commit

    list_import_commit(list_import_id=list_import_id)


@shared_task(name="lists.purge_stale_list_imports", time_limit=10 * 60, soft_time_limit=9 * 60)
def purge_stale_list_imports() -> int:
    from lists.services.imports import list_imports_purge_stale

    return list_imports_purge_stale()
