"""Fill the database with demo data: every app adds its part in dependency order. Idempotent."""

from importlib import import_module

from django.core.management.base import BaseCommand

SEED_ORDER = ["accounts", "cards", "lists", "trades", "notifications", "signals", "stores", "escrow"]


class Command(BaseCommand):
    help = "Seed demo data (users, catalog with price history, lists, trades). Safe to run twice."

    def handle(self, *args, **options):
        for app in SEED_ORDER:
            self.stdout.write(f"Seeding {app}…")
            import_module(f"{app}.demo").seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
