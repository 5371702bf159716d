"""Trades' reads in one import (`from trades import selectors`): matches, proposals, threads, trades."""

from trades.enums import PROPOSAL_OPEN_STATUSES, TradeStatus

from .matches import (
    Match,
    MatchLine,
    bounding_box,
    condition_satisfies,
    haversine_km,
    matches_for,
)
from .proposals import (
    PickableItem,
    ProposalActions,
    ProposalFormData,
    access_proposal,
    current_prices,
    offered_printings,
    proposal_actions,
    proposal_chain,
    proposal_current_values,
    proposal_list,
    proposal_pickable_items,
    proposal_side_totals,
    with_line_values,
)
from .threads import (
    access_thread,
    nav_badges,
    thread_context,
    thread_last_read_at,
    thread_list,
    thread_messages,
    thread_unread_count,
)
from .trades import (
    access_trade,
    profile_panel,
    trade_list,
    trade_panels,
    trade_view_for,
    trades_index_counts,
)


def dashboard_panel(*, user) -> dict | None:
    """Trades' panel on the signed-in home page: proposals awaiting my answer and my active trades."""
    from django.db.models import Q

    from trades.models import Trade, TradeProposal

    needs_action = list(
        TradeProposal.objects.filter(recipient=user, status__in=PROPOSAL_OPEN_STATUSES)
        .select_related("proposer")
        .order_by("-created_at")[:5]
    )
    active_trades = list(
        Trade.objects.filter(Q(party_a=user) | Q(party_b=user), status=TradeStatus.ACTIVE)
        .select_related("party_a", "party_b")
        .order_by("-created_at")[:5]
    )
    if not needs_action and not active_trades:
        return None
    return {
        "template": "trades/partials/_dashboard_panel.html",
        "needs_action": needs_action,
        "active_trades": active_trades,
    }


__all__ = [
    "Match",
    "MatchLine",
    "PickableItem",
    "ProposalActions",
    "ProposalFormData",
    "access_proposal",
    "access_thread",
    "access_trade",
    "bounding_box",
    "condition_satisfies",
    "current_prices",
    "dashboard_panel",
    "haversine_km",
    "matches_for",
    "nav_badges",
    "offered_printings",
    "profile_panel",
    "proposal_actions",
    "proposal_chain",
    "proposal_current_values",
    "proposal_list",
    "proposal_pickable_items",
    "proposal_side_totals",
    "thread_context",
    "thread_last_read_at",
    "thread_list",
    "thread_messages",
    "thread_unread_count",
    "trade_list",
    "trade_panels",
    "trade_view_for",
    "trades_index_counts",
    "with_line_values",
]
