"""Create dj-stripe's API key and webhook endpoint rows from STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET."""

from django.core.management.base import BaseCommand

from escrow.setup import stripe_setup


class Command(BaseCommand):
    help = "Idempotent: store the Stripe key and webhook secret for dj-stripe and print the webhook URL."

    def add_arguments(self, parser):
        parser.add_argument("--site-url", default=None, help="Public base URL (default: SITE_URL).")

    def handle(self, *args, site_url, **options):
        result = stripe_setup(site_url=site_url)
        what = "created" if result["endpoint_created"] else "up to date"
        self.stdout.write(
            f"Stripe API key {'stored' if result['api_key_created'] else 'already stored'}; webhook endpoint {what}."
        )
        self.stdout.write(f"Webhook URL (register it in Stripe for all events, Connect included): {result['url']}")
