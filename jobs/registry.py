"""The periodic jobs of the portal: one registry, one Celery task, one command, one source of beat schedules.

How a job is added
------------------
1. Write it in the app's ``jobs.py`` as a function of one period key that returns a JSON-serialisable dict, and
   register it::

       @job("myapp.weekly_digest", period="day", schedule={"minute": "0", "hour": "6", "day_of_week": "1"},
            title="myapp: weekly digest", description="What it does, for the admin's list of schedules.")
       def weekly_digest(period):
           ...

   ``period`` is the kind of key the job takes: "day" (2026-11-25), "month" (2026-11), "quarter" (2026Q3),
   "hour" (2026-11-25T14), "slot" (five minutes, 2026-11-25T14:05) or "year" (2026); core.periods parses and
   formats them. ``default(now)`` (``now``: the local time) gives
   the key of a run that names none, as beat's do: by default the current day, month or hour, and the last
   complete quarter or year. ``schedule`` holds django-celery-beat crontab fields (Asia/Shanghai, omitted fields "*");
   a job without one runs only by hand or when a service enqueues it.
2. That is all. The jobs app imports every app's ``jobs`` module at start-up; ``manage.py migrate`` installs the
   job's beat schedule (jobs.schedules: one PeriodicTask calling ``jobs.tasks.run_job`` with the job's name,
   editable in the admin, where a changed or disabled schedule is kept as it is); ``manage.py run_job NAME
   [PERIOD]`` runs it by hand; a service that wants it run after its own writes calls ``jobs.queue.enqueue(NAME, period)``.

Every run goes through the ledger (jobs.ledger.run): a job does its work at most once per period.
"""

import dataclasses
import datetime
from collections.abc import Callable

from django.utils import timezone

from core.periods import (
    day_key,
    hour_key,
    last_complete_quarter,
    last_complete_year,
    month_key,
    month_of,
    parse_day,
    parse_hour,
    parse_month,
    parse_quarter,
    parse_slot,
    parse_year,
    quarter_key,
    slot_key,
    year_key,
)


def _canonical_hour(key):
    day, hour = parse_hour(key)
    return hour_key(datetime.datetime.combine(day, datetime.time(hour)))


#: Period kind -> (key -> canonical key, raising ValueError with a readable message; local now -> default key).
PERIOD_KINDS = {
    "day": (lambda key: day_key(parse_day(key)), lambda now: day_key(now.date())),
    "month": (lambda key: month_key(*parse_month(key)), month_of),
    "quarter": (lambda key: quarter_key(*parse_quarter(key)), lambda now: last_complete_quarter(now.date())),
    "hour": (_canonical_hour, hour_key),
    "year": (lambda key: year_key(parse_year(key)), lambda now: last_complete_year(now.date())),
    "slot": (lambda key: slot_key(parse_slot(key)), slot_key),
}


class UnknownJob(LookupError):
    pass


@dataclasses.dataclass(frozen=True)
class Job:
    name: str
    fn: Callable
    period: str
    default: Callable
    schedule: dict | None = None
    title: str = ""
    description: str = ""

    def key(self, period=None, *, now=None):
        """The canonical key of `period` (ValueError when it is not one of this job's kind), or the default key."""
        if period is None or str(period).strip() == "":
            return self.default(timezone.localtime(now))
        return PERIOD_KINDS[self.period][0](period)


_JOBS = {}


def job(name, *, period, default=None, schedule=None, title="", description=""):
    """Decorator: register `fn(period)` as the periodic job `name` (see the module's docstring)."""
    if period not in PERIOD_KINDS:
        raise ValueError(f"period must be one of {sorted(PERIOD_KINDS)}, not {period!r}")

    def wrap(fn):
        _JOBS[name] = Job(name=name, fn=fn, period=period, default=default or PERIOD_KINDS[period][1],
                          schedule=schedule, title=title or name, description=description)
        return fn

    return wrap


def get(name):
    """The registered job `name`; UnknownJob otherwise."""
    try:
        return _JOBS[name]
    except KeyError:
        raise UnknownJob(name) from None


def registered_jobs():
    """{name: Job} of every registered job, by name."""
    return dict(sorted(_JOBS.items()))


def scheduled_jobs():
    """The registered jobs that beat runs (the ones with a schedule), by name."""
    return [spec for spec in registered_jobs().values() if spec.schedule is not None]
