from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_otp import login as otp_login

from core.errors import PermissionDenied, ValidationError
from core.forms import add_service_error

from . import services
from .scopes import requires_second_factor
from .selectors import has_second_factor


# --- the second factor -------------------------------------------------------------------------------------------

staff_sign_in_required = login_required(login_url=reverse_lazy("admin:login"))


class CodeForm(forms.Form):
    code = forms.CharField(
        label=pgettext_lazy("one-time code", "Code"), max_length=32, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True,
                                      "autocapitalize": "none", "spellcheck": "false"}))


def _with_next(name, request):
    return f"{reverse(name)}?{urlencode({'next': _next(request)})}"


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = ""
    return target or reverse("home")


def _page(request, template, context, status=200):
    context.update(site_header=settings.PORTAL_NAME, site_title=settings.PORTAL_NAME, has_permission=False,
                   is_nav_sidebar_enabled=False, next=_next(request))
    return render(request, template, context, status=status)


@staff_sign_in_required
def second_factor_setup(request):
    """Set up the authenticator app: scan the QR code (or type the key), enter the code it shows; then the
    recovery codes are shown, once."""
    if not requires_second_factor(request.user):
        return redirect(_next(request))
    if has_second_factor(user=request.user):
        return redirect(_with_next("accounts:second-factor-verify", request))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.second_factor_confirm(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            otp_login(request, device)
            return _page(request, "accounts/second_factor_codes.html", {
                "title": _("Recovery codes"), "codes": codes})
    if request.method == "POST":
        status = 400
    try:
        device = services.second_factor_begin(user=request.user)
    except PermissionDenied:  # confirmed meanwhile
        return redirect(_with_next("accounts:second-factor-verify", request))
    qr = segno.make(device.config_url, error="m")
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return _page(request, "accounts/second_factor_setup.html", {
        "title": _("Set up two-factor sign-in"), "form": form,
        "qr_svg": mark_safe(qr.svg_inline(scale=5, border=2, title=_("QR code for the authenticator app"))),
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    }, status=status)


@staff_sign_in_required
def second_factor_verify(request):
    """Enter the authenticator app's code (or a recovery code) to finish signing in."""
    if not has_second_factor(user=request.user):
        if requires_second_factor(request.user):
            return redirect(_with_next("accounts:second-factor-setup", request))
        return redirect(_next(request))
    if getattr(request.user, "is_verified", lambda: False)():
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                device = services.second_factor_check(user=request.user, code=form.cleaned_data["code"])
            except ValidationError as exc:
                add_service_error(form, exc)
                status = 429 if "throttled" in services.refusal_reasons(exc) else 400
            else:
                otp_login(request, device)
                return redirect(_next(request))
    return _page(request, "accounts/second_factor_verify.html", {
        "title": _("Two-factor sign-in"), "form": form,
    }, status=status)
