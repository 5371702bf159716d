from django.core.management.base import BaseCommand

from signals.evaluation import evaluation_run


class Command(BaseCommand):
    help = "Evaluate every signal whose target date has arrived and rebuild the leaderboard (the beat job, once)."

    def handle(self, *args, **options):
        result = evaluation_run()
        standings = ", ".join(f"{period}: {count}" for period, count in result["standings"].items())
        self.stdout.write(
            self.style.SUCCESS(f"Evaluated {result['evaluated']} signals. Leaderboard rows — {standings}.")
        )
