from __future__ import annotations

import bz2
import gzip
import lzma
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

MAX_ISSUES_KEPT = 1000


@dataclass
class RecordIssue:
    record: str  # where: "#12" (position) and the record's id when it has one
    message: str


@dataclass
class ImportReport:
    """What an import did and every problem it met, per record."""

    kind: str
    records_seen: int = 0
    records_skipped: int = 0
    cards_created: int = 0
    cards_updated: int = 0
    cards_unchanged: int = 0
    cards_kept_newer: int = 0  # stored cards an older file did not overwrite
    cards_matched: int = 0
    snapshots_created: int = 0
    prices_changed: int = 0
    file_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # about the whole file (its date), not a record
    issues: list[RecordIssue] = field(default_factory=list)
    issue_count: int = 0
    unknown_fields: Counter = field(default_factory=Counter)

    def issue(self, record: str, message: str) -> None:
        self.issue_count += 1
        if len(self.issues) < MAX_ISSUES_KEPT:
            self.issues.append(RecordIssue(record, message))

    @property
    def is_ok(self) -> bool:
        return not self.file_errors

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "records_seen": self.records_seen,
            "records_skipped": self.records_skipped,
            "cards_created": self.cards_created,
            "cards_updated": self.cards_updated,
            "cards_unchanged": self.cards_unchanged,
            "cards_kept_newer": self.cards_kept_newer,
            "cards_matched": self.cards_matched,
            "snapshots_created": self.snapshots_created,
            "prices_changed": self.prices_changed,
            "file_errors": list(self.file_errors),
            "warnings": list(self.warnings),
            "issue_count": self.issue_count,
        }

    def lines(self) -> list[str]:
        """Human-readable summary for commands and logs."""
        out = [
            f"{self.kind}: {self.records_seen} records, {self.records_skipped} skipped; "
            f"cards created {self.cards_created}, updated {self.cards_updated}, unchanged {self.cards_unchanged}"
            + (f", kept (newer in the catalog) {self.cards_kept_newer}" if self.cards_kept_newer else "")
            + (f", matched {self.cards_matched}" if self.kind == "mtgjson" else "")
            + f"; snapshots written {self.snapshots_created}; current prices changed {self.prices_changed}"
        ]
        out += [f"FILE ERROR: {error}" for error in self.file_errors]
        out += [f"WARNING: {warning}" for warning in self.warnings]
        out += [f"record {issue.record}: {issue.message}" for issue in self.issues]
        if self.issue_count > len(self.issues):
            out.append(f"... and {self.issue_count - len(self.issues)} more record issues")
        for name, count in sorted(self.unknown_fields.items()):
            out.append(f"ignored unknown field {name!r} in {count} record(s)")
        return out


def open_binary(path: str | Path) -> BinaryIO:
    """Open a data file, decompressing .gz/.bz2/.xz (MTGJSON publishes those) on the fly."""
    path = str(path)
    if path.endswith(".gz"):
        return gzip.open(path, "rb")
    if path.endswith(".bz2"):
        return bz2.open(path, "rb")
    if path.endswith(".xz"):
        return lzma.open(path, "rb")
    return open(path, "rb")


def first_json_char(stream: BinaryIO) -> str:
    """The first non-space character of a stream, without consuming it (needs .peek)."""
    head = stream.peek(64)[:64] if hasattr(stream, "peek") else b""
    text = head.lstrip(b" \t\r\n\xef\xbb\xbf")
    return chr(text[0]) if text else ""


def file_position(stream: BinaryIO) -> Callable[[], tuple[int, int]]:
    """(bytes read, size) of the file under `stream` — compressed bytes for a compressed file —
    also while a forked child does the reading (it shares the open file description, so the
    descriptor's offset is how far it got). For progress bars."""
    try:
        descriptor = stream.fileno()
        size = os.fstat(descriptor).st_size
    except (AttributeError, OSError, ValueError):  # an in-memory stream: no file to measure
        return lambda: (0, 0)

    def position() -> tuple[int, int]:
        try:
            return min(os.lseek(descriptor, 0, os.SEEK_CUR), size), size
        except OSError:
            return 0, size

    return position
