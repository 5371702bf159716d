"""Payout onboarding and Checkout are forms whose POST redirects to Stripe's hosted pages: the
signed-in pages that carry them allow exactly those origins as form targets, nothing more."""

import pytest
from django.conf import settings

from accounts.tests.factories import UserFactory


def _form_action(response) -> list[str]:
    policy = response["Content-Security-Policy"]
    for directive in policy.split(";"):
        name, *sources = directive.split()
        if name == "form-action":
            return sources
    raise AssertionError(f"no form-action in {policy!r}")


@pytest.mark.django_db
def test_signed_in_pages_may_post_through_to_the_emulators_hosted_pages(client, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:45123/"
    client.force_login(UserFactory())
    assert _form_action(client.get("/settings/")) == ["'self'", "http://127.0.0.1:45123"]


@pytest.mark.django_db
def test_with_real_stripe_the_hosted_pages_are_stripes_own(client, settings):
    settings.STRIPE_API_BASE = ""
    client.force_login(UserFactory())
    assert _form_action(client.get("/settings/")) == [
        "'self'",
        "https://connect.stripe.com",
        "https://checkout.stripe.com",
    ]


@pytest.mark.django_db
def test_anonymous_pages_post_only_to_the_site_itself(client):
    assert settings.STRIPE_API_BASE is not None
    assert _form_action(client.get("/")) == ["'self'"]
