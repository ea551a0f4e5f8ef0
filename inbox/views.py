"""The in-app inbox page, for every signed-in user: their own messages, newest first."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.mobile import mobile_login_required, mobile_page

from .selectors import inbox_for
from .services import message_mark_read


@mobile_login_required
def inbox(request):
    messages = inbox_for(user=request.user).order_by("-created_at", "-pk")
    page = Paginator(messages, 30).get_page(request.GET.get("page"))
    # The phone navigation's figures (the unread badge, the staff link) come from mobile_page.
    return mobile_page(request, "inbox/list.html", {"page": page})


@mobile_login_required
@require_POST
def mark_read(request, pk):
    message = get_object_or_404(inbox_for(user=request.user), pk=pk)
    message_mark_read(actor=request.user, message=message)
    target = message.url if message.url and url_has_allowed_host_and_scheme(
        message.url, allowed_hosts={request.get_host()}) else None
    return redirect(target or "inbox:list")
