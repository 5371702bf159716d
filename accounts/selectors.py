"""Reads for accounts: profiles, API tokens, the dashboard and its accounts panel."""

from decimal import Decimal

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.functions import Now
from django.http import Http404
from django.utils.module_loading import import_string

from .admin_site import staff_has_mfa
from .models import ApiToken, User, UserReputation
from .reputation import next_tier, tier_threshold


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


def profile_get(*, username: str) -> User:
    """An active user's public profile (reputation joined in); unknown or inactive → 404."""
    user = User.objects.select_related("reputation").filter(username=username, is_active=True).first()
    if user is None:
        raise Http404("No such trader.")
    return user


def profile_panels(*, profile_user: User, viewer) -> list[dict]:
    """Panels other apps add to the public profile (settings.PROFILE_PANELS), like the dashboard."""
    panels = []
    for path in getattr(settings, "PROFILE_PANELS", []):
        panel = import_string(path)(profile_user=profile_user, viewer=viewer)
        if panel:
            panels.append(panel)
    return panels


def tier_progress(reputation: UserReputation) -> dict:
    """Where the score sits between this tier's threshold and the next one's."""
    upcoming = next_tier(reputation.reputation_tier)
    if upcoming is None:
        return {"next_tier": None, "points_to_next": Decimal(0), "percent": 100}
    tier, threshold = upcoming
    floor = tier_threshold(reputation.reputation_tier)
    span = Decimal(threshold - floor)
    done = max(Decimal(0), reputation.reputation_score - floor)
    return {
        "next_tier": tier,
        "next_threshold": threshold,
        "points_to_next": max(Decimal(0), Decimal(threshold) - reputation.reputation_score),
        "percent": min(100, int(done / span * 100)),
    }


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still exist for them (revoked ones are gone from their view)."""
    expired = Q(expires_at__isnull=False) & Q(expires_at__lte=Now())
    return (
        ApiToken.objects.filter(user=user, revoked_at__isnull=True)
        .annotate(is_expired=ExpressionWrapper(expired, output_field=BooleanField()))
        .order_by("-created_at", "-pk")
    )


def access_api_token(*, user: User, pk: int, queryset: QuerySet[ApiToken] | None = None) -> ApiToken:
    """One of the user's own active tokens; anyone else's (or a revoked one) is a 404."""
    token = (queryset if queryset is not None else ApiToken.objects.all()).filter(user=user, pk=pk).first()
    if token is None or token.revoked_at is not None:
        raise Http404("No such token.")
    return token


def reputation_of(*, user: User) -> UserReputation:
    """The user's reputation, or the starting values (unsaved) for a user without a row yet.

    A read never creates the row: `accounts.services.reputation_get` does, on a write path.
    """
    return UserReputation.objects.filter(user_id=user.pk).first() or UserReputation(user=user)


def dashboard_panel(*, user: User) -> dict | None:
    """Reputation at a glance, plus prompts for what makes matching work (location)."""
    reputation = reputation_of(user=user)
    prompts = []
    if not user.has_location:
        prompts.append(
            {
                "text": "Set your location so we can find traders and stores near you.",
                "url_name": "accounts:settings",
                "anchor": "#location",
            }
        )
    if user.is_staff and not staff_has_mfa(user):
        prompts.append(
            {
                "text": "Staff: set up an authenticator app before using the admin.",
                "url_name": "mfa_activate_totp",
                "anchor": "",
            }
        )
    return {
        "template": "accounts/partials/_dashboard_panel.html",
        "reputation": reputation,
        "progress": tier_progress(reputation),
        "prompts": prompts,
    }
