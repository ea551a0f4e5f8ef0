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

   ``ready`` says from when a period may run, and every path (beat, ``run_job``, ``enqueue``, the task) refuses a
   period before that (jobs.registry.NotReady), since a run stored in the ledger is never redone:

   - "ended" (the default): only once the period is over. A job that sums up or closes its period: run early it
     would store a half-done period as done (members.duty_compliance, members.duty_reminders, which reminds of
     items whose period ended in the month).
   - "started": once the period has begun. A job that works on the period under way: the day's, month's or hour's
     reminders and figures (members.political_birthdays, members.development_deadlines,
     assessment.monthly_reminders, dashboard.refresh_figures), servicecenters.daily (it settles the bookings that
     ended before its day began and reminds of the next day's: run for a day that has not begun, it would mark
     tonight's bookings no-show, cancel pending ones and complete others early) and
     assessment.quarterly_ranking (the district publishes a quarter that has begun when its scoring is done; beat
     ranks the last complete one).
   - "any": future periods too, for a job that prepares what is coming. No job of the portal is one.

   A job that finds data it needs missing (the ranking of a quarter whose plan does not exist yet) returns
   ``jobs.ledger.Unfinished(result)``: what it did is kept, the period is not stored as done and runs again.
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
from django.utils.translation import gettext as _

from core.periods import (
    SLOT_MINUTES,
    day_key,
    hour_key,
    last_complete_quarter,
    last_complete_year,
    month_key,
    month_end,
    month_of,
    month_start,
    parse_day,
    parse_hour,
    parse_month,
    parse_quarter,
    parse_slot,
    parse_year,
    quarter_end,
    quarter_key,
    quarter_start,
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


#: From when a period may run (see the module's docstring).
READY = ("ended", "started", "any")


class UnknownJob(LookupError):
    pass


class NotReady(ValueError):
    """The period has not begun (or not ended) yet, as the job needs: nothing runs."""


def period_bounds(kind, key):
    """The local (Asia/Shanghai) start and end of the canonical period `key` of `kind`, as aware datetimes."""
    if kind == "day":
        start = datetime.datetime.combine(parse_day(key), datetime.time())
        end = start + datetime.timedelta(days=1)
    elif kind == "month":
        start = datetime.datetime.combine(month_start(key), datetime.time())
        end = datetime.datetime.combine(month_end(key) + datetime.timedelta(days=1), datetime.time())
    elif kind == "quarter":
        start = datetime.datetime.combine(quarter_start(key), datetime.time())
        end = datetime.datetime.combine(quarter_end(key) + datetime.timedelta(days=1), datetime.time())
    elif kind == "year":
        year = parse_year(key)
        start, end = datetime.datetime(year, 1, 1), datetime.datetime(year + 1, 1, 1)
    elif kind == "slot":
        start = parse_slot(key)
        end = start + datetime.timedelta(minutes=SLOT_MINUTES)
    else:
        day, hour = parse_hour(key)
        start = datetime.datetime.combine(day, datetime.time(hour))
        end = start + datetime.timedelta(hours=1)
    tz = timezone.get_default_timezone()
    return timezone.make_aware(start, tz), timezone.make_aware(end, tz)


@dataclasses.dataclass(frozen=True)
class Job:
    name: str
    fn: Callable
    period: str
    default: Callable
    schedule: dict | None = None
    title: str = ""
    description: str = ""
    ready: str = "ended"

    def key(self, period=None, *, now=None):
        """The canonical key of `period` (ValueError when it is not one of this job's kind), or the default key."""
        if period is None or str(period).strip() == "":
            return self.default(timezone.localtime(now))
        return PERIOD_KINDS[self.period][0](period)

    def ready_key(self, period=None, *, now=None):
        """The canonical key of `period` (or the default key) if that period may run now (`ready`); NotReady when it
        has not begun (or ended) yet, ValueError when it is not a key of this job's kind."""
        key = self.key(period, now=now)
        if self.ready == "any":
            return key
        now = now or timezone.now()
        start, end = period_bounds(self.period, key)
        if self.ready == "started" and now < start:
            raise NotReady(_("%(job)s runs for a period that has begun; %(period)s has not begun yet.")
                           % {"job": self.name, "period": key})
        if self.ready == "ended" and now < end:
            raise NotReady(_("%(job)s runs for a period that is over; %(period)s is not over yet.")
                           % {"job": self.name, "period": key})
        return key


_JOBS = {}


def job(name, *, period, default=None, schedule=None, title="", description="", ready="ended"):
    """Decorator: register `fn(period)` as the periodic job `name` (see the module's docstring)."""
    if period not in PERIOD_KINDS:
        raise ValueError(f"period must be one of {sorted(PERIOD_KINDS)}, not {period!r}")
    if ready not in READY:
        raise ValueError(f"ready must be one of {READY}, not {ready!r}")

    def wrap(fn):
        _JOBS[name] = Job(name=name, fn=fn, period=period, default=default or PERIOD_KINDS[period][1],
                          schedule=schedule, title=title or name, description=description, ready=ready)
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
