from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "inbox"
    verbose_name = _("Inbox")

    def ready(self):
        from core.mobile import register_nav_figures

        from . import services  # noqa: F401  (registers the sending tasks with Celery)
        from .selectors import inbox_for

        @register_nav_figures
        def unread_messages(request):
            return {"nav_unread": inbox_for(user=request.user).filter(read_at__isnull=True).count()}
