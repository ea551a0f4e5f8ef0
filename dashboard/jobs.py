"""The hourly refresh of the dashboard's figures, run through the job ledger (once per hour, whatever fires it)."""

from django.utils import timezone

from jobs.ledger import register, run_once

from . import services

JOB = "dashboard.refresh_figures"


def current_period(now=None):
    """The ledger's period key: the hour in Beijing time, e.g. "2026-11-25T14"."""
    return timezone.localtime(now).strftime("%Y-%m-%dT%H")


@register(JOB)
def refresh_figures(period):
    return {"scopes": services.refresh_all()}


def run(period=None):
    """Refresh the figures for `period` (this hour by default) unless that was done; returns (result, ran_now)."""
    return run_once(JOB, period or current_period())
