"""The hourly refresh of the dashboard's figures, registered with jobs.registry (once per hour, whatever fires it)."""

from django.utils import timezone

from core.periods import hour_key
from jobs.registry import job

from . import services

JOB = "dashboard.refresh_figures"


def current_period(now=None):
    """The ledger's period key: the hour in Beijing time, e.g. "2026-11-25T14"."""
    return hour_key(timezone.localtime(now))


@job(JOB, period="hour", default=current_period, ready="started", schedule={"minute": "5"},
     title="Refresh the dashboard figures (hourly)",
     description="Recomputes the cached figures of /dashboard/ (district, streets, scopes seen).")
def refresh_figures(period):
    """Recompute the cached figures of the scopes whose records changed; all of them in the night's run.

    The full run catches what the change marks miss (bulk writes and queryset.update() send no signal, see
    changes.py); a new VERSION of the figures needs no full run: its scopes have no entry, so they are computed."""
    return services.refresh_all(full=is_full_run(period))


#: The Beijing hour whose run recomputes every scope.
FULL_HOUR = 3


def is_full_run(period):
    return period.endswith(f"T{FULL_HOUR:02d}")
