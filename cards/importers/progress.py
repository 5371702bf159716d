"""A one-line progress bar for long imports, drawn only when the output is a terminal.

Logs, pipes, Celery workers and tests get nothing from it (the import's report says what
happened); a person watching `make demo` or `import_scryfall` sees how far it is.
"""

from __future__ import annotations

import time

BAR_WIDTH = 30
REDRAW_EVERY_S = 0.2


def _megabytes(count: int) -> str:
    return f"{count / 1_000_000:,.1f} MB"


class TerminalProgress:
    """Call it with (done, total, detail); `total` 0 means unknown. `close()` ends the line."""

    def __init__(self, stream, label: str) -> None:
        self.stream, self.label = stream, label
        self.enabled = bool(getattr(stream, "isatty", None) and stream.isatty())
        self.drawn_at = 0.0
        self.line_open = False
        self.finished = False  # the whole file is read: the line is ended, the report says the rest

    def __call__(self, done: int, total: int, detail: str = "") -> None:
        now = time.monotonic()
        if not self.enabled or self.finished or (now - self.drawn_at < REDRAW_EVERY_S and done < total):
            return
        self.drawn_at = now
        if total > 0:
            share = min(1.0, done / total)
            filled = round(share * BAR_WIDTH)
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            text = f"{self.label} [{bar}] {share:4.0%} {_megabytes(done)} of {_megabytes(total)}"
        else:
            text = f"{self.label} {_megabytes(done)}"
        if detail:
            text += f", {detail}"
        self.finished = 0 < total <= done
        self._write(f"\r{text}\x1b[K" + ("\n" if self.finished else ""))
        self.line_open = not self.finished

    def close(self) -> None:
        if self.enabled and self.line_open:
            self._write("\n")
            self.line_open = False

    def _write(self, text: str) -> None:
        try:  # Django's OutputWrapper adds a line ending unless told not to
            self.stream.write(text, ending="")
        except TypeError:
            self.stream.write(text)
        self.stream.flush()
