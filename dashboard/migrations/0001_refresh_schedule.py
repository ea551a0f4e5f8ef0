"""Install the hourly refresh of the dashboard's figures as a django-celery-beat schedule (editable in the admin)."""

from django.db import migrations

TASK = "dashboard.tasks.refresh_dashboard"
NAME = "Refresh the dashboard figures (hourly)"


def install(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _created = CrontabSchedule.objects.get_or_create(
        minute="5", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={"task": TASK, "crontab": schedule, "enabled": True,
                  "description": "Recomputes the cached figures of /dashboard/ (district, streets, scopes seen)."},
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(install, uninstall)]
