from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = _("District dashboard")

    def ready(self):
        # The built-in figures register themselves, and the refresh job registers with the ledger.
        from . import figures, jobs, optional, participation  # noqa: F401

        optional.register_available()
        from . import changes

        changes.connect()
