def dashboard_panel(*, user) -> dict | None:
    """Trades' panel on the signed-in home page (None: nothing to show)."""
    return None
