from datetime import UTC, datetime

import requests
from django.core.management.base import BaseCommand, CommandError

from cards.importers import scryfall_import
from cards.importers.download import local_copy
from cards.importers.freshness import scryfall_source
from cards.importers.progress import TerminalProgress


class Command(BaseCommand):
    help = "Import a Scryfall bulk data file (default_cards JSON, a path or an URL); streamed, idempotent."

    def add_arguments(self, parser):
        parser.add_argument("source", help="path or http(s) URL of a default_cards JSON file (.gz/.bz2/.xz ok)")
        parser.add_argument(
            "--as-of",
            help="date or datetime of the file's data (default: the bulk metadata's updated_at for a "
            "bulk-data API URL, a date in the file name, else today 00:00 UTC with a warning)",
        )
        parser.add_argument("--no-live", action="store_true", help="do not publish live price ticks")

    def handle(self, *args, source, as_of=None, no_live=False, **options):
        moment = None
        if as_of:
            try:
                moment = datetime.fromisoformat(as_of)
            except ValueError:
                raise CommandError(f"--as-of must be an ISO date or datetime, got {as_of!r}") from None
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        downloading, importing = TerminalProgress(self.stderr, "download"), TerminalProgress(self.stderr, "import")
        try:
            url, moment, dated_by = scryfall_source(source, as_of=moment)
            with local_copy(url, progress=downloading) as path:
                downloading.close()
                report = scryfall_import(
                    path=path,
                    as_of=moment,
                    dated_by=dated_by,
                    source_name=source,
                    publish=not no_live,
                    progress=importing,
                )
                importing.close()
        except (requests.RequestException, KeyError, ValueError) as error:  # network: say so, no traceback
            raise CommandError(f"could not fetch {source}: {error}") from error
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
        for line in report.lines():
            self.stdout.write(line)
        if not report.is_ok:
            raise CommandError("import finished with file errors (whole records before the error were kept)")
