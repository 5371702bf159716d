"""Upload caps on list imports (20 MB → 413, 200,000 rows → 400, 10 unfinished imports → 409),
the owner-only download of a kept upload, and the beat job that removes stale uploads."""

import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from core.errors import LimitReached, PayloadTooLarge
from lists.enums import ImportStatus
from lists.models import ListImport, ListImportRow
from lists.services.imports import (
    EXPIRED_MESSAGE,
    KEPT_STATUSES,
    TooManyRows,
    list_import_parse,
    list_import_start,
    list_imports_purge_stale,
)
from lists.tasks import purge_stale_list_imports

from .factories import make_catalog

FIXTURES = Path(__file__).parent / "fixtures"
MOXFIELD_HEADER = "Count,Tradelist Count,Name,Edition,Condition,Language,Foil,Collector Number\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _csv(rows: int, row: str = "1,0,Sol Ring,cmm,NM,English,,410\n") -> bytes:
    return (MOXFIELD_HEADER + row * rows).encode()


def _stored_files(root) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()]


def _upload(client, data: bytes, name: str = "list.csv"):
    return client.post(reverse("lists:list_import_upload"), {"kind": "have", "file": SimpleUploadedFile(name, data)})


@pytest.fixture
def owner(client):
    user = UserFactory()
    client.force_login(user)
    return user


# --- size: 413 --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_file_over_20_mb_is_refused_with_413(client, owner, settings):
    data = MOXFIELD_HEADER.encode() + b"x" * (20 * 1024 * 1024)

    response = _upload(client, data)

    assert response.status_code == 413
    assert "The file is larger than 20 MB." in response.content.decode()
    assert ListImport.objects.count() == 0
    assert _stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.django_db
def test_a_declared_body_over_the_cap_is_refused_without_reading_it(client, owner, settings):
    # The body is tiny but claims a gigabyte: reading it would block or fail; the view must not try.
    response = client.post(
        reverse("lists:list_import_upload"),
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH="1073741824",
    )
    assert response.status_code == 413
    assert "The file is larger than 20 MB." in response.content.decode()
    assert ListImport.objects.count() == 0


@pytest.mark.django_db
def test_the_service_refuses_a_file_over_the_size_cap(owner, settings):
    settings.LIST_IMPORT_MAX_BYTES = 1000
    with pytest.raises(PayloadTooLarge) as refused:
        list_import_start(owner=owner, kind="have", uploaded_file=SimpleUploadedFile("x.csv", _csv(100)))
    assert refused.value.status_code == 413
    assert ListImport.objects.count() == 0
    assert _stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.django_db
def test_a_file_just_over_the_cap_but_under_the_body_margin_gets_413_from_the_service(client, owner, settings):
    settings.LIST_IMPORT_MAX_BYTES = 2000
    response = _upload(client, _csv(100))  # ~3.3 kB: over the cap, within the multipart margin
    assert response.status_code == 413
    assert ListImport.objects.count() == 0
    assert _stored_files(settings.MEDIA_ROOT) == []


# --- rows: 400 --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_million_row_file_is_refused_with_400_and_nothing_is_stored(client, owner, settings):
    data = _csv(1_000_000, row="1,0,Bolt,,,,,\n")
    assert len(data) < settings.LIST_IMPORT_MAX_BYTES  # it is the row count, not the size, that refuses it

    response = _upload(client, data)

    assert response.status_code == 400
    assert "The file has more than 200,000 rows" in response.content.decode()
    assert ListImport.objects.count() == 0
    assert _stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.django_db
def test_the_row_cap_is_inclusive(owner, settings, django_capture_on_commit_callbacks):
    make_catalog()
    settings.LIST_IMPORT_MAX_ROWS = 3
    with django_capture_on_commit_callbacks(execute=True):
        accepted = list_import_start(owner=owner, kind="have", uploaded_file=SimpleUploadedFile("x.csv", _csv(3)))
    accepted.refresh_from_db()
    assert (accepted.status, accepted.total_rows) == (ImportStatus.READY, 3)
    with pytest.raises(TooManyRows) as refused:
        list_import_start(owner=owner, kind="have", uploaded_file=SimpleUploadedFile("y.csv", _csv(4)))
    assert refused.value.status_code == 400
    assert ListImport.objects.count() == 1


@pytest.mark.django_db
def test_the_parse_loop_stops_at_the_row_cap(owner, settings, django_capture_on_commit_callbacks):
    # Given a stored import bigger than the cap (e.g. the cap was lowered after the upload)
    with django_capture_on_commit_callbacks(execute=False):
        list_import = list_import_start(owner=owner, kind="have", uploaded_file=SimpleUploadedFile("x.csv", _csv(5)))
    settings.LIST_IMPORT_MAX_ROWS = 2
    # When the task parses it
    list_import_parse(list_import_id=list_import.pk)
    # Then it fails with the reason and keeps no preview
    list_import.refresh_from_db()
    assert list_import.status == ImportStatus.FAILED
    assert list_import.error_message == "The file has more than 2 rows; split it into smaller files."
    assert not list_import.rows.exists()


# --- unfinished imports: 409 -------------------------------------------------------------------------------


def _imports(owner, statuses):
    for index, status in enumerate(statuses):
        ListImport.objects.create(
            owner=owner, kind="have", file=f"list-imports/x{index}.csv", original_filename="x.csv", status=status
        )


@pytest.mark.django_db
def test_the_eleventh_unfinished_import_is_refused_with_409(client, owner, settings):
    kept = [KEPT_STATUSES[index % len(KEPT_STATUSES)] for index in range(10)]
    _imports(owner, [*kept, ImportStatus.COMMITTED, ImportStatus.DISCARDED])  # finished ones do not count
    _imports(UserFactory(), [ImportStatus.READY] * 10)  # nor do other traders'

    response = _upload(client, (FIXTURES / "deckbox_haves.csv").read_bytes())

    assert response.status_code == 409
    assert "You already have 10 imports waiting" in response.content.decode()
    assert ListImport.objects.filter(owner=owner).count() == 12
    assert _stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.django_db
def test_discarding_one_makes_room_again(owner, settings, django_capture_on_commit_callbacks):
    _imports(owner, [ImportStatus.READY] * 10)
    upload = SimpleUploadedFile("x.csv", (FIXTURES / "deckbox_haves.csv").read_bytes())
    with pytest.raises(LimitReached) as refused:
        list_import_start(owner=owner, kind="have", uploaded_file=upload)
    assert refused.value.status_code == 409
    ListImport.objects.filter(owner=owner).first().delete()  # stands in for a discard
    with django_capture_on_commit_callbacks(execute=True):
        list_import_start(owner=owner, kind="have", uploaded_file=upload)
    assert ListImport.objects.filter(owner=owner, status__in=KEPT_STATUSES).count() == 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_cannot_pass_the_cap_together(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LIST_IMPORTS_KEPT_MAX = 2
    owner = UserFactory()
    data = (FIXTURES / "deckbox_haves.csv").read_bytes()
    barrier = threading.Barrier(5)
    outcomes = []

    def upload():
        try:
            barrier.wait()
            list_import_start(owner=owner, kind="have", uploaded_file=SimpleUploadedFile("x.csv", data))
            outcomes.append("stored")
        except LimitReached:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=upload) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["refused", "refused", "refused", "stored", "stored"]
    assert ListImport.objects.filter(owner=owner).count() == 2


# --- the kept file: owner only -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_owner_downloads_the_uploaded_file_as_an_attachment(client, owner, django_capture_on_commit_callbacks):
    data = (FIXTURES / "deckbox_haves.csv").read_bytes()
    with django_capture_on_commit_callbacks(execute=False):
        list_import = list_import_start(owner=owner, kind="have", uploaded_file=SimpleUploadedFile("mine.csv", data))

    response = client.get(reverse("lists:list_import_file", args=[list_import.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Disposition"] == 'attachment; filename="mine.csv"'
    assert response["Content-Type"] == "text/csv"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_another_traders_upload_is_404(client, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        theirs = list_import_start(
            owner=UserFactory(),
            kind="have",
            uploaded_file=SimpleUploadedFile("theirs.csv", (FIXTURES / "deckbox_haves.csv").read_bytes()),
        )
    assert client.get(reverse("lists:list_import_file", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("lists:list_import_file", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_anonymous_is_sent_to_log_in_for_an_upload(client):
    response = client.get(reverse("lists:list_import_file", args=[1]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_a_committed_import_has_no_file_to_download(client, owner, django_capture_on_commit_callbacks):
    ListImport.objects.create(owner=owner, kind="have", file="", original_filename="x.csv", status="committed")
    list_import = ListImport.objects.get(owner=owner)
    assert client.get(reverse("lists:list_import_file", args=[list_import.pk])).status_code == 404


# --- the beat job --------------------------------------------------------------------------------------------


def _stored_import(owner, status, *, age: timedelta, name: str) -> ListImport:
    path = default_storage.save(f"list-imports/2026/01/{name}", SimpleUploadedFile(name, b"Count,Name\n1,Bolt\n"))
    list_import = ListImport.objects.create(
        owner=owner,
        kind="have",
        file=path,
        original_filename=name,
        status=status,
    )
    if status == ImportStatus.READY:
        ListImportRow.objects.create(
            list_import=list_import, row=2, outcome="matched", card=CardFactory(), quantity=1, condition="NM"
        )
    ListImport.objects.filter(pk=list_import.pk).update(created_at=timezone.now() - age)
    return list_import


@pytest.mark.django_db
def test_the_beat_job_discards_day_old_unfinished_imports_and_deletes_old_uploads(settings):
    owner = UserFactory()
    day_old = timedelta(hours=settings.LIST_IMPORT_RETENTION_HOURS, minutes=5)
    stale_preview = _stored_import(owner, ImportStatus.READY, age=day_old, name="stale.csv")
    stale_failed = _stored_import(owner, ImportStatus.FAILED, age=day_old, name="failed.csv")
    stale_committing = _stored_import(owner, ImportStatus.COMMITTING, age=day_old, name="committing.csv")
    fresh = _stored_import(owner, ImportStatus.READY, age=timedelta(hours=2), name="fresh.csv")
    done = ListImport.objects.create(owner=owner, kind="have", original_filename="d.csv", status="committed")
    ListImport.objects.filter(pk=done.pk).update(created_at=timezone.now() - day_old)
    # An upload no row points to any more (its account was deleted), two days old, and a new one.
    orphan = default_storage.save("list-imports/2025/12/orphan.csv", SimpleUploadedFile("o.csv", b"x"))
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(default_storage.path(orphan), (two_days_ago, two_days_ago))
    new_orphan = default_storage.save("list-imports/2026/01/new-orphan.csv", SimpleUploadedFile("n.csv", b"x"))
    old_paths = [stale_preview.file.path, stale_failed.file.path, stale_committing.file.path]
    for path in old_paths:
        os.utime(path, (two_days_ago, two_days_ago))

    purged = purge_stale_list_imports()

    assert purged == 3
    for list_import in (stale_preview, stale_failed):
        list_import.refresh_from_db()
        assert (list_import.status, list_import.file.name, list_import.rows.count()) == ("discarded", "", 0)
        assert list_import.error_message == EXPIRED_MESSAGE
    stale_committing.refresh_from_db()
    assert (stale_committing.status, stale_committing.file.name) == ("committing", "")  # the commit task owns it
    assert not any(Path(path).exists() for path in old_paths)
    assert not default_storage.exists(orphan)
    assert not Path(settings.MEDIA_ROOT, "list-imports/2025/12").exists()  # emptied month folder removed
    fresh.refresh_from_db()
    assert fresh.status == ImportStatus.READY and default_storage.exists(fresh.file.name)
    assert default_storage.exists(new_orphan)
    # Running again finds nothing to do.
    assert list_imports_purge_stale() == 0


def test_the_beat_job_is_scheduled_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["lists.purge_stale_list_imports"]
    assert entry["task"] == purge_stale_list_imports.name
    assert entry["schedule"].minute == {20}
    assert entry["schedule"].hour == set(range(24))


@pytest.mark.django_db
def test_a_failed_import_offers_its_discard_and_discarding_frees_its_slot(
    client, owner, settings, django_capture_on_commit_callbacks
):
    settings.LIST_IMPORTS_KEPT_MAX = 1
    name = default_storage.save("list-imports/2026/01/bad.csv", SimpleUploadedFile("bad.csv", b"x"))
    failed = ListImport.objects.create(
        owner=owner, kind="have", file=name, original_filename="bad.csv", status=ImportStatus.FAILED
    )
    page = client.get(reverse("lists:list_import", args=[failed.pk])).content.decode()
    assert reverse("lists:list_import_discard", args=[failed.pk]) in page
    assert _upload(client, (FIXTURES / "deckbox_haves.csv").read_bytes()).status_code == 409

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("lists:list_import_discard", args=[failed.pk]))

    failed.refresh_from_db()
    assert failed.status == ImportStatus.DISCARDED and not default_storage.exists(name)
    assert _upload(client, (FIXTURES / "deckbox_haves.csv").read_bytes()).status_code == 302
