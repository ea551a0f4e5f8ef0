from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    """django-axes under a Chinese name in the admin."""

    verbose_name = _("Sign-in protection")


class CoreConfig(AppConfig):
    """The ground floor as an app: it registers the portal's own system checks."""

    name = "core"
    verbose_name = _("Jinshui District party-building portal")

    def ready(self):
        from . import checks  # noqa: F401 — registers the checks
