from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicecentersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "servicecenters"
    verbose_name = _("Service centers")

    def ready(self):
        from accounts.scopes import works_at_centers
        from core.mobile import register_nav_figures

        @register_nav_figures
        def staff_link(request):
            return {"nav_staff": works_at_centers(request.user, read=True)}
