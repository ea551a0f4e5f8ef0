"""Production safety checks of the portal itself."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET = "SECRET_KEY must be set when DEBUG is off (scripts/demo and scripts/test set it)."


@register(Tags.security, deploy=True)
def secret_key_from_environment(app_configs, **kwargs):
    if settings.SECRET_KEY_FROM_ENV:
        return []
    return [Error(MISSING_SECRET, hint="Set the SECRET_KEY environment variable.", id="jinshui.E001")]


def require_secret_key():
    """Called by the WSGI and ASGI entry points: never serve without a real key when DEBUG is off."""
    if not settings.DEBUG and not settings.SECRET_KEY_FROM_ENV:
        raise ImproperlyConfigured(MISSING_SECRET)
