"""Row locks for proposals, trades and reputations.

Lock order, when more than one: proposal, then trade, then the have rows a trade moves (by id,
lists.services.reservations), then the want rows it fills (receivers by user id, rows by id),
then reputations by user id. List edits lock only their own have rows (by id).
"""

from .models import Trade, TradeProposal


def proposal_for_update(*, proposal_id: int) -> TradeProposal:
    """The proposal, locked until the surrounding transaction ends (raises DoesNotExist)."""
    return TradeProposal.objects.select_for_update().get(pk=proposal_id)


def trade_for_update(*, trade_id: int) -> Trade:
    return Trade.objects.select_for_update().get(pk=trade_id)


def reputations_for_update(*, user_ids: list[int]) -> list:
    """Lock the users' reputation rows in user-id order before aggregating their trade stats.

    Without this, two trades of one user completing at once could each aggregate before the
    other commits and write a count that misses one of them.
    """
    from accounts.models import UserReputation

    return list(UserReputation.objects.select_for_update().filter(user_id__in=user_ids).order_by("user_id"))
