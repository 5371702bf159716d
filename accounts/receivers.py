"""Hooks into allauth and django.contrib.auth (third-party apps, so signals are the way in):
email verification counts toward reputation (+10), so score and tier follow verification
changes at once; logging out and password changes close open websockets."""

from allauth.account.signals import (
    email_changed,
    email_confirmed,
    email_removed,
    password_changed,
    password_reset,
    password_set,
)
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from core.websocket import close_session_sockets, close_user_sockets

from .services import reputation_recompute


@receiver(email_confirmed, dispatch_uid="accounts.reputation_on_email_confirmed")
def recompute_on_email_confirmed(sender, request, email_address, **kwargs):
    reputation_recompute(user=email_address.user)


@receiver(email_changed, dispatch_uid="accounts.reputation_on_email_changed")
@receiver(email_removed, dispatch_uid="accounts.reputation_on_email_removed")
def recompute_on_email_change(sender, request, user, **kwargs):
    reputation_recompute(user=user)


# --- open websockets end with the session (core.websocket) -------------------------------------
# A socket authenticates once, when it connects; without these it would keep receiving pushes
# after its session ended.


@receiver(user_logged_out, dispatch_uid="accounts.close_sockets_on_logout")
def close_sockets_on_logout(sender, request, user, **kwargs):
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        close_session_sockets(session_key=session_key)


@receiver(password_changed, dispatch_uid="accounts.close_sockets_on_password_changed")
@receiver(password_set, dispatch_uid="accounts.close_sockets_on_password_set")
@receiver(password_reset, dispatch_uid="accounts.close_sockets_on_password_reset")
def close_sockets_on_password_change(sender, request, user, **kwargs):
    close_user_sockets(user_id=user.pk)
