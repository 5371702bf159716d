from django.conf import settings
from django.utils.module_loading import import_string

from .models import User


def dashboard_for(*, user: User) -> dict:
    """Context for the signed-in home page: one panel per app (settings.DASHBOARD_PANELS).

    Each provider is `f(*, user) -> {"template": str, **context} | None`.
    """
    panels = []
    for path in settings.DASHBOARD_PANELS:
        panel = import_string(path)(user=user)
        if panel:
            panels.append(panel)
    return {"dashboard_panels": panels}


def dashboard_panel(*, user) -> dict | None:
    """This app's panel on the signed-in home page (None: nothing to show)."""
    return None
