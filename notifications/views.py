"""The inbox pages. Thin: selectors read (404 for others' notifications), services write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from alliance import roles
from notifications import selectors, services
from notifications.forms import PreferencesForm

INBOX_PAGE_SIZE = 20


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.list_notifications(user=request.user), INBOX_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread_count": selectors.count_unread(user=request.user)},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.get_notification(user=request.user, notification_id=pk)
    services.mark_read(user=request.user, notification_id=notification.pk)
    target = notification.url
    # Only follow links inside this site: a stored URL must never become an open redirect.
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(user=request.user)
    if count:
        messages.success(request, _("已将 %(count)s 条通知标为已读。") % {"count": count})
    else:
        messages.info(request, _("没有未读通知。"))
    return redirect("notifications:inbox")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """通知设置: per kind, in-app and e-mail on or off, e-mail at once or in the daily digest."""
    current = selectors.list_preferences(user=request.user)
    form = PreferencesForm(request.POST or None, preferences=current)
    if request.method == "POST":
        if form.is_valid():
            services.update_preferences(user=request.user, preferences=form.preferences())
            messages.success(request, _("通知设置已保存。"))
            return redirect("notifications:preferences")
        return render(request, "notifications/preferences.html", {"form": form}, status=400)
    return render(request, "notifications/preferences.html", {"form": form})


@login_required
@require_GET
def failed_deliveries(request: HttpRequest) -> HttpResponse:
    """Park staff: deliveries given up on (a dead group robot, a refused address), with their last error."""
    if not roles.is_park_staff(request.user):
        raise PermissionDenied
    paginator = Paginator(selectors.list_failed_deliveries(user=request.user), INBOX_PAGE_SIZE)
    return render(request, "notifications/failed.html", {"page": paginator.get_page(request.GET.get("page"))})
