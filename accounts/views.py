from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .models import User


def profile(request, username: str):
    profile_user = get_object_or_404(User.objects.select_related("reputation"), username=username, is_active=True)
    return render(request, "accounts/profile.html", {"profile_user": profile_user})


@login_required
def settings_page(request):
    return render(request, "accounts/settings.html", {})
