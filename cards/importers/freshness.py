"""The date of a catalog file's data, and what an older file may still change.

Every catalog import is recorded as a `CatalogImport` with its source date: Scryfall's bulk
metadata `updated_at` when the file is fetched through the bulk-data API, `--as-of` for a
local file, a `default-cards-YYYYMMDDHHMMSS` date in the file's name, or else the import time
(with a warning). The source date dates the file's prices. A Scryfall file dated before the
newest file whose card fields were applied is history: its prices are added to the price
history at their date (current prices only move forward in time anyway, see
cards.services.price_snapshots_record), printings the catalog lacks are created, and stored
cards keep their (newer) fields.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.db.models import Max
from django.utils import timezone

from ..enums import ImportDatedBy
from ..models import CatalogImport
from .report import ImportReport

# Scryfall names its bulk files default-cards-20240601090412.json (UTC).
FILE_NAME_DATE = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?!\d)")


def date_from_file_name(name: str) -> datetime | None:
    """The UTC moment in a Scryfall bulk file's name, or None."""
    match = FILE_NAME_DATE.search(str(name).rsplit("/", 1)[-1])
    if not match:
        return None
    try:
        return datetime(*(int(part) for part in match.groups()), tzinfo=UTC)
    except ValueError:
        return None


def last_applied_date(kind: str) -> datetime | None:
    """The source date of the newest import of this kind whose card fields were applied."""
    return CatalogImport.objects.filter(kind=kind, fields_applied=True).aggregate(newest=Max("source_date"))["newest"]


def catalog_import_record(
    *,
    kind: str,
    report: ImportReport,
    source: str,
    source_date: datetime,
    dated_by: str,
    fields_applied: bool,
    started_at: datetime,
) -> CatalogImport:
    """Store what an import did. An import that read no record leaves the catalog's date as it was."""
    return CatalogImport.objects.create(
        kind=kind,
        source=str(source)[:500],
        source_date=source_date,
        dated_by=dated_by,
        fields_applied=fields_applied and report.records_seen > 0,
        ok=report.is_ok,
        started_at=started_at,
        finished_at=timezone.now(),
        records_seen=report.records_seen,
        records_skipped=report.records_skipped,
        cards_created=report.cards_created,
        cards_updated=report.cards_updated,
        cards_unchanged=report.cards_unchanged,
        cards_kept_newer=report.cards_kept_newer,
        cards_matched=report.cards_matched,
        snapshots_created=report.snapshots_created,
        prices_changed=report.prices_changed,
        issue_count=report.issue_count,
    )


def scryfall_source(source: str, *, as_of: datetime | None = None) -> tuple[str, datetime | None, str | None]:
    """(path or URL to read, source date, how it was dated) for a Scryfall file given as a path or URL.

    `as_of` (the command's option) wins; then the bulk metadata's `updated_at` (a bulk-data API
    URL); then a date in the file's name; else (None, None): the import dates it now and warns.
    """
    from .download import is_url, scryfall_bulk_file

    target, updated_at = scryfall_bulk_file(source) if is_url(source) else (source, None)
    if as_of is not None:
        return target, as_of, ImportDatedBy.OPTION
    if updated_at is not None:
        return target, updated_at, ImportDatedBy.METADATA
    if (named := date_from_file_name(target)) is not None:
        return target, named, ImportDatedBy.FILE_NAME
    return target, None, None
