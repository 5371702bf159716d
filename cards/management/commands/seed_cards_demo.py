from django.core.management.base import BaseCommand

from cards import demo


class Command(BaseCommand):
    help = "Seed only the generated demo card catalog and price history (seed_demo does this and more)."

    def handle(self, *args, **options):
        demo.seed(self.stdout)
