"""Hooks into allauth (a third-party app, so signals are the way in): email verification
counts toward reputation (+10), so score and tier follow verification changes at once."""

from allauth.account.signals import email_changed, email_confirmed, email_removed
from django.dispatch import receiver

from .services import reputation_recompute


@receiver(email_confirmed, dispatch_uid="accounts.reputation_on_email_confirmed")
def recompute_on_email_confirmed(sender, request, email_address, **kwargs):
    reputation_recompute(user=email_address.user)


@receiver(email_changed, dispatch_uid="accounts.reputation_on_email_changed")
@receiver(email_removed, dispatch_uid="accounts.reputation_on_email_removed")
def recompute_on_email_change(sender, request, user, **kwargs):
    reputation_recompute(user=user)
