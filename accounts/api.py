from axes.handlers.proxy import AxesProxyHandler
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import parsers, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from core.errors import ValidationError
from core.parsers import JSONParser

from . import services
from .middleware import second_factor_enforced
from .selectors import has_second_factor


class TokenRequestSerializer(serializers.Serializer):
    """The token request, read before anything else (a NUL or a list where text belongs is a 400)."""

    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    otp = serializers.CharField(required=False, max_length=32, help_text=gettext_lazy(
        "Two-factor code: required for district staff, inspectors and everyone who may change member "
        "records (the six-digit code of their authenticator app, or one of their recovery codes); "
        "residents and service-center staff leave it out."))


class TokenView(ObtainAuthToken):
    """POST {"username", "password"} → {"token"}; send it as `Authorization: Token <key>`.

    District staff, inspectors and everyone who may change member records also send `otp`: the six-digit code of
    their authenticator app (or a recovery code), set up on the portal's sign-in pages. Residents and service-center
    staff send no `otp`. Failed attempts count towards the same per-user-and-address lockout as the admin sign-in
    (django-axes).
    """

    throttle_classes = [AnonRateThrottle]
    # ObtainAuthToken names its own parsers; the JSON one with the depth limit, as everywhere in the API.
    parser_classes = [parsers.FormParser, parsers.MultiPartParser, JSONParser]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            400: OpenApiResponse(description="Wrong user name or password, or a missing or wrong `otp` "
                                             "(field errors)."),
            429: OpenApiResponse(description='Too many failed sign-ins: {"code": "locked_out"}, or too many wrong '
                                             'codes: {"code": "otp_throttled"}.'),
        },
    )
    def post(self, request, *args, **kwargs):
        given = TokenRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        username = given.validated_data["username"]
        if AxesProxyHandler.is_locked(request._request, {"username": username}):
            return Response(
                {"code": "locked_out", "detail": _("Too many failed sign-ins. Try again later.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        serializer = self.get_serializer(data=given.validated_data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if second_factor_enforced(user):
            code = given.validated_data.get("otp", "")
            if not code.strip():
                raise serializers.ValidationError({"otp": [
                    _("Enter the code of your authenticator app.") if has_second_factor(user=user)
                    else _("Set up two-factor sign-in on the portal first (sign in at /admin/), then send its code.")
                ]}, code="otp_required")
            try:
                services.second_factor_check(user=user, code=code)
            except ValidationError as exc:
                if "throttled" in services.refusal_reasons(exc):
                    return Response({"code": "otp_throttled", "detail": exc.messages[0]},
                                    status=status.HTTP_429_TOO_MANY_REQUESTS)
                raise serializers.ValidationError({"otp": exc.messages}, code="otp_wrong") from None
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
