import requests
from django.core.management.base import BaseCommand, CommandError

from cards.importers import mtgjson_prices_import
from cards.importers.download import local_copy
from cards.importers.progress import TerminalProgress


class Command(BaseCommand):
    help = "Import MTGJSON AllPricesToday (path or URL), matching cards via an MTGJSON identifiers file."

    def add_arguments(self, parser):
        parser.add_argument("prices", help="AllPricesToday.json path or URL (.gz/.bz2/.xz ok)")
        parser.add_argument(
            "--identifiers",
            help="AllIdentifiers, AllPrintings or a single-set file (e.g. 2XM.json), path or URL (.gz/.bz2/.xz ok); "
            "without it, uuids kept from earlier imports",
        )
        parser.add_argument("--no-live", action="store_true", help="do not publish live price ticks")

    def handle(self, *args, prices, identifiers=None, no_live=False, **options):
        downloading, importing = TerminalProgress(self.stderr, "download"), TerminalProgress(self.stderr, "import")
        try:
            with local_copy(prices, progress=downloading) as prices_path:
                downloading.close()
                if identifiers:
                    with local_copy(identifiers, progress=downloading) as identifiers_path:
                        downloading.close()
                        report = mtgjson_prices_import(
                            prices_path=prices_path,
                            identifiers_path=identifiers_path,
                            publish=not no_live,
                            source_name=prices,
                            progress=importing,
                        )
                else:
                    report = mtgjson_prices_import(
                        prices_path=prices_path, publish=not no_live, source_name=prices, progress=importing
                    )
                importing.close()
        except requests.RequestException as error:
            raise CommandError(f"could not fetch: {error}") from error
        for line in report.lines():
            self.stdout.write(line)
        if not report.is_ok:
            raise CommandError("import finished with file errors (whole records before the error were kept)")
