from django import template

from notifications.selectors import nav_badge_counts_for_request

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_badges(context) -> dict[str, int]:
    """Unread counts for the signed-in nav (one small indexed count per badge, settings.NAV_BADGES),
    read once per request."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {}
    return nav_badge_counts_for_request(user=user)
