"""Hooks into allauth (a third-party app, so signals are the way in): email verification
counts toward reputation (+10), so score and tier follow verification changes at once."""

from allauth.account.signals import email_changed, email_confirmed, email_removed
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from .services import reputation_recompute, site_sync


@receiver(post_migrate, dispatch_uid="accounts.site_sync_after_migrate")
def sync_site_after_migrate(sender, app_config, **kwargs):
    """django.contrib.sites is a third-party app too: its row follows SITE_URL after each migrate."""
    if app_config.label == "accounts":
        site_sync()


@receiver(email_confirmed, dispatch_uid="accounts.reputation_on_email_confirmed")
def recompute_on_email_confirmed(sender, request, email_address, **kwargs):
    reputation_recompute(user=email_address.user)


@receiver(email_changed, dispatch_uid="accounts.reputation_on_email_changed")
@receiver(email_removed, dispatch_uid="accounts.reputation_on_email_removed")
def recompute_on_email_change(sender, request, user, **kwargs):
    reputation_recompute(user=user)
