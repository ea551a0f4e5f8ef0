"""The periodic jobs of accountability, registered with jobs.registry and run through the job ledger:

- accountability.year_end (1 January, 03:00): compute and store the year-end evaluation of the year just ended
  (`manage.py run_year_end --year 2026`); a published year is left alone; a year still running gets a draft,
  computed again once it is over;
- accountability.term_warnings (1st of the month, 07:40): committees whose term ends within 6 months, within
  3 months, or is overdue, told to the organization's leaders and the level above (one message per committee
  and stage; an overdue one once a month).
"""

import datetime

from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.scopes import node_leaders, users_with_role
from core.periods import month_start, parse_month, parse_year
from inbox.services import message_send
from jobs.ledger import Unfinished
from jobs.registry import job

from .models import Committee
from .services import evaluation_compute

YEAR_END = "accountability.year_end"
TERM_WARNINGS = "accountability.term_warnings"


@job(YEAR_END, period="year", ready="started",
     schedule={"minute": "0", "hour": "3", "day_of_month": "1", "month_of_year": "1"},
     title="accountability: year-end evaluation",
     description="Computes and stores the year-end comprehensive evaluation of the year just ended.")
def year_end(period):
    """The year's evaluation of every unit. A year still running gets a draft that is not stored as done in the
    ledger, so that the run on 1 January computes it again from the whole year."""
    year = parse_year(period)
    result = evaluation_compute(year)
    if _today() <= datetime.date(year, 12, 31):
        return Unfinished({**result, "waiting_for": _("the end of %(year)s") % {"year": year}})
    return result


def _today():
    return timezone.localdate()


def _stage(term_end, first):
    """The warning stage of a term ending on `term_end`, seen on the first day of a month."""
    if term_end < first:
        return "overdue"
    if term_end < first + relativedelta(months=3):
        return "3m"
    if term_end < first + relativedelta(months=6):
        return "6m"
    return None


@job(TERM_WARNINGS, period="month", ready="started", schedule={"minute": "40", "hour": "7", "day_of_month": "1"},
     title="accountability: term warnings",
     description="Committees whose term ends within 6 or 3 months, or is overdue.")
def term_warnings(period):
    parse_month(period)
    first = month_start(period)
    committees = list(Committee.objects.filter(ended_on__isnull=True, term_end__lt=first + relativedelta(months=6))
                      .select_related("org"))
    if not committees:
        return {"committees": 0, "messages": 0}
    parents = {c.org.parent_id for c in committees if c.org.parent_id}
    leaders = node_leaders(node_ids={c.org_id for c in committees} | parents)
    district = users_with_role(Role.DISTRICT_STAFF) if any(c.org.level == 1 for c in committees) else []
    sent, stages = 0, {}
    for committee in committees:
        stage = _stage(committee.term_end, first)
        stages[stage] = stages.get(stage, 0) + 1
        key = f"accountability:term:{committee.pk}:{stage}" + (f":{period}" if stage == "overdue" else "")
        if stage == "overdue":
            subject = _("The committee of %(org)s is past its term (ended %(end)s)")
        elif stage == "3m":
            subject = _("The committee of %(org)s ends its term on %(end)s (within 3 months)")
        else:
            subject = _("The committee of %(org)s ends its term on %(end)s (within 6 months)")
        subject = subject % {"org": committee.org.name, "end": committee.term_end.isoformat()}
        people = leaders.get(committee.org_id, []) + (leaders.get(committee.org.parent_id, [])
                                                       if committee.org.parent_id else district)
        for person in {p.pk: p for p in people}.values():
            _msg, created = message_send(
                recipient=person, kind="accountability.term_warning", key=key, subject=subject,
                body=_("Prepare the election: the reserve-cadre pool and the slate are on the committees page."),
                url=reverse("accountability:committee", args=[committee.pk]))
            sent += created
    return {"committees": len(committees), "stages": stages, "messages": sent}
