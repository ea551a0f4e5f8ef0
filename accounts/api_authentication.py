"""Session sign-in for the API (the browsable docs' "try it out"): like DRF's, but a user who must pass the second
factor and has not in this session is not signed in (a token comes only after it: accounts.api.TokenView)."""

from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication


class SecondFactorSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        from .middleware import second_factor_enforced, second_factor_passed

        result = super().authenticate(request)
        if result is not None and second_factor_enforced(result[0]) and not second_factor_passed(request._request):
            raise exceptions.NotAuthenticated(_("Two-factor sign-in is required: enter your code on the portal first."))
        return result


class SecondFactorSessionScheme(SessionScheme):
    """The API schema describes it as the cookie sign-in it is."""

    target_class = SecondFactorSessionAuthentication
