from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicecentersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "servicecenters"
    verbose_name = _("Service centers")

    def ready(self):
        from django.db.models.signals import pre_delete

        from accounts.centers import register_centers
        from accounts.scopes import works_at_centers
        from core.mobile import register_nav_figures

        from .models import ServiceCenter, delete_center_grants

        # accounts stores a center role's center by id (RoleGrant.center_id): name the centers for it, and drop a
        # deleted center's grants (PostgreSQL's foreign key does too, ON DELETE CASCADE; SQLite has only this).
        register_centers(ServiceCenter.objects.all)
        pre_delete.connect(delete_center_grants, sender=ServiceCenter, dispatch_uid="servicecenters.center_grants")

        @register_nav_figures
        def staff_link(request):
            return {"nav_staff": works_at_centers(request.user, read=True)}
