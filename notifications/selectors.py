def dashboard_panel(*, user) -> dict | None:
    """This app's panel on the signed-in home page (None: nothing to show)."""
    return None
