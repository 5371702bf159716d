"""Trades' services in one import (`from trades import services`): proposals, messaging, trades, reviews."""

from .messaging import message_send, system_message_post, thread_group, thread_mark_read, thread_open
from .proposals import (
    proposal_accept,
    proposal_cancel,
    proposal_counter,
    proposal_create,
    proposal_decline,
    proposal_expire,
    proposal_mark_completed,
    proposal_mark_viewed,
    proposals_expire_due,
)
from .reviews import review_create
from .trades import (
    reputation_stats,
    reputation_sync,
    trade_cancel,
    trade_complete,
    trade_confirm,
    trade_request_cancel,
    trade_withdraw_cancel,
)

__all__ = [
    "message_send",
    "proposal_accept",
    "proposal_cancel",
    "proposal_counter",
    "proposal_create",
    "proposal_decline",
    "proposal_expire",
    "proposal_mark_completed",
    "proposal_mark_viewed",
    "proposals_expire_due",
    "reputation_stats",
    "reputation_sync",
    "review_create",
    "system_message_post",
    "thread_group",
    "thread_mark_read",
    "thread_open",
    "trade_cancel",
    "trade_complete",
    "trade_confirm",
    "trade_request_cancel",
    "trade_withdraw_cancel",
]
