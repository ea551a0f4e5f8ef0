"""The in-app inbox page, for every signed-in user: their own messages, newest first."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.scopes import resolve_scope

from .selectors import inbox_for
from .services import message_mark_read

LOGIN_URL = reverse_lazy("sc:login")


@login_required(login_url=LOGIN_URL)
def inbox(request):
    messages = inbox_for(user=request.user).order_by("-created_at", "-pk")
    page = Paginator(messages, 30).get_page(request.GET.get("page"))
    scope = resolve_scope(request.user)
    return render(request, "inbox/list.html", {
        "page": page,
        "nav_unread": messages.filter(read_at__isnull=True).count(),
        "nav_staff": bool(scope.center_ids) or scope.read_all,
    })


@login_required(login_url=LOGIN_URL)
@require_POST
def mark_read(request, pk):
    message = get_object_or_404(inbox_for(user=request.user), pk=pk)
    message_mark_read(actor=request.user, message=message)
    target = message.url if message.url and url_has_allowed_host_and_scheme(
        message.url, allowed_hosts={request.get_host()}) else None
    return redirect(target or "inbox:list")
