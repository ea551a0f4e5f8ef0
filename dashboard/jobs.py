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
    """Recompute the cached figures of the district, every street and every scope someone opened."""
    return {"scopes": services.refresh_all()}
