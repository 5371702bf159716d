"""Admin is for staff with two-factor authentication, reached through allauth's login.

allauth's `secure_admin_login` routes the admin login through allauth (so its rate limits
and MFA stage apply). On top of that, admin refuses staff who have not enrolled TOTP.
"""

from allauth.account.decorators import secure_admin_login
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.admin import AdminSite
from django.shortcuts import render


def staff_has_mfa(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and is_mfa_enabled(user, types=[Authenticator.Type.TOTP])
    )


def install_admin_security(site: AdminSite) -> None:
    original_login = site.login
    secured_login = secure_admin_login(original_login)

    def has_permission(request) -> bool:
        return staff_has_mfa(request.user)

    def login(request, extra_context=None):
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not staff_has_mfa(user):
            return render(request, "accounts/admin_mfa_required.html", status=403)
        return secured_login(request, extra_context=extra_context)

    site.has_permission = has_permission
    site.login = login
    site.site_header = "Bazaar staff"
    site.site_title = "Bazaar staff"
    site.index_title = "Operations"
