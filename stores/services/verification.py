"""The verification state machine: pending → verified | rejected; rejected → pending (resubmitted).

`transition` is the only place a store's status changes; it also keeps
`User.business_verified` equal to "the store is verified" (nothing else writes that field).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import DomainError, InvalidTransition
from stores.enums import ALLOWED_STATUS_TRANSITIONS, StoreStatus
from stores.models import LGSProfile, StoreStatusEvent

MAX_REASON = 2000


@transaction.atomic
def transition(*, store_id: int, to_status: str, actor: User | None, note: str = "") -> LGSProfile:
    store = LGSProfile.objects.select_for_update().select_related("user").get(pk=store_id)
    from_status = store.status
    if to_status not in ALLOWED_STATUS_TRANSITIONS.get(from_status, set()):
        raise InvalidTransition(
            f"A {store.get_status_display().lower()} store cannot become {StoreStatus(to_status).label.lower()}."
        )
    store.status = to_status
    store.status_changed_at = timezone.now()
    store.rejection_reason = note if to_status == StoreStatus.REJECTED else ""
    store.save(update_fields=["status", "status_changed_at", "rejection_reason", "updated_at"])
    verified = to_status == StoreStatus.VERIFIED
    if store.user.business_verified != verified:
        User.objects.filter(pk=store.pk).update(business_verified=verified)
        store.user.business_verified = verified
    event = StoreStatusEvent.objects.create(
        store=store, actor=actor, from_status=from_status, to_status=to_status, note=note
    )
    if to_status in (StoreStatus.VERIFIED, StoreStatus.REJECTED):
        from stores.tasks import send_store_status_email

        transaction.on_commit(lambda: send_store_status_email.delay(event.pk))
    return store


def store_verify(*, store_id: int, acting_user: User) -> LGSProfile:
    return transition(store_id=store_id, to_status=StoreStatus.VERIFIED, actor=acting_user, note="Verified")


def store_reject(*, store_id: int, acting_user: User, reason: str) -> LGSProfile:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason; the owner reads it and fixes the profile.", field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(f"Keep the reason under {MAX_REASON} characters.", field="reason")
    return transition(store_id=store_id, to_status=StoreStatus.REJECTED, actor=acting_user, note=reason)


def store_status_email_send(*, event_id: int) -> bool:
    """Email the owner the outcome of the review. Sent once per event."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    if not StoreStatusEvent.objects.filter(pk=event_id, emailed_at__isnull=True).update(emailed_at=timezone.now()):
        return False  # sent already (a redelivered task)
    event = StoreStatusEvent.objects.select_related("store__user").get(pk=event_id)
    if not event.store.user.email:
        return False
    context = {"event": event, "store": event.store, "site_url": settings.SITE_URL}
    subject = (
        f"[Bazaar] {event.store.store_name} is verified"
        if event.to_status == StoreStatus.VERIFIED
        else f"[Bazaar] {event.store.store_name} needs changes before it is listed"
    )
    try:
        send_mail(
            subject=subject,
            message=render_to_string("stores/email/status.txt", context),
            from_email=None,
            recipient_list=[event.store.user.email],
        )
    except Exception:
        StoreStatusEvent.objects.filter(pk=event_id).update(emailed_at=None)  # let the retry send it
        raise
    return True
