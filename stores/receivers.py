"""Want lists feed nearby stores' buylist demand: a change queues a debounced recompute.

Many edits within DEBOUNCE_SECONDS give one recompute per store (services.buylist).
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from lists.models import ListSettings, WantItem


def _queue(user_id: int) -> None:
    from .tasks import recompute_buylists_near_user

    transaction.on_commit(lambda: recompute_buylists_near_user.delay(user_id))


@receiver(post_save, sender=WantItem, dispatch_uid="stores-want-saved")
@receiver(post_delete, sender=WantItem, dispatch_uid="stores-want-deleted")
def want_changed(sender, instance, **kwargs):
    _queue(instance.owner_id)


@receiver(post_save, sender=ListSettings, dispatch_uid="stores-list-settings-saved")
def list_settings_changed(sender, instance, **kwargs):
    _queue(instance.user_id)
