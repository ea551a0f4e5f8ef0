from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountabilityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accountability"
    verbose_name = _("Accountability")

    def ready(self):
        from . import jobs  # noqa: F401 — registers the periodic jobs with the ledger
