from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicecentersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "servicecenters"
    verbose_name = _("Service centers")

    def ready(self):
        from accounts.scopes import resolve_scope
        from core.mobile import register_nav_figures

        @register_nav_figures
        def staff_link(request):
            scope = resolve_scope(request.user)
            return {"nav_staff": bool(scope.center_ids) or scope.read_all}
