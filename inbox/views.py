"""The in-app inbox page, for every signed-in user: their own messages, newest first; and how they want to be
reached (channels per topic, a phone confirmed by a code)."""

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ValidationError
from core.mobile import mobile_login_required, mobile_page

from . import kinds
from .selectors import inbox_for, pending_phone_code, preference_for
from .services import message_mark_read, phone_code_confirm, phone_code_request, phone_remove, preference_update


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


@mobile_login_required
def preferences(request):
    """Channels per topic (e-mail, SMS; the inbox always), the phone for SMS and its confirmation code."""
    errors, status = [], 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "channels":
                preference_update(actor=request.user, muted=[
                    f"{topic}:{channel}" for topic in kinds.TOPICS for channel in (kinds.EMAIL, kinds.SMS)
                    if request.POST.get(f"{topic}:{channel}") != "on"])
                flash.success(request, _("Your choices are saved."))
            elif action == "phone":
                phone_code_request(actor=request.user, phone=request.POST.get("phone", "")[:40])
                flash.success(request, _("A code is on its way by SMS. Enter it below."))
            elif action == "code":
                phone_code_confirm(actor=request.user, code=request.POST.get("code", "")[:20])
                flash.success(request, _("Your phone is confirmed: SMS will reach you there."))
            elif action == "remove_phone":
                phone_remove(actor=request.user)
                flash.success(request, _("Your phone was removed."))
            else:
                raise ValidationError({"__all__": [_("Unknown action.")]})
        except ValidationError as exc:
            errors, status = list(exc.messages), 400
        else:
            return redirect("inbox:preferences")
    preference = preference_for(user=request.user)
    rows = [{"topic": topic, "label": label,
             "email": preference.allows(topic, kinds.EMAIL), "sms": preference.allows(topic, kinds.SMS)}
            for topic, label in kinds.TOPICS.items() if topic != "account"]
    return mobile_page(request, "inbox/preferences.html", {
        "preference": preference, "rows": rows, "errors": errors,
        "masked_phone": preference.phone[:3] + "****" + preference.phone[-4:] if preference.phone else "",
        "code_pending": pending_phone_code(user=request.user),
    }, status=status)
