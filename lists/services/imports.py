"""List imports: upload → parse and match in a task → preview → commit in a task, all or nothing.

The request only checks the file's structure (so a wrong file is refused at once and nothing
is stored); reading 50,000 rows and writing them run in Celery tasks
(lists.tasks) while the page polls the ListImport row for progress.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import posixpath
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import islice
from typing import IO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from core.errors import DomainError, InvalidTransition, LimitReached, PayloadTooLarge
from lists.enums import ImportFormat, ImportRowOutcome, ImportStatus, ListKind
from lists.importers import (
    ImportFileError,
    NotForTrade,
    ParsedRow,
    ReadOptions,
    RowError,
    iter_rows,
    open_csv,
    read_header,
)
from lists.importers.csv_formats import UnknownHeader
from lists.importers.matching import Matcher
from lists.models import ListImport, ListImportRow

from .items import DEFAULT_CONDITION, list_items_check_reservations, list_items_upsert
from .reservations import ReservedCopies

logger = logging.getLogger(__name__)

# Rows parsed, matched and written per round: few round trips to the database, little memory.
CHUNK_ROWS = 1000
# Imports still holding an upload (and its preview); committed and discarded ones are history.
KEPT_STATUSES = (ImportStatus.PARSING, ImportStatus.READY, ImportStatus.COMMITTING, ImportStatus.FAILED)
UPLOAD_DIRECTORY = "list-imports"
EXPIRED_MESSAGE = "Not reviewed within a day, so it was discarded; upload the file again to import it."
PARSE_FAILED_MESSAGE = "The file could not be read to the end; nothing was changed. Please try again."
COMMIT_FAILED_MESSAGE = "The import could not be saved, so nothing was changed. Please try again."
# An upload describes the list as it is: quantities set, and a want's any-printing choice.
IMPORT_UPDATE_FIELDS = {ListKind.HAVE: ("quantity",), ListKind.WANT: ("quantity", "any_printing")}
MATCHED_FIELDS = ("card_id", "quantity", "condition", "finish", "language", "any_printing")


class TooManyRows(DomainError):
    code = "too_many_rows"


def too_large_message() -> str:
    return f"The file is larger than {settings.LIST_IMPORT_MAX_BYTES // (1024 * 1024)} MB."


def too_many_rows_message() -> str:
    return f"The file has more than {settings.LIST_IMPORT_MAX_ROWS:,} rows; split it into smaller files."


def _count_records_beyond(stream: IO[str], limit: int) -> int:
    """Data records in the CSV (blank ones too, as the parser numbers them), counting no
    further than limit + 1: a million-row file costs no more than one just over the cap."""
    reader = csv.reader(stream)
    count = -1  # the header
    try:
        for _ in reader:
            count += 1
            if count > limit:
                break
    except csv.Error:
        pass  # the parser reports the malformed row with its number
    return max(count, 0)


@transaction.atomic
def list_import_start(
    *,
    owner,
    kind: str,
    uploaded_file: UploadedFile,
    replace_existing: bool = False,
    whole_collection: bool = False,
    file_format: str = "",
    mapping: dict[str, str] | None = None,
) -> ListImport:
    """Refuse a structurally bad file now (nothing stored); otherwise store it and parse in a task.

    `file_format` overrides detection; `mapping` ({field: column}) reads any other CSV (the
    generic format). Caps (settings.LIST_IMPORT_*): size 413, rows 400, unfinished imports per
    trader 409. An unknown header without a mapping raises UnknownHeaderError (its columns
    attached, for the column-mapping screen).
    """
    if kind not in ListKind.values:
        raise DomainError("Choose the have list or the want list.", field="kind")
    if file_format and file_format not in ImportFormat.values:
        raise DomainError(f"Unknown format {file_format!r}.", field="format")
    mapping = {field: column for field, column in (mapping or {}).items() if column}
    if mapping and not file_format:
        file_format = ImportFormat.GENERIC
    if file_format == ImportFormat.GENERIC and not mapping:
        raise DomainError("A generic CSV needs a column mapping (at least the name column).", field="mapping")
    if uploaded_file.size and uploaded_file.size > settings.LIST_IMPORT_MAX_BYTES:
        raise PayloadTooLarge(too_large_message(), field="file")
    # Lock the trader's row so two uploads at once cannot both pass the kept-imports cap.
    get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
    kept = ListImport.objects.filter(owner=owner, status__in=KEPT_STATUSES).count()
    if kept >= settings.LIST_IMPORTS_KEPT_MAX:
        raise LimitReached(
            f"You already have {kept} imports waiting; import or discard one of them first "
            f"(unfinished imports are discarded after {settings.LIST_IMPORT_RETENTION_HOURS} hours).",
            field="file",
            code="too_many_imports",
        )
    uploaded_file.seek(0)
    try:
        file_format, stream = open_csv(uploaded_file, file_format=file_format, mapping=mapping)
    except UnknownHeader as error:
        raise UnknownHeaderError(str(error), columns=error.columns) from None
    except ImportFileError as error:
        raise DomainError(str(error), field="mapping" if mapping else "file", code="bad_file") from None
    try:
        records = _count_records_beyond(stream, settings.LIST_IMPORT_MAX_ROWS)
    finally:
        stream.detach()  # the upload itself stays open: it is stored next
    if records > settings.LIST_IMPORT_MAX_ROWS:
        raise TooManyRows(too_many_rows_message(), field="file")
    uploaded_file.seek(0)
    list_import = ListImport.objects.create(
        owner=owner,
        kind=kind,
        format=file_format,
        file=uploaded_file,
        original_filename=(uploaded_file.name or "upload.csv")[:255],
        status=ImportStatus.PARSING,
        replace_existing=replace_existing,
        whole_collection=whole_collection and kind == ListKind.HAVE,
        mapping=mapping if file_format == ImportFormat.GENERIC else {},
        total_rows=records,
    )
    from lists.tasks import parse_list_import

    transaction.on_commit(lambda: parse_list_import.delay(list_import.pk))
    return list_import


class UnknownHeaderError(DomainError):
    code = "unknown_header"

    def __init__(self, message: str, *, columns: list[str]):
        super().__init__(message, field="file")
        self.columns = columns


HELD_DIRECTORY = f"{UPLOAD_DIRECTORY}/held"
HELD_SALT = "lists.import.held"


def list_import_hold(*, owner, uploaded_file: UploadedFile) -> tuple[str, list[str]]:
    """Keep an upload whose header no format knows while its owner maps the columns.

    Returns a signed token naming the held file (only its owner can use it) and the header's
    columns. Held files are deleted with the other stale uploads (list_imports_purge_stale).
    """
    if uploaded_file.size and uploaded_file.size > settings.LIST_IMPORT_MAX_BYTES:
        raise PayloadTooLarge(too_large_message(), field="file")
    uploaded_file.seek(0)
    columns = read_header(uploaded_file)
    name = default_storage.save(f"{HELD_DIRECTORY}/{secrets.token_hex(16)}.csv", uploaded_file)
    token = signing.dumps(
        {"owner": owner.pk, "name": name, "filename": (uploaded_file.name or "upload.csv")[:255]}, salt=HELD_SALT
    )
    return token, columns


def list_import_start_held(*, owner, token: str, **options) -> ListImport:
    """list_import_start on a held upload (the column-mapping step); the held copy is then deleted."""
    try:
        held = signing.loads(token, salt=HELD_SALT, max_age=settings.LIST_IMPORT_RETENTION_HOURS * 3600)
    except signing.BadSignature:
        raise DomainError("The uploaded file has expired; upload it again.", field="file") from None
    if held.get("owner") != owner.pk or not default_storage.exists(held["name"]):
        raise DomainError("The uploaded file has expired; upload it again.", field="file")
    with default_storage.open(held["name"], "rb") as raw:
        uploaded = File(raw, name=held["filename"])
        uploaded.size = default_storage.size(held["name"])
        list_import = list_import_start(owner=owner, uploaded_file=uploaded, **options)
    transaction.on_commit(lambda: default_storage.delete(held["name"]))
    return list_import


def list_import_parse(*, list_import_id: int) -> None:
    """Read, check and match every row into ListImportRow. Safe to run twice (only from PARSING).

    Anything unexpected (including the task's time limit) marks the import failed, so the
    page never polls a dead import forever.
    """
    list_import = ListImport.objects.filter(pk=list_import_id, status=ImportStatus.PARSING).first()
    if list_import is None:
        return
    try:
        _parse(list_import)
    except Exception:
        logger.exception("list import %s failed to parse", list_import_id)
        ListImportRow.objects.filter(list_import_id=list_import_id).delete()
        ListImport.objects.filter(pk=list_import_id, status=ImportStatus.PARSING).update(
            status=ImportStatus.FAILED, error_message=PARSE_FAILED_MESSAGE, updated_at=timezone.now()
        )


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _parse(list_import: ListImport) -> None:
    """Stream the file: CHUNK_ROWS rows parsed, matched and written at a time."""
    ListImportRow.objects.filter(list_import=list_import).delete()  # a redelivered task starts again
    counts = dict.fromkeys(ImportRowOutcome.values, 0)
    default_condition = DEFAULT_CONDITION[list_import.kind]
    options = ReadOptions(
        for_haves=list_import.kind == ListKind.HAVE,
        whole_collection=list_import.whole_collection,
        mapping=list_import.mapping or None,
    )
    matcher = Matcher(file_format=list_import.format, for_wants=list_import.kind == ListKind.WANT)
    processed = 0
    try:
        with list_import.file.open("rb") as raw:
            file_format, stream = open_csv(raw, file_format=list_import.format, mapping=options.mapping)
            for chunk in _chunks(iter_rows(stream, file_format, options), CHUNK_ROWS):
                if chunk[-1].row - 1 > settings.LIST_IMPORT_MAX_ROWS:  # row numbers count the header
                    raise ImportFileError(too_many_rows_message())
                values = _row_values(list_import, chunk, matcher, default_condition)
                processed += len(chunk)
                with transaction.atomic():
                    _write_rows(values)
                    ListImport.objects.filter(pk=list_import.pk).update(processed_rows=processed)
                for row in values:
                    counts[row[2]] += 1
    except ImportFileError as error:
        ListImportRow.objects.filter(list_import=list_import).delete()
        ListImport.objects.filter(pk=list_import.pk, status=ImportStatus.PARSING).update(
            status=ImportStatus.FAILED, error_message=str(error), updated_at=timezone.now()
        )
        return
    ListImport.objects.filter(pk=list_import.pk, status=ImportStatus.PARSING).update(
        status=ImportStatus.READY,
        format=file_format,
        total_rows=processed,
        processed_rows=processed,
        matched_rows=counts[ImportRowOutcome.MATCHED],
        unmatched_rows=counts[ImportRowOutcome.UNMATCHED],
        error_rows=counts[ImportRowOutcome.ERROR],
        not_for_trade_rows=counts[ImportRowOutcome.NOT_FOR_TRADE],
        updated_at=timezone.now(),
    )


# The columns of a ListImportRow as _row_values builds them (COPY order).
ROW_COLUMNS = (
    "list_import_id",
    "row",
    "outcome",
    "name",
    "set_code",
    "collector_number",
    "card_id",
    "any_printing",
    "quantity",
    "condition",
    "finish",
    "language",
    "reason",
)


def _row_values(list_import: ListImport, chunk: list, matcher: Matcher, default_condition: str) -> list[tuple]:
    """One tuple per row (ROW_COLUMNS): plain values, so 50,000 rows cost no model instances."""
    parsed = [row for row in chunk if isinstance(row, ParsedRow)]
    matches = dict(zip((row.row for row in parsed), matcher.match(parsed), strict=True))
    pk = list_import.pk
    values = []
    for row in chunk:
        name = row.name[:300]
        if isinstance(row, RowError):
            values.append(
                (pk, row.row, ImportRowOutcome.ERROR.value, name, "", "", None, False, 0, "", "", "", row.reason[:500])
            )
        elif isinstance(row, NotForTrade):
            values.append(
                (
                    pk,
                    row.row,
                    ImportRowOutcome.NOT_FOR_TRADE.value,
                    name,
                    "",
                    "",
                    None,
                    False,
                    row.quantity,
                    "",
                    "",
                    "",
                    row.reason[:500],
                )
            )
        elif (match := matches[row.row]).card is None:
            outcome = ImportRowOutcome.ERROR if match.is_error else ImportRowOutcome.UNMATCHED
            values.append(
                (
                    pk,
                    row.row,
                    outcome.value,
                    name,
                    (row.set_code or row.set_name)[:40],
                    row.collector_number[:40],
                    None,
                    False,
                    0,
                    "",
                    "",
                    "",
                    match.reason[:500],
                )
            )
        else:
            card = match.card
            values.append(
                (
                    pk,
                    row.row,
                    ImportRowOutcome.MATCHED.value,
                    name,
                    card.set_code,
                    card.collector_number,
                    card.id,
                    match.any_printing,
                    row.quantity,
                    row.condition or default_condition,
                    match.finish,
                    row.language,
                    match.reason[:500],
                )
            )
    return values


def _write_rows(values: list[tuple]) -> None:
    """COPY on PostgreSQL (bulk_create spends more time preparing values than the database writing them)."""
    if connection.vendor != "postgresql":
        ListImportRow.objects.bulk_create([ListImportRow(**dict(zip(ROW_COLUMNS, row, strict=True))) for row in values])
        return
    statement = f"COPY {ListImportRow._meta.db_table} ({', '.join(ROW_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor:
        # A preview, not the trader's list: a crash may lose the last chunks' rows, and the parse
        # starts again from the file (docs/decisions/0009-copy-based-import-writes.md).
        cursor.execute("SET LOCAL synchronous_commit = off")
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in values:
            copy.write_row(row)


def matched_items(list_import: ListImport) -> Iterator[dict]:
    """The matched rows as list items, read in chunks (the commit's input)."""
    rows = list_import.rows.filter(outcome=ImportRowOutcome.MATCHED).order_by("row").values(*MATCHED_FIELDS)
    return rows.iterator(chunk_size=2000)


@transaction.atomic
def list_import_request_commit(*, owner, list_import_id: int, replace_existing: bool) -> ListImport:
    """Claim a reviewed import for writing; the task does the write after this commits."""
    list_import = ListImport.objects.select_for_update().filter(pk=list_import_id, owner=owner).first()
    if list_import is None:
        raise Http404("No such import.")
    if list_import.status == ImportStatus.PARSING:
        raise InvalidTransition("This import is still being read; commit it once it is ready.")
    if list_import.status != ImportStatus.READY:
        raise InvalidTransition("This import is not waiting for review any more.")
    if not list_import.matched_rows:
        raise DomainError("Nothing to import: no row matched a card.")
    # Say it now rather than after the task: the commit would fail for the same reason.
    list_items_check_reservations(
        owner=owner, kind=list_import.kind, items=matched_items(list_import), replace=replace_existing
    )
    list_import.status = ImportStatus.COMMITTING
    list_import.replace_existing = replace_existing
    list_import.processed_rows = 0
    list_import.save(update_fields=["status", "replace_existing", "processed_rows", "updated_at"])
    from lists.tasks import commit_list_import

    transaction.on_commit(lambda: commit_list_import.delay(list_import.pk))
    return list_import


def list_import_commit(*, list_import_id: int) -> None:
    """Write every matched row in one transaction, or none. Safe to run twice (only from COMMITTING).

    A failure marks the import failed (the owner sees it and can upload again) instead of
    retrying: the rows it would write are exactly the ones that just failed.
    """
    try:
        with transaction.atomic():
            list_import = ListImport.objects.select_for_update().filter(pk=list_import_id).first()
            if list_import is None or list_import.status != ImportStatus.COMMITTING:
                return
            if connection.vendor == "postgresql":
                # Foreign keys are checked at COMMIT by default; check them per statement so a
                # bad row fails inside this block and everything it did rolls back with it.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            list_items_upsert(
                owner=list_import.owner,
                kind=list_import.kind,
                items=matched_items(list_import),
                replace=list_import.replace_existing,
                update_fields=IMPORT_UPDATE_FIELDS[list_import.kind],
            )
            list_import.status = ImportStatus.COMMITTED
            list_import.committed_at = timezone.now()
            list_import.processed_rows = list_import.total_rows
            _forget_file(list_import)
            list_import.save(update_fields=["status", "committed_at", "processed_rows", "file", "updated_at"])
    except ReservedCopies as error:
        # Not a failure of the import: the trader's own agreed trades stand in its way; say which.
        ListImport.objects.filter(pk=list_import_id, status=ImportStatus.COMMITTING).update(
            status=ImportStatus.FAILED, error_message=error.message, updated_at=timezone.now()
        )
    except Exception:
        logger.exception("list import %s failed to commit", list_import_id)
        ListImport.objects.filter(pk=list_import_id, status=ImportStatus.COMMITTING).update(
            status=ImportStatus.FAILED, error_message=COMMIT_FAILED_MESSAGE, updated_at=timezone.now()
        )


def _forget_file(list_import: ListImport) -> None:
    """A finished import keeps its counts and report, not the trader's uploaded collection."""
    name, storage = list_import.file.name, list_import.file.storage
    list_import.file = ""
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def list_import_discard(*, owner, list_import_id: int) -> ListImport:
    list_import = ListImport.objects.select_for_update().filter(pk=list_import_id, owner=owner).first()
    if list_import is None:
        raise Http404("No such import.")
    if list_import.status not in (ImportStatus.READY, ImportStatus.FAILED):
        raise InvalidTransition("Only an import waiting for review can be discarded.")
    list_import.status = ImportStatus.DISCARDED
    list_import.rows.all().delete()  # a discarded import keeps its counts, not the trader's rows
    _forget_file(list_import)
    list_import.save(update_fields=["status", "file", "updated_at"])
    return list_import


def list_imports_purge_stale(*, now: datetime | None = None) -> int:
    """The beat job: an import left unfinished longer than LIST_IMPORT_RETENTION_HOURS is
    discarded, and every upload older than that is deleted (also files no row points to any
    more, e.g. of a deleted account). Returns how many imports it discarded or emptied.
    Safe to run twice and beside anything else: each row is claimed under a lock."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.LIST_IMPORT_RETENTION_HOURS)
    stale = ListImport.objects.filter(created_at__lt=cutoff).filter(
        Q(status__in=(ImportStatus.PARSING, ImportStatus.READY, ImportStatus.FAILED)) | ~Q(file="")
    )
    purged = 0
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            list_import = ListImport.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if list_import is None:
                continue
            fields = ["file", "updated_at"]
            if list_import.status in (ImportStatus.PARSING, ImportStatus.READY, ImportStatus.FAILED):
                list_import.status = ImportStatus.DISCARDED
                list_import.rows.all().delete()
                list_import.error_message = EXPIRED_MESSAGE
                fields += ["status", "error_message"]
            _forget_file(list_import)
            list_import.save(update_fields=fields)
            purged += 1
    _delete_old_files(UPLOAD_DIRECTORY, cutoff=cutoff)
    return purged


def _delete_old_files(directory: str, *, cutoff: datetime) -> None:
    if not default_storage.exists(directory):
        return
    folders, files = default_storage.listdir(directory)
    for name in files:
        path = posixpath.join(directory, name)
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except FileNotFoundError:
            continue  # deleted meanwhile (a commit or discard)
    for folder in folders:
        _delete_old_files(posixpath.join(directory, folder), cutoff=cutoff)
        # Not empty (newer uploads), already gone, or a storage without folders: leave it.
        with contextlib.suppress(OSError, NotImplementedError):
            os.rmdir(default_storage.path(posixpath.join(directory, folder)))
