from axes.handlers.proxy import AxesProxyHandler
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import parsers, serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from core.parsers import JSONParser


class TokenView(ObtainAuthToken):
    """POST {"username", "password"} → {"token"}; send it as `Authorization: Token <key>`.

    Failed attempts count towards the same per-user-and-address lockout as the admin sign-in (django-axes).
    """

    throttle_classes = [AnonRateThrottle]
    # ObtainAuthToken names its own parsers; the JSON one with the depth limit, as everywhere in the API.
    parser_classes = [parsers.FormParser, parsers.MultiPartParser, JSONParser]

    @extend_schema(
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request, *args, **kwargs):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if username and AxesProxyHandler.is_locked(request._request, {"username": username}):
            return Response(
                {"code": "locked_out", "detail": _("Too many failed sign-ins. Try again later.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        return super().post(request, *args, **kwargs)
