"""The residents' requests job, registered with jobs.registry (run through the ledger once per local day)."""

from core.periods import parse_day
from jobs.registry import job

from .services import requests_overdue

OVERDUE = "participation.overdue_requests"


@job(OVERDUE, period="day", ready="started", schedule={"minute": "30", "hour": "8"}, title="participation: overdue requests",
     description="Reminds communities of requests not accepted within two days and passes requests not answered "
                 "in time up to the street.")
def overdue_requests(period):
    """For local day `period`: remind and escalate (each request once: messages have keys, escalation is dated)."""
    reminded, escalated = requests_overdue(day=parse_day(period))
    return {"reminded": reminded, "escalated": escalated}
