"""The second factor on the staff pages: a user who must sign in with one (accounts.scopes.requires_second_factor)
and has not passed it in this session is sent to set it up or to enter a code before the admin, the dashboard,
the assessment, member work, the inbox or the workbench. Needs django-otp's OTPMiddleware before it (user.is_verified)."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from .scopes import requires_second_factor
from .selectors import has_second_factor

#: The pages behind the second factor (residents and service-center staff use them too and are never asked).
SECOND_FACTOR_PATHS = ("/admin/", "/dashboard/", "/assessment/", "/members/", "/inbox/", "/workbench/")


def second_factor_enforced(user):
    """Whether this user must have passed the second factor now (the rule, while OTP_REQUIRED is on)."""
    return settings.OTP_REQUIRED and requires_second_factor(user)


def second_factor_passed(request):
    """Whether the session's user passed the second factor (django-otp's OTPMiddleware sets is_verified)."""
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


def second_factor_redirect(request, next_url):
    """To the code page, or to the setup page for a user who has no authenticator yet."""
    name = "accounts:second-factor-verify" if has_second_factor(user=request.user) else "accounts:second-factor-setup"
    return redirect(f"{reverse(name)}?{urlencode({'next': next_url})}")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if (settings.OTP_REQUIRED and path.startswith(SECOND_FACTOR_PATHS)
                and path not in (reverse("admin:login"), reverse("admin:logout"))
                and request.user.is_authenticated and second_factor_enforced(request.user)
                and not second_factor_passed(request)):
            return second_factor_redirect(request, request.get_full_path())
        return self.get_response(request)
