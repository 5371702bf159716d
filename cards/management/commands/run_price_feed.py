import threading

from django.core.management.base import BaseCommand

from cards.feed import DEFAULT_CARDS_PER_TICK, run_price_feed


class Command(BaseCommand):
    help = "DEMO ONLY: random-walk card prices every few seconds through the normal price service."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=3.0, help="seconds between steps (default 3)")
        parser.add_argument("--cards", type=int, default=DEFAULT_CARDS_PER_TICK, help="random prices moved per step")

    def handle(self, *args, interval, cards, **options):
        stop = threading.Event()
        try:
            run_price_feed(interval=interval, stop_event=stop, stdout=self.stdout, cards_per_tick=cards)
        except KeyboardInterrupt:
            stop.set()
