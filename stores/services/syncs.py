"""Inventory syncs: start a run (upload, API or scheduled URL), execute it, sync settings.

Runs never overlap for one store: a partial unique index admits one queued-or-running run per
store, so a second start is refused by the database itself (409 with the running run's id).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.errors import DomainError
from stores.enums import ACTIVE_RUN_STATUSES, SyncMode, SyncProvider, SyncRunStatus, SyncSource
from stores.models import InventorySyncRun, LGSProfile
from stores.sync.engine import plan_sync, write_plan
from stores.sync.fetch import FetchRefused, fetch_to_file
from stores.sync.formats import FeedStructureError, validate_mapping

logger = logging.getLogger(__name__)

MIN_INTERVAL_MINUTES = 15
MAX_INTERVAL_MINUTES = 7 * 24 * 60
FAILED_MESSAGE = (
    "The sync stopped unexpectedly; nothing was changed. Try again, or contact support if it keeps failing."
)


class SyncAlreadyRunning(DomainError):
    status_code = 409
    code = "sync_running"

    def __init__(self, run: InventorySyncRun):
        super().__init__(f"Sync {run.pk} is still {run.status}; wait for it to finish.")
        self.run_id = run.pk


def _check_provider(store: LGSProfile, provider: str, mode: str) -> None:
    if provider not in SyncProvider.values:
        raise DomainError(f"Choose a provider: {', '.join(SyncProvider.values)}.", field="provider")
    if mode not in SyncMode.values:
        raise DomainError("Mode is full or delta.", field="mode")
    if provider == SyncProvider.CSV and not store.inventory_sync_config.get("csv_mapping"):
        raise DomainError(
            "Save a column mapping for your CSV first (Sync settings → column mapping).",
            field="provider",
            code="no_mapping",
        )


def sync_run_start(
    *,
    store: LGSProfile,
    acting_user: User | None,
    provider: str,
    mode: str,
    source: str,
    uploaded_file: UploadedFile | None = None,
) -> InventorySyncRun:
    """Record a queued run and start it after commit. 409 while another run of the store is active."""
    _check_provider(store, provider, mode)
    if source in (SyncSource.UPLOAD, SyncSource.API):
        if uploaded_file is None:
            raise DomainError("Choose the file to upload.", field="file")
        if uploaded_file.size and uploaded_file.size > settings.STORE_SYNC_MAX_BYTES:
            raise DomainError(
                f"The file is larger than {settings.STORE_SYNC_MAX_BYTES // (1024 * 1024)} MB.", field="file"
            )
    elif source == SyncSource.URL:
        if not store.sync_url:
            raise DomainError("Set the feed URL first.", field="sync_url")
    else:
        raise DomainError("Unknown source.", field="source")
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = InventorySyncRun.objects.create(
                    store=store,
                    requested_by=acting_user,
                    provider=provider,
                    mode=mode,
                    source=source,
                    original_filename=(uploaded_file.name or "upload.csv")[:255] if uploaded_file else "",
                    status=SyncRunStatus.QUEUED,
                )
        except IntegrityError:
            active = InventorySyncRun.objects.filter(store=store, status__in=ACTIVE_RUN_STATUSES).first()
            if active is None:  # it finished between our insert and this read: the caller may retry
                raise DomainError("Another sync just finished; start yours again.", code="retry") from None
            raise SyncAlreadyRunning(active) from None
        if uploaded_file is not None:
            uploaded_file.seek(0)
            run.source_file.save(f"{run.pk}.csv", uploaded_file, save=False)  # streamed in chunks to storage
            run.bytes_total = run.source_file.size
            run.save(update_fields=["source_file", "bytes_total", "updated_at"])
        LGSProfile.objects.filter(pk=store.pk).update(sync_status=SyncRunStatus.QUEUED)
        from stores.tasks import run_inventory_sync

        transaction.on_commit(lambda: run_inventory_sync.delay(run.pk))
    return run


def _finish_failed(run_id: int, message: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        InventorySyncRun.objects.filter(pk=run_id, status=SyncRunStatus.RUNNING).update(
            status=SyncRunStatus.FAILED, failure_message=message, finished_at=now, updated_at=now
        )
        store_id = InventorySyncRun.objects.values_list("store_id", flat=True).get(pk=run_id)
        LGSProfile.objects.filter(pk=store_id).update(sync_status=SyncRunStatus.FAILED, updated_at=now)


def sync_run_execute(*, run_id: int) -> InventorySyncRun | None:
    """Claim a queued run and carry it out. A redelivered task finds it claimed and returns."""
    now = timezone.now()
    if not InventorySyncRun.objects.filter(pk=run_id, status=SyncRunStatus.QUEUED).update(
        status=SyncRunStatus.RUNNING, started_at=now, updated_at=now
    ):
        return None
    run = InventorySyncRun.objects.select_related("store").get(pk=run_id)
    LGSProfile.objects.filter(pk=run.store_id).update(sync_status=SyncRunStatus.RUNNING)
    started = time.monotonic()
    raw = None
    try:
        if run.source == SyncSource.URL:
            raw = fetch_to_file(run.store.sync_url, auth_header=run.store.sync_auth_header)
            raw.seek(0, 2)
            run.bytes_total = raw.tell()
            raw.seek(0)
            InventorySyncRun.objects.filter(pk=run.pk).update(bytes_total=run.bytes_total)
        else:
            raw = run.source_file.open("rb")
        plan = plan_sync(run, raw, mapping=run.store.inventory_sync_config.get("csv_mapping"))
        write_plan(run=run, plan=plan, started=started)
    except (FeedStructureError, FetchRefused) as error:
        _finish_failed(run.pk, str(error))
    except Exception:
        logger.exception("inventory sync %s failed", run.pk)
        _finish_failed(run.pk, FAILED_MESSAGE)
    finally:
        if raw is not None:
            raw.close()
        if run.source_file:
            run.source_file.delete(save=False)
            InventorySyncRun.objects.filter(pk=run.pk).update(source_file="")
    run.refresh_from_db()
    if run.status == SyncRunStatus.SUCCEEDED and run.store.auto_price_adjustment:
        from .pricing import store_prices_reprice

        store_prices_reprice(store_id=run.store_id)
    return run


@transaction.atomic
def sync_settings_update(
    *,
    store: LGSProfile,
    acting_user: User,
    provider: str,
    mode: str,
    sync_url: str,
    sync_auth_header: str | None,
    sync_interval_minutes: int | None,
) -> LGSProfile:
    """`sync_auth_header` None keeps the saved header, "" clears it; it is never read back out."""
    store = LGSProfile.objects.select_for_update().get(pk=store.pk)
    if provider and provider not in SyncProvider.values:
        raise DomainError("Choose a provider.", field="provider")
    if mode not in SyncMode.values:
        raise DomainError("Mode is full or delta.", field="mode")
    sync_url = (sync_url or "").strip()
    if sync_url:
        parts = urlsplit(sync_url)
        if parts.scheme != "https" or not parts.hostname:
            raise DomainError("The feed URL must start with https://.", field="sync_url")
        if parts.username or parts.password:
            raise DomainError("Put credentials in the auth header, not in the URL.", field="sync_url")
    if sync_interval_minutes is not None and not MIN_INTERVAL_MINUTES <= sync_interval_minutes <= MAX_INTERVAL_MINUTES:
        raise DomainError(
            f"Sync every {MIN_INTERVAL_MINUTES} minutes to 7 days ({MAX_INTERVAL_MINUTES} minutes).",
            field="sync_interval_minutes",
        )
    if sync_interval_minutes and not sync_url:
        raise DomainError("A schedule needs a feed URL.", field="sync_url")
    if sync_interval_minutes and not provider:
        raise DomainError("A schedule needs a provider.", field="provider")
    if sync_auth_header is not None:
        sync_auth_header = sync_auth_header.strip()
        if sync_auth_header and (":" not in sync_auth_header or "\n" in sync_auth_header or "\r" in sync_auth_header):
            raise DomainError(
                "Write the header as Name: value, e.g. Authorization: Bearer abc.", field="sync_auth_header"
            )
        store.sync_auth_header = sync_auth_header
    if provider == SyncProvider.CSV and not store.inventory_sync_config.get("csv_mapping") and sync_interval_minutes:
        raise DomainError("Save a column mapping before scheduling a CSV feed.", field="provider", code="no_mapping")
    schedule_changed = (sync_url, sync_interval_minutes) != (store.sync_url, store.sync_interval_minutes)
    store.inventory_sync_provider = provider
    store.sync_mode = mode
    store.sync_url = sync_url
    store.sync_interval_minutes = sync_interval_minutes
    if not (sync_url and sync_interval_minutes):
        store.next_sync_at = None
    elif schedule_changed or store.next_sync_at is None:
        store.next_sync_at = timezone.now()  # first fetch at the next beat tick
    store.save(
        update_fields=[
            "inventory_sync_provider",
            "sync_mode",
            "sync_url",
            "sync_auth_header",
            "sync_interval_minutes",
            "next_sync_at",
            "updated_at",
        ]
    )
    return store


@transaction.atomic
def sync_mapping_save(*, store: LGSProfile, acting_user: User, mapping: dict[str, str]) -> LGSProfile:
    try:
        mapping = validate_mapping(mapping)
    except FeedStructureError as error:
        raise DomainError(str(error), field="mapping") from None
    store = LGSProfile.objects.select_for_update().get(pk=store.pk)
    store.inventory_sync_config = {**store.inventory_sync_config, "csv_mapping": mapping}
    store.save(update_fields=["inventory_sync_config", "updated_at"])
    return store


# A run still "running" after the task's hard time limit (plus a margin) died with its worker;
# a "queued" one this old lost its message. Either would block the store's syncs (409) forever.
STALE_RUNNING = timedelta(minutes=35)
STALE_QUEUED = timedelta(hours=2)
STALE_MESSAGE = "The sync stopped without finishing (its worker was lost); nothing was changed. Start it again."


def sync_runs_fail_stale(*, now: datetime | None = None) -> int:
    """Fail runs that can no longer finish, so the next sync of their store may start.

    Safe: pass 2 writes in one transaction, so a run that died changed nothing.
    """
    now = now or timezone.now()
    stale = InventorySyncRun.objects.filter(status=SyncRunStatus.RUNNING, started_at__lt=now - STALE_RUNNING) | (
        InventorySyncRun.objects.filter(status=SyncRunStatus.QUEUED, created_at__lt=now - STALE_QUEUED)
    )
    store_ids = list(stale.values_list("store_id", flat=True))
    failed = stale.update(status=SyncRunStatus.FAILED, failure_message=STALE_MESSAGE, finished_at=now, updated_at=now)
    if failed:
        LGSProfile.objects.filter(pk__in=store_ids).update(sync_status=SyncRunStatus.FAILED)
    return failed


def sync_due_claim(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    """The beat job: claim each store whose next sync is due and queue its URL run.

    Claiming moves `next_sync_at` forward with a compare-and-set update, so two beat ticks
    (or two beats by mistake) never queue the same store twice.
    """
    now = now or timezone.now()
    due = list(
        LGSProfile.objects.filter(next_sync_at__lte=now, sync_interval_minutes__isnull=False)
        .exclude(sync_url="")
        .order_by("next_sync_at")
        .values_list("pk", "next_sync_at", "sync_interval_minutes")[:limit]
    )
    run_ids = []
    for store_id, next_at, interval in due:
        claimed = LGSProfile.objects.filter(pk=store_id, next_sync_at=next_at).update(
            next_sync_at=now + timedelta(minutes=interval)
        )
        if not claimed:
            continue
        store = LGSProfile.objects.get(pk=store_id)
        try:
            run = sync_run_start(
                store=store,
                acting_user=None,
                provider=store.inventory_sync_provider,
                mode=store.sync_mode,
                source=SyncSource.URL,
            )
        except DomainError as error:
            logger.info("scheduled sync of store %s not started: %s", store_id, error.message)
            continue
        run_ids.append(run.pk)
    return run_ids
