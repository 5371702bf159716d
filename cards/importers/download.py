"""Fetch a data file to a temporary file (streamed) so importers can stream it from disk."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import requests

USER_AGENT = "Bazaar/1.0 (card price importer)"
TIMEOUT = (10, 120)


def is_url(value: str) -> bool:
    return urlparse(str(value)).scheme in ("http", "https")


def scryfall_bulk_file(url: str) -> tuple[str, datetime | None]:
    """(URL to download, the file's `updated_at`): Scryfall's bulk-data API object
    (api.scryfall.com/bulk-data/...) names the file and its date; any other URL is the file itself
    (date unknown here: see cards.importers.freshness for dates in file names).
    """
    parsed = urlparse(url)
    if parsed.path.startswith("/bulk-data/"):  # api.scryfall.com/bulk-data/default-cards (or a mirror of it)
        response = requests.get(url, timeout=TIMEOUT, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
        response.raise_for_status()
        body = response.json()
        updated_at = None
        if isinstance(body.get("updated_at"), str):
            updated_at = datetime.fromisoformat(body["updated_at"].replace("Z", "+00:00"))
            updated_at = updated_at if updated_at.tzinfo else updated_at.replace(tzinfo=UTC)
        return body["download_uri"], updated_at
    return url, None


@contextlib.contextmanager
def local_copy(path_or_url: str, progress: Callable[[int, int], None] | None = None) -> Iterator[Path]:
    """Yield a local path: the file itself, or a downloaded temporary copy removed afterwards.

    `progress` is called per downloaded chunk with (bytes so far, Content-Length or 0).
    """
    if not is_url(path_or_url):
        yield Path(path_or_url)
        return
    suffix = "".join(Path(urlparse(path_or_url).path).suffixes[-2:]) or ".json"
    handle, name = tempfile.mkstemp(prefix="bazaar-import-", suffix=suffix)
    try:
        with (
            os.fdopen(handle, "wb") as out,
            requests.get(path_or_url, stream=True, timeout=TIMEOUT, headers={"User-Agent": USER_AGENT}) as response,
        ):
            response.raise_for_status()
            total, done = int(response.headers.get("Content-Length") or 0), 0
            for chunk in response.iter_content(chunk_size=1 << 20):
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        yield Path(name)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)
