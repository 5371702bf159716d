from trades.enums import PROPOSAL_OPEN_STATUSES, TradeStatus


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
