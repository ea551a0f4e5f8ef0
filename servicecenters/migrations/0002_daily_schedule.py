"""Install the daily booking job's beat schedule (07:00 Asia/Shanghai; editable afterwards in the admin).

The task computes its own period (today's local date) and runs through the job ledger, so a second
firing on the same day does nothing. An existing row of the same name is left as the admin has it.
"""

from django.db import migrations

NAME = "servicecenters: daily bookings"


def install(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    from django.utils import timezone

    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        timezone="Asia/Shanghai", minute="0", hour="7", day_of_week="*", day_of_month="*", month_of_year="*"
    )
    PeriodicTask.objects.create(
        name=NAME, task="servicecenters.daily_bookings", crontab=crontab, enabled=True,
        description="Reminders for tomorrow's bookings, no-show marking and completion of past bookings.",
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("servicecenters", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, remove)]
