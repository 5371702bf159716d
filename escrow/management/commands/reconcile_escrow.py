"""Compare our escrow ledger with Stripe's charges, transfers, refunds and chargebacks."""

import sys

from django.core.management.base import BaseCommand

from escrow.reconcile import reconcile


class Command(BaseCommand):
    help = "Print every difference between the escrow ledger and Stripe's objects; exit 1 when there is any."

    def add_arguments(self, parser):
        parser.add_argument("escrow_ids", nargs="*", type=int, help="Only these escrows (default: all).")

    def handle(self, *args, escrow_ids, **options):
        diffs = reconcile(escrow_ids=escrow_ids or None)
        for diff in diffs:
            self.stdout.write(str(diff))
        if diffs:
            self.stderr.write(f"{len(diffs)} difference(s) between the escrow ledger and Stripe.")
            sys.exit(1)
        self.stdout.write("The escrow ledger matches Stripe.")
