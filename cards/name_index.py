"""An in-memory index of the words in card names, to correct one-edit typos in search queries.

Each web process keeps one index: the distinct lower-case words of all tradable card names, each with
the number of distinct names it appears in, and for every word its one-letter deletions
(symmetric-delete lookup: a query word and a catalog word one edit apart — a letter dropped,
inserted, substituted or two neighbours transposed — share a deletion or one is a deletion of
the other). The catalog has a few tens of thousands of distinct names, so the index is a few
hundred thousand short strings built in well under a second from one query.

The index is rebuilt when the catalog's name version changes (a cache key that the catalog
imports and the demo seed bump through `name_index_changed()`), and at least every
`MAX_AGE_SECONDS`, so cards added by other paths (the admin) are found after a few minutes.
Checking the version is one cache read per process and second, no database query.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import Counter, defaultdict

from django.core.cache import cache

VERSION_KEY = "cards:name-index:version"
MAX_AGE_SECONDS = 300
VERSION_CHECK_SECONDS = 1.0
MIN_CORRECTED_LENGTH = 2
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")

_lock = threading.Lock()
_loaded: dict = {"version": None, "at": 0.0, "checked": 0.0, "index": None}


def name_words(text: str) -> list[str]:
    """The words of a name or query as the index sees them: lower case, punctuation dropped."""
    return WORD.findall(text.lower())


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def within_one_edit(a: str, b: str) -> bool:
    """Optimal-string-alignment distance ≤ 1: equal, or one drop, insert, substitution or adjacent swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
        )
    if la > lb:
        a, b = b, a
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))


class NameIndex:
    def __init__(self, names):
        self.frequency: Counter[str] = Counter()
        for name in names:
            self.frequency.update(set(name_words(name)))
        # Every catalog word between newlines: "is this a substring of some word" is one `in`.
        self._joined = "\n" + "\n".join(sorted(self.frequency)) + "\n"
        self._by_deletion: dict[str, list[str]] = defaultdict(list)
        for word in self.frequency:
            if len(word) >= MIN_CORRECTED_LENGTH:
                for deletion in _deletions(word):
                    self._by_deletion[deletion].append(word)

    def __len__(self) -> int:
        return len(self.frequency)

    def known(self, word: str) -> bool:
        """The word is part of some catalog word (what a substring search would find)."""
        return word in self._joined

    def corrections(self, word: str) -> list[str]:
        """Catalog words one edit away from `word`, those in the most names first."""
        if len(word) < MIN_CORRECTED_LENGTH:
            return []
        candidates = set(self._by_deletion.get(word, ()))  # a letter dropped from a catalog word
        for deletion in _deletions(word):
            if deletion in self.frequency:  # a letter inserted
                candidates.add(deletion)
            candidates.update(self._by_deletion.get(deletion, ()))  # substituted or swapped
        found = [candidate for candidate in candidates if within_one_edit(word, candidate)]
        return sorted(found, key=lambda candidate: (-self.frequency[candidate], candidate))


def name_index_changed() -> None:
    """Call after the catalog's names change (imports, seeding): every process rebuilds within a second."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    _loaded["checked"] = 0.0  # this process asks again on its next search


def _current(version) -> bool:
    return (
        _loaded["index"] is not None
        and _loaded["version"] == version
        and time.monotonic() - _loaded["at"] < MAX_AGE_SECONDS
    )


def name_index() -> NameIndex:
    """This process's index, rebuilt (one query) if the catalog changed or it is older than MAX_AGE_SECONDS."""
    from .selectors import tradable_cards

    now = time.monotonic()
    if _loaded["index"] is not None and now - _loaded["checked"] < VERSION_CHECK_SECONDS:
        version = _loaded["version"]  # asked the cache less than a second ago
    else:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, None)
            version = cache.get(VERSION_KEY)
        _loaded["checked"] = now
    loaded = _loaded
    if (
        loaded["index"] is not None
        and loaded["version"] == version
        and time.monotonic() - loaded["at"] < MAX_AGE_SECONDS
    ):
        return loaded["index"]
    with _lock:
        if (
            _loaded["index"] is None
            or _loaded["version"] != version
            or time.monotonic() - _loaded["at"] >= MAX_AGE_SECONDS
        ):
            index = NameIndex(tradable_cards().order_by().values_list("name", flat=True).distinct())
            _loaded.update(version=version, at=time.monotonic(), index=index)
        return _loaded["index"]


def forget_name_index() -> None:
    """Drop this process's index (tests: each test has its own catalog)."""
    _loaded.update(version=None, at=0.0, checked=0.0, index=None)
