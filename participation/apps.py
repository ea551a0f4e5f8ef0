from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "participation"
    verbose_name = _("Residents taking part")

    def ready(self):
        from accounts.scopes import uses_thinktank
        from core.mobile import register_nav_figures

        @register_nav_figures
        def thinktank_link(request):
            return {"nav_thinktank": uses_thinktank(request.user)}
