"""Beat's rows of the per-app tasks become rows of the one job task, `jobs.tasks.run_job` with the job's name.

A row keeps its time, its on/off switch and its last-run bookkeeping as the admin left them; a row that ran two
jobs becomes one row per job (the quarterly compliance snapshot keeps only the quarter's first months). The
schedules of jobs that have no row yet are installed from the registry after migrate (jobs.schedules).
"""

import json

from django.db import migrations
from django.utils import timezone

RUN_JOB = "jobs.tasks.run_job"

#: old task -> [(job, name of its row, months the job runs in: None for the old row's own)]
OLD_TASKS = {
    "assessment.monthly_reminders": [
        ("assessment.monthly_reminders", "assessment: monthly inspection reminders", None)],
    "assessment.quarterly_ranking": [("assessment.quarterly_ranking", "assessment: quarterly ranking", None)],
    "servicecenters.daily_bookings": [("servicecenters.daily", "servicecenters: daily bookings", None)],
    "dashboard.tasks.refresh_dashboard": [
        ("dashboard.refresh_figures", "Refresh the dashboard figures (hourly)", None)],
    "members.tasks.daily_member_jobs": [
        ("members.political_birthdays", "members: daily political birthdays", None),
        ("members.development_deadlines", "members: daily development deadlines", None),
    ],
    "members.tasks.monthly_member_jobs": [
        ("members.duty_reminders", "members: duty checklist reminders", None),
        ("members.duty_compliance", "members: quarterly duty compliance", "1,4,7,10"),
    ],
}
CRONTAB_FIELDS = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year", "timezone")


def forward(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    changed = False
    for old in PeriodicTask.objects.filter(task__in=list(OLD_TASKS)).order_by("pk"):
        old.delete()  # first: its name passes on to the job's row
        changed = True
        for job, name, months in OLD_TASKS[old.task]:
            args = json.dumps([job])
            if PeriodicTask.objects.filter(task=RUN_JOB, args=args).exists():
                continue
            crontab = old.crontab
            if months and crontab is not None:
                fields = {f: getattr(crontab, f) for f in CRONTAB_FIELDS}
                crontab, _created = CrontabSchedule.objects.get_or_create(**{**fields, "month_of_year": months})
            PeriodicTask.objects.filter(name=name).delete()
            PeriodicTask.objects.create(
                name=name, task=RUN_JOB, args=args, kwargs="{}", crontab=crontab, interval=old.interval,
                solar=old.solar, clocked=old.clocked, one_off=old.one_off, enabled=old.enabled,
                last_run_at=old.last_run_at, total_run_count=old.total_run_count, description=old.description,
            )
    if changed:
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("assessment", "0002_beat_schedules"),
        ("servicecenters", "0002_daily_schedule"),
        ("members", "0007_seed_duty_items"),
        ("dashboard", "0001_refresh_schedule"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
