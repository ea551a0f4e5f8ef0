from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


def _install_schedules(sender, *, apps=None, using="default", **kwargs):
    from django.apps import apps as global_apps

    apps = apps or global_apps  # flush sends no `apps`
    try:
        apps.get_model("django_celery_beat", "PeriodicTask")
    except LookupError:  # django-celery-beat not migrated (yet): nothing to install into
        return
    from .schedules import sync_schedules

    sync_schedules(apps=apps, using=using)


class JobsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "jobs"
    verbose_name = _("Periodic jobs")

    def ready(self):
        # Every app's jobs module registers its jobs (jobs.registry); beat's schedules follow the registry.
        autodiscover_modules("jobs")
        post_migrate.connect(_install_schedules, sender=self, dispatch_uid="jobs.install_schedules")
