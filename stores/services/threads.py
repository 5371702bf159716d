"""Store ↔ trader conversations (decision 0019): quotes sent, store messages to matches, replies,
blocks and reports."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, DomainError, NotAllowed
from stores.models import (
    LGSProfile,
    StoreBlock,
    StoreMessage,
    StoreMessageKind,
    StoreMessageReport,
    StoreThread,
)

MAX_BODY = 2000


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"


def _clean_body(body: str, *, required: bool = True) -> str:
    body = (body or "").strip()
    if required and not body:
        raise DomainError("Write a message.", field="body")
    if len(body) > MAX_BODY:
        raise DomainError(f"At most {MAX_BODY} characters.", field="body")
    return body


def _thread(*, store: LGSProfile, trader) -> StoreThread:
    thread, _created = StoreThread.objects.get_or_create(store=store, trader=trader)
    StoreThread.objects.filter(pk=thread.pk).update(updated_at=timezone.now())
    return thread


@transaction.atomic
def quote_send(*, store: LGSProfile, trader, body: str = "") -> StoreThread:
    """The trader sends the store its quote for their haves (a snapshot of the lines and totals)."""
    from stores.matches import quote_for

    if store.user_id == trader.pk:
        raise NotAllowed("This is your own store.")
    if not store.offers_buylist:
        raise NotAllowed("This store does not run a buylist.")
    quote = quote_for(store=store, user=trader)
    if not quote.lines:
        raise Conflict("The store buys none of your haves: there is nothing to send.", code="empty_quote")
    thread = _thread(store=store, trader=trader)
    StoreMessage.objects.create(
        thread=thread,
        sender=trader,
        kind=StoreMessageKind.QUOTE,
        body=_clean_body(body, required=False),
        quote=quote.as_dict(),
    )
    return thread


@transaction.atomic
def match_message(*, store: LGSProfile, username: str, body: str) -> StoreThread:
    """The store messages one of its matches; at most STORE_MATCH_MESSAGES_PER_HOUR an hour."""
    from stores.matches import access_match

    body = _clean_body(body)
    locked = LGSProfile.objects.select_for_update().get(pk=store.pk)  # one count at a time per store
    match = access_match(store=locked, username=username)
    since = timezone.now() - timedelta(hours=1)
    sent = StoreMessage.objects.filter(
        thread__store=locked, sender_id=locked.user_id, kind=StoreMessageKind.MESSAGE, created_at__gte=since
    ).count()
    if sent >= settings.STORE_MATCH_MESSAGES_PER_HOUR:
        raise RateLimited(
            f"At most {settings.STORE_MATCH_MESSAGES_PER_HOUR} messages to matches an hour; try again later."
        )
    from accounts.models import User

    thread = _thread(store=locked, trader=User.objects.get(pk=match.user_id))
    StoreMessage.objects.create(thread=thread, sender_id=locked.user_id, body=body)
    return thread


@transaction.atomic
def thread_reply(*, thread: StoreThread, user, body: str) -> StoreMessage:
    body = _clean_body(body)
    if user.pk == thread.store.user_id:
        if StoreBlock.objects.filter(store=thread.store, trader=thread.trader).exists():
            raise NotAllowed("This trader blocked your store.")
        if (
            StoreMessage.objects.filter(
                thread__store=thread.store, sender=user, created_at__gte=timezone.now() - timedelta(hours=1)
            ).count()
            >= settings.STORE_MATCH_MESSAGES_PER_HOUR
        ):
            raise RateLimited("Too many messages this hour; try again later.")
    StoreThread.objects.filter(pk=thread.pk).update(updated_at=timezone.now())
    return StoreMessage.objects.create(thread=thread, sender=user, body=body)


def store_block(*, trader, store: LGSProfile) -> StoreBlock:
    if store.user_id == trader.pk:
        raise DomainError("You cannot block your own store.")
    block, _created = StoreBlock.objects.get_or_create(trader=trader, store=store)
    return block


def store_unblock(*, trader, store: LGSProfile) -> None:
    StoreBlock.objects.filter(trader=trader, store=store).delete()


def message_report(*, message: StoreMessage, reporter, reason: str) -> StoreMessageReport:
    """The trader reports a message the store sent them; staff review reports in admin."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say what is wrong with this message.", field="reason")
    if len(reason) > 500:
        raise DomainError("At most 500 characters.", field="reason")
    if message.sender_id == reporter.pk:
        raise DomainError("You cannot report your own message.")
    report, created = StoreMessageReport.objects.get_or_create(
        message=message, reporter=reporter, defaults={"reason": reason}
    )
    if not created:
        raise Conflict("You already reported this message.")
    return report
