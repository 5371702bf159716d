from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.pagination import page_of

from .enums import NotificationKind
from .selectors import access_notification, email_preferences_for, notification_list
from .services import notification_mark_read, notification_preferences_update, notifications_mark_all_read

PAGE_SIZE = 25


@login_required
def notification_center(request):
    unread_only = request.GET.get("show") == "unread"
    page = page_of(
        notification_list(user=request.user, unread_only=unread_only),
        per_page=PAGE_SIZE,
        page_number=request.GET.get("page"),
    )
    context = {"page": page, "unread_only": unread_only}
    template = "notifications/partials/_list.html" if request.htmx else "notifications/center.html"
    return render(request, template, context)


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one read and go where it points (or back to the center)."""
    notification = notification_mark_read(notification=access_notification(user=request.user, pk=pk))
    target = notification.url if request.POST.get("open") else ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    count = notifications_mark_all_read(user=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect("notifications:list")


@login_required
def notification_preferences(request):
    if request.method == "POST":
        chosen = {kind for kind in request.POST.getlist("email") if kind in NotificationKind.values}
        notification_preferences_update(user=request.user, email_kinds=chosen)
        messages.success(request, "Email preferences saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"preferences": email_preferences_for(user=request.user)})
