"""dj-stripe's rows for our Stripe account: what `stripe_setup` and `make demo` run (idempotent)."""

import uuid

from django.conf import settings
from django.db import transaction
from django.urls import reverse

# The endpoint's id and URL are derived from the webhook secret, so re-running changes nothing
# and the demo's emulator can be told the URL before the web server starts.
WEBHOOK_NAMESPACE = uuid.UUID("6f1c2a8e-8f3b-4a4e-9d55-0b6c1f0e7a10")


def webhook_uuid() -> uuid.UUID:
    return uuid.uuid5(WEBHOOK_NAMESPACE, settings.STRIPE_WEBHOOK_SECRET)


def webhook_path() -> str:
    return reverse("djstripe:djstripe_webhook_by_uuid", kwargs={"uuid": webhook_uuid()})


@transaction.atomic
def stripe_setup(*, site_url: str | None = None) -> dict:
    """APIKey (fetches the account from Stripe, as dj-stripe does) + WebhookEndpoint with our secret."""
    from djstripe.models import APIKey, WebhookEndpoint

    key, key_created = APIKey.objects.get_or_create_by_api_key(settings.STRIPE_SECRET_KEY)
    if key.djstripe_owner_account_id is None:
        key.refresh_account()
    url = (site_url or settings.SITE_URL).rstrip("/") + webhook_path()
    endpoint_id = f"we_bazaar_{webhook_uuid().hex[:20]}"
    endpoint, endpoint_created = WebhookEndpoint.objects.update_or_create(
        djstripe_uuid=webhook_uuid(),
        defaults={
            "id": endpoint_id,
            "url": url,
            "secret": settings.STRIPE_WEBHOOK_SECRET,
            "enabled_events": ["*"],
            "status": "enabled",
            "livemode": settings.STRIPE_LIVE_MODE,
            "api_version": "",
        },
    )
    return {"url": url, "api_key_created": key_created, "endpoint_created": endpoint_created, "endpoint": endpoint}
