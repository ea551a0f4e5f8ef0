from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "members"
    verbose_name = _("Party members")

    def ready(self):
        from . import jobs  # noqa: F401  (registers the daily jobs with the ledger)
