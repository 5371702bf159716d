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
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone

from cards.models import Card
from core.errors import DomainError, InvalidTransition, LimitReached, PayloadTooLarge
from lists.enums import ImportStatus, ListKind
from lists.importers import ImportFileError, ParsedRow, RowError, iter_rows, open_csv
from lists.models import ListImport

from .items import DEFAULT_CONDITION, list_items_check_reservations, list_items_upsert
from .reservations import ReservedCopies

logger = logging.getLogger(__name__)

CHUNK_ROWS = 1000
# Imports still holding an upload (and its preview); committed and discarded ones are history.
KEPT_STATUSES = (ImportStatus.PARSING, ImportStatus.PREVIEW, ImportStatus.COMMITTING, ImportStatus.FAILED)
UPLOAD_DIRECTORY = "list-imports"
EXPIRED_MESSAGE = "Not reviewed within a day, so it was discarded; upload the file again to import it."
PARSE_FAILED_MESSAGE = "The file could not be read to the end; nothing was changed. Please try again."
COMMIT_FAILED_MESSAGE = "The import could not be saved, so nothing was changed. Please try again."


@dataclass(frozen=True)
class CardRef:
    id: int
    name: str
    set_code: str
    collector_number: str
    lang: str
    finishes: tuple[str, ...]


CARD_FIELDS = ("id", "name", "set_code", "collector_number", "lang", "finishes")


def _ref(values: tuple) -> CardRef:
    card_id, name, set_code, number, lang, finishes = values
    return CardRef(card_id, name, set_code.lower(), number, lang, tuple(finishes or ()))


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
def list_import_start(*, owner, kind: str, uploaded_file: UploadedFile, replace_existing: bool = False) -> ListImport:
    """Refuse a structurally bad file now (nothing stored); otherwise store it and parse in a task.

    Caps (settings.LIST_IMPORT_*): size 413, rows 400, unfinished imports per trader 409.
    """
    if kind not in ListKind.values:
        raise DomainError("Choose the have list or the want list.", field="kind")
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
        file_format, stream = open_csv(uploaded_file)
    except ImportFileError as error:
        raise DomainError(str(error), field="file", code="bad_file") from None
    if _count_records_beyond(stream, settings.LIST_IMPORT_MAX_ROWS) > settings.LIST_IMPORT_MAX_ROWS:
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
    )
    from lists.tasks import parse_list_import

    transaction.on_commit(lambda: parse_list_import.delay(list_import.pk))
    return list_import


def list_import_parse(*, list_import_id: int) -> None:
    """Read, check and match every row; store the preview. Safe to run twice (only from PARSING).

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
        ListImport.objects.filter(pk=list_import_id, status=ImportStatus.PARSING).update(
            status=ImportStatus.FAILED, error_message=PARSE_FAILED_MESSAGE, updated_at=timezone.now()
        )


def _parse(list_import: ListImport) -> None:
    try:
        with list_import.file.open("rb") as raw:
            file_format, stream = open_csv(raw)
        rows = []
        for row in iter_rows(stream, file_format):
            if row.row - 1 > settings.LIST_IMPORT_MAX_ROWS:  # row numbers count the header
                raise ImportFileError(too_many_rows_message())
            rows.append(row)
    except ImportFileError as error:
        ListImport.objects.filter(pk=list_import.pk, status=ImportStatus.PARSING).update(
            status=ImportStatus.FAILED, error_message=str(error), updated_at=timezone.now()
        )
        return
    ListImport.objects.filter(pk=list_import.pk).update(total_rows=len(rows), processed_rows=0)
    matched: list[dict] = []
    unmatched: list[dict] = []
    errors: list[dict] = []
    default_condition = DEFAULT_CONDITION[list_import.kind]
    set_index = SetIndex()
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start : start + CHUNK_ROWS]
        parsed = [row for row in chunk if isinstance(row, ParsedRow)]
        errors.extend(
            {"row": row.row, "name": row.name, "reason": row.reason} for row in chunk if isinstance(row, RowError)
        )
        for row, card, reason in match_rows(parsed, set_index=set_index):
            if card is None:
                unmatched.append(
                    {"row": row.row, "name": row.name, "set": row.set_code or row.set_name, "reason": reason}
                )
            elif card.finishes and row.finish not in card.finishes:
                errors.append(
                    {
                        "row": row.row,
                        "name": row.name,
                        "reason": f"{card.name} ({card.set_code.upper()} {card.collector_number}) "
                        f"is not printed in {row.finish}.",
                    }
                )
            else:
                matched.append(
                    {
                        "row": row.row,
                        "card_id": card.id,
                        "name": card.name,
                        "quantity": row.quantity,
                        "condition": row.condition or default_condition,
                        "finish": row.finish,
                        "language": row.language,
                    }
                )
        ListImport.objects.filter(pk=list_import.pk).update(processed_rows=min(len(rows), start + CHUNK_ROWS))
    errors.sort(key=lambda error: error["row"])
    ListImport.objects.filter(pk=list_import.pk, status=ImportStatus.PARSING).update(
        status=ImportStatus.PREVIEW,
        format=file_format,
        total_rows=len(rows),
        processed_rows=len(rows),
        matched_rows=len(matched),
        matched=matched,
        unmatched=unmatched,
        errors=errors,
        updated_at=timezone.now(),
    )


class SetIndex:
    """Cards of the sets an import names, by (name, set), each set fetched once per import.

    Rows without a collector number (or with one we do not know) fall back to name + set;
    a 50,000-row file names the same few hundred sets over and over, so caching the sets
    across chunks keeps this to one fetch per set.
    """

    def __init__(self) -> None:
        self.by_name_set: dict[tuple[str, str], set[CardRef]] = defaultdict(set)
        self.loaded_codes: set[str] = set()
        self.loaded_names: set[str] = set()

    def load(self, *, codes: set[str], set_names: set[str]) -> None:
        codes, set_names = codes - self.loaded_codes, set_names - self.loaded_names
        if not codes and not set_names:
            return
        self.loaded_codes |= codes
        self.loaded_names |= set_names
        for values in Card.objects.filter(Q(set_code__in=codes) | Q(set_name__in=set_names)).values_list(
            *CARD_FIELDS, "set_name"
        ):
            card = _ref(values[:-1])
            for name in _name_keys(card.name):
                self.by_name_set[(name, card.set_code)].add(card)
                self.by_name_set[(name, values[-1].lower())].add(card)


def match_rows(
    rows: list[ParsedRow], *, set_index: SetIndex | None = None
) -> list[tuple[ParsedRow, CardRef | None, str]]:
    """Find each row's printing: Scryfall id, then set + collector number, then name + set,
    then the name alone when exactly one printing has it. A handful of queries per chunk.
    """
    set_index = set_index or SetIndex()
    results: dict[int, tuple[CardRef | None, str]] = {}

    ids = {row.scryfall_id for row in rows if row.scryfall_id}
    by_scryfall = {
        str(values[0]): _ref(values[1:])
        for values in Card.objects.filter(scryfall_id__in=ids).values_list("scryfall_id", *CARD_FIELDS)
    }
    pending = []
    for row in rows:
        card = by_scryfall.get(row.scryfall_id) if row.scryfall_id else None
        if card:
            results[row.row] = (card, "")
        else:
            pending.append(row)

    numbered = [row for row in pending if row.set_code and row.collector_number]
    by_set_number: dict[tuple[str, str], list[CardRef]] = defaultdict(list)
    if numbered:
        for values in Card.objects.filter(
            set_code__in={row.set_code for row in numbered},
            collector_number__in={row.collector_number for row in numbered},
        ).values_list(*CARD_FIELDS):
            card = _ref(values)
            by_set_number[(card.set_code, card.collector_number)].append(card)
    still = []
    for row in pending:
        candidates = by_set_number.get((row.set_code, row.collector_number), [])
        if candidates:
            results[row.row] = (_prefer_language(candidates, row.language), "")
        else:
            still.append(row)
    pending = still

    with_set = [row for row in pending if row.set_code or row.set_name]
    if with_set:
        set_index.load(
            codes={row.set_code for row in with_set if row.set_code},
            set_names={row.set_name for row in with_set if row.set_name},
        )
    by_name_set = set_index.by_name_set
    still = []
    for row in pending:
        set_key = row.set_code or row.set_name.lower()
        candidates = _one_per_printing(by_name_set.get((row.name.lower(), set_key), set())) if set_key else []
        if len(candidates) == 1:
            results[row.row] = (candidates[0], "")
        elif len(candidates) > 1:
            results[row.row] = (
                None,
                f"{len(candidates)} printings of this card in {set_key.upper()}; add the collector number.",
            )
        else:
            still.append(row)
    pending = still

    by_name: dict[str, set[CardRef]] = defaultdict(set)
    if pending:
        for values in (
            Card.objects.annotate(lower_name=Lower("name"))
            .filter(lower_name__in={row.name.lower() for row in pending})
            .values_list(*CARD_FIELDS)
        ):
            card = _ref(values)
            by_name[card.name.lower()].add(card)
    for row in pending:
        candidates = _one_per_printing(by_name.get(row.name.lower(), set()))
        where = f" in set {(row.set_code or row.set_name).upper()}" if (row.set_code or row.set_name) else ""
        if len(candidates) == 1 and not (row.set_code or row.set_name):
            results[row.row] = (candidates[0], "")
        elif len(candidates) == 1:
            results[row.row] = (
                None,
                f"No printing of this card{where}; it exists in {candidates[0].set_code.upper()}.",
            )
        elif candidates and where:
            results[row.row] = (None, f"{len(candidates)} printings of this card, none{where}.")
        elif candidates:
            results[row.row] = (None, f"{len(candidates)} printings have this name; add the set and collector number.")
        else:
            results[row.row] = (None, "No card with this name in the catalog.")
    return [(row, *results[row.row]) for row in rows]


def _name_keys(name: str) -> set[str]:
    """Exports write double-faced cards as 'Front // Back' or just 'Front'; accept both."""
    lowered = name.lower()
    return {lowered, lowered.split(" // ")[0]}


def _one_per_printing(cards: set[CardRef]) -> list[CardRef]:
    """Language copies of one printing are one choice, not an ambiguity."""
    printings: dict[tuple[str, str], CardRef] = {}
    for card in sorted(cards, key=lambda c: (c.lang != "en", c.id)):
        printings.setdefault((card.set_code, card.collector_number), card)
    return sorted(printings.values(), key=lambda c: c.id)


def _prefer_language(cards: list[CardRef], language: str) -> CardRef:
    for card in cards:
        if card.lang == language:
            return card
    for card in cards:
        if card.lang == "en":
            return card
    return min(cards, key=lambda c: c.id)


@transaction.atomic
def list_import_request_commit(*, owner, list_import_id: int, replace_existing: bool) -> ListImport:
    """Claim a reviewed import for writing; the task does the write after this commits."""
    list_import = ListImport.objects.select_for_update().filter(pk=list_import_id, owner=owner).first()
    if list_import is None:
        raise Http404("No such import.")
    if list_import.status != ImportStatus.PREVIEW:
        raise InvalidTransition("This import is not waiting for review any more.")
    if not list_import.matched:
        raise DomainError("Nothing to import: no row matched a card.")
    # Say it now rather than after the task: the commit would fail for the same reason.
    list_items_check_reservations(
        owner=owner, kind=list_import.kind, items=list_import.matched, replace=replace_existing
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
                items=list_import.matched,
                replace=list_import.replace_existing,
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
    if list_import.status not in (ImportStatus.PREVIEW, ImportStatus.FAILED):
        raise InvalidTransition("Only an import waiting for review can be discarded.")
    list_import.status = ImportStatus.DISCARDED
    list_import.matched = []
    _forget_file(list_import)
    list_import.save(update_fields=["status", "matched", "file", "updated_at"])
    return list_import


def list_imports_purge_stale(*, now: datetime | None = None) -> int:
    """The beat job: an import left unfinished longer than LIST_IMPORT_RETENTION_HOURS is
    discarded, and every upload older than that is deleted (also files no row points to any
    more, e.g. of a deleted account). Returns how many imports it discarded or emptied.
    Safe to run twice and beside anything else: each row is claimed under a lock."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.LIST_IMPORT_RETENTION_HOURS)
    stale = ListImport.objects.filter(created_at__lt=cutoff).filter(
        Q(status__in=(ImportStatus.PARSING, ImportStatus.PREVIEW, ImportStatus.FAILED)) | ~Q(file="")
    )
    purged = 0
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            list_import = ListImport.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if list_import is None:
                continue
            fields = ["file", "updated_at"]
            if list_import.status in (ImportStatus.PARSING, ImportStatus.PREVIEW, ImportStatus.FAILED):
                list_import.status = ImportStatus.DISCARDED
                list_import.matched = []
                list_import.error_message = EXPIRED_MESSAGE
                fields += ["status", "matched", "error_message"]
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
