"""Install the default beat schedules of the assessment jobs (editable afterwards in the admin).

monthly reminders: 08:00 on the 1st of every month; quarterly ranking: 02:00 on the 1st of January,
April, July and October — Asia/Shanghai. The tasks compute their own period (current month, last
complete quarter). Existing rows of the same name are left as the admin has them.
"""

from django.db import migrations

SCHEDULES = [
    {
        "name": "assessment: monthly inspection reminders",
        "task": "assessment.monthly_reminders",
        "crontab": {"minute": "0", "hour": "8", "day_of_week": "*", "day_of_month": "1", "month_of_year": "*"},
        "description": "Inspection plan reminders to inspectors, rectifications due, overdue escalation.",
    },
    {
        "name": "assessment: quarterly ranking",
        "task": "assessment.quarterly_ranking",
        "crontab": {"minute": "0", "hour": "2", "day_of_week": "*", "day_of_month": "1",
                    "month_of_year": "1,4,7,10"},
        "description": "Ranking snapshot of the last complete quarter and interview suggestions.",
    },
]


def install(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    from django.utils import timezone

    for spec in SCHEDULES:
        if PeriodicTask.objects.filter(name=spec["name"]).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(timezone="Asia/Shanghai", **spec["crontab"])
        PeriodicTask.objects.create(
            name=spec["name"], task=spec["task"], crontab=crontab, enabled=True, description=spec["description"],
        )
    # Tell a running DatabaseScheduler that the schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[s["name"] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, remove)]
