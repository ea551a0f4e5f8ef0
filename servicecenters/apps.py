from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicecentersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "servicecenters"
    verbose_name = _("Service centers")
