from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from core.errors import DomainError

from .forms import ApiTokenForm, SettingsForm
from .selectors import api_token_list, profile_get, profile_panels, settings_panels
from .services import api_token_create, api_token_revoke, reputation_get, user_update_settings


@require_safe
def profile(request, username: str):
    profile_user = profile_get(username=username)
    reputation = getattr(profile_user, "reputation", None) or reputation_get(user=profile_user)
    context = {
        "profile_user": profile_user,
        "reputation": reputation,
        "panels": profile_panels(profile_user=profile_user, viewer=request.user),
    }
    return render(request, "accounts/profile.html", context)


def _settings_initial(user) -> dict:
    fields = ["username", "country", "postal_code", "latitude", "longitude", "trade_radius_km", "match_with_stores"]
    fields += ["shipping_address"]
    return {field: getattr(user, field) for field in fields}


def _render_settings(request, *, form=None, token_form=None, new_token=None, status=200):
    context = {
        "form": form or SettingsForm(initial=_settings_initial(request.user)),
        "token_form": token_form or ApiTokenForm(),
        "tokens": api_token_list(user=request.user),
        "new_token": new_token,
        "panels": settings_panels(user=request.user),
    }
    template = "accounts/partials/_api_tokens.html" if request.htmx and token_form else "accounts/settings.html"
    return render(request, template, context, status=status)


@never_cache
@login_required
def settings_page(request):
    if request.method != "POST":
        return _render_settings(request)
    form = SettingsForm(request.POST)
    if form.is_valid():
        try:
            user_update_settings(user=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, "Settings saved.")
            return redirect("accounts:settings")
    return _render_settings(request, form=form, status=422)


@never_cache
@login_required
@require_POST
def token_create(request):
    token_form = ApiTokenForm(request.POST)
    if token_form.is_valid():
        try:
            token, raw = api_token_create(user=request.user, **token_form.cleaned_data)
        except DomainError as error:
            token_form.add_error(error.field, error.message)
        else:
            return _render_settings(request, token_form=ApiTokenForm(), new_token={"token": token, "raw": raw})
    return _render_settings(request, token_form=token_form, status=422)


@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = api_token_revoke(user=request.user, token_id=token_id)
    if request.htmx:
        return _render_settings(request, token_form=ApiTokenForm())
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("accounts:settings")
