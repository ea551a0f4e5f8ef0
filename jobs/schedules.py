"""Beat's schedules come from the job registry: one django-celery-beat PeriodicTask per scheduled job.

`sync_schedules` runs after every `migrate` (and after a test database is flushed): it installs the schedule of
each job that has none. A job's row is the PeriodicTask calling `jobs.tasks.run_job` with the job's name as its
argument; once there, it belongs to the admin (周期任务), who may change its time or disable it, and is left alone.
It also installs the outbox's relay (`jobs.tasks.relay_outbox`, every minute; jobs.outbox), the same way.
"""

import json

from django.apps import apps as global_apps
from django.conf import settings
from django.utils import timezone

from .registry import scheduled_jobs

RUN_JOB = "jobs.tasks.run_job"
RELAY = "jobs.tasks.relay_outbox"
RELAY_NAME = "jobs: outbox relay"
#: Every minute; a relay message older than that is dropped (the next one does the same work).
RELAY_EVERY, RELAY_EXPIRES = 60, 50
CRONTAB_FIELDS = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")


def job_args(name):
    """The PeriodicTask `args` that run job `name` (its default period, computed when beat fires)."""
    return json.dumps([name])


def crontab_fields(schedule):
    """The full crontab of a registry schedule: omitted fields are "*"."""
    return {field: str(schedule.get(field, "*")) for field in CRONTAB_FIELDS}


def sync_schedules(*, apps=global_apps, using="default"):
    """Install the beat schedule of every scheduled job that has none; returns the names of the jobs installed."""
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    installed = []
    for spec in scheduled_jobs():
        args = job_args(spec.name)
        if PeriodicTask.objects.using(using).filter(task=RUN_JOB, args=args).exists():
            continue
        crontab, _created = CrontabSchedule.objects.using(using).get_or_create(
            timezone=settings.TIME_ZONE, **crontab_fields(spec.schedule))
        PeriodicTask.objects.using(using).update_or_create(name=spec.title, defaults={
            "task": RUN_JOB, "args": args, "kwargs": "{}", "crontab": crontab, "interval": None, "solar": None,
            "clocked": None, "one_off": False, "enabled": True, "description": spec.description,
        })
        installed.append(spec.name)
    if not PeriodicTask.objects.using(using).filter(task=RELAY).exists():
        IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        every, _created = IntervalSchedule.objects.using(using).get_or_create(every=RELAY_EVERY, period="seconds")
        PeriodicTask.objects.using(using).update_or_create(name=RELAY_NAME, defaults={
            "task": RELAY, "args": "[]", "kwargs": "{}", "interval": every, "crontab": None, "solar": None,
            "clocked": None, "one_off": False, "enabled": True, "expire_seconds": RELAY_EXPIRES,
            "description": "Hands again the background work that Redis, a worker or the database lost.",
        })
        installed.append(RELAY_NAME)
    if installed:
        # Tell a running DatabaseScheduler that the schedule changed.
        PeriodicTasks.objects.using(using).update_or_create(ident=1, defaults={"last_update": timezone.now()})
    return installed
