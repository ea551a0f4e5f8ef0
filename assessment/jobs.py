"""The periodic jobs of the assessment cycle, registered with jobs.registry and run through the job ledger.

Each runs inside the ledger's transaction: run twice for the same period, it does its work once
(no second snapshot, no message sent twice). Messages go to the in-app inbox (inbox.services).
"""

import math

from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.scopes import node_leaders, users_with_role
import datetime

from core.periods import month_end, month_start, parse_day, parse_month, parse_quarter
from grids.models import OrgNode
from inbox.services import message_send, message_send_many
from jobs.ledger import Unfinished
from jobs.registry import job

from .models import (
    Finding,
    FindingStatus,
    InspectionPlan,
    Interview,
    InterviewAction,
    InterviewStatus,
    InterviewReason,
    UnitLevel,
)
from .ranking import take_snapshots
from .services import is_published, mark_published, quarter_unscored

QUARTERLY = "assessment.quarterly_ranking"
MONTHLY = "assessment.monthly_reminders"
ACTIONS = "assessment.interview_actions"
REMIND_DAYS_BEFORE = 3


def _leading(node_ids, roles=(Role.STREET_SECRETARY, Role.COMMUNITY_SECRETARY)):
    """Everyone leading any of the nodes (accounts.scopes.node_leaders), each once, oldest account first."""
    people = {user.pk: user for users in node_leaders(node_ids=node_ids, roles=roles).values() for user in users}
    return [people[pk] for pk in sorted(people)]


@job(QUARTERLY, period="quarter", ready="ended",
     schedule={"minute": "0", "hour": "2", "day_of_month": "1", "month_of_year": "1,4,7,10"},
     title="assessment: quarterly ranking",
     description="Ranking snapshot of the last complete quarter and interview suggestions.")
def quarterly_ranking(period):
    """Publish (lock) the quarter, snapshot every level's ranking, suggest interviews for the bottom of each.

    Only a quarter that has ended (the ledger refuses an earlier run). A quarter not yet published is published
    here only when every unit is scored: with units unscored the run waits (jobs.ledger.Unfinished) and district
    staff are told; their publication with the reason (assessment.services.quarter_publish, the recorded
    exception) runs the job again. A level without a plan leaves the run unfinished too: it is ranked when the
    job runs again."""
    parse_quarter(period)
    if not is_published(period):
        unscored = quarter_unscored(quarter=period)
        if unscored:
            sent = message_send_many(
                recipients=users_with_role(Role.DISTRICT_STAFF), kind="assessment.quarter_unscored",
                key=f"assessment:quarter-unscored:{period}",
                subject=_("%(quarter)s is not ranked yet: %(count)s units have no score") % {
                    "quarter": period, "count": len(unscored)},
                body=_("Score them, or publish the quarter with the reason for leaving them out; the ranking "
                       "follows the publication."),
                url=reverse("assessment:scores", args=[period]),
            )
            return Unfinished({"unscored": len(unscored), "messages": sent}, waiting_for=_(
                "%(count)s units have no score in %(quarter)s: it is ranked once they are scored, or once district "
                "staff publish it with the reason.") % {"count": len(unscored), "quarter": period})
    mark_published(period)
    summary, suggestions = take_snapshots(period)
    interviews_url = reverse("assessment:interviews") + f"?quarter={period}"
    ranking_url = reverse("assessment:ranking") + f"?quarter={period}"

    # Who interviews: the district for streets and departments, the street for its communities.
    streets_of_communities = {unit["parent_id"] for row, unit in suggestions
                              if row.snapshot.level == UnitLevel.COMMUNITY}
    interviewers = {u.pk: u for u in users_with_role(Role.DISTRICT_STAFF)} if suggestions else {}
    interviewers.update((u.pk, u) for u in _leading(streets_of_communities, (Role.STREET_SECRETARY,)))
    sent = 0
    if interviewers:
        sent += message_send_many(
            recipients=list(interviewers.values()), kind="assessment.interview_suggestion",
            key=f"assessment:interview-suggestions:{period}",
            subject=_("Interview suggestions after the %(quarter)s ranking") % {"quarter": period},
            body=_("Units at the bottom of the %(quarter)s ranking are suggested for an interview. "
                   "The list shows the ones you interview.") % {"quarter": period},
            url=interviews_url,
        )
    interviewees = _leading([row.org_id for row, _unit in suggestions if row.org_id])
    if interviewees:
        sent += message_send_many(
            recipients=interviewees, kind="assessment.interview_notice",
            key=f"assessment:interviewee:{period}",
            subject=_("Your unit is at the bottom of the %(quarter)s ranking") % {"quarter": period},
            body=_("The level above will invite you to an interview. The ranking shows your score breakdown."),
            url=ranking_url, sms_params=[period],
        )
    result = {"levels": summary, "interviews_suggested": len(suggestions), "messages": sent}
    missing = [level for level, outcome in summary.items() if outcome.get("skipped") == "no plan"]
    if missing:
        # Not done: the levels without a plan are ranked when the job runs again (by hand, the admin's
        # "run again", or the outbox's sweep, hourly); the levels ranked now keep their snapshots.
        year = parse_quarter(period)[0]
        return Unfinished(result, waiting_for=_("Waiting for the %(year)s plan of: %(levels)s.") % {
            "year": year, "levels": "、".join(str(UnitLevel(level).label) for level in missing)})
    return result


def plan_month(month):
    """Draw up `month`'s inspection plan when nobody has: the units inspected longest ago (never first),
    one twelfth of them, shared in turn among the inspectors. Returns the number of entries written."""
    if InspectionPlan.objects.filter(month=month).exists():
        return 0
    inspectors = users_with_role(Role.INSPECTOR)
    if not inspectors:
        return 0
    last = InspectionPlan.objects.filter(org=OuterRef("pk")).order_by().values("org").annotate(m=Max("month"))
    units = list(
        OrgNode.objects.filter(level__in=(1, 2)).annotate(last=Subquery(last.values("m")))
        .order_by("-level", "last", "code").values_list("pk", "last")
    )
    units.sort(key=lambda u: (u[1] is not None, u[1] or ""))  # never inspected first, then the longest ago
    take = units[: max(1, math.ceil(len(units) / 12))]
    InspectionPlan.objects.bulk_create([
        InspectionPlan(month=month, org_id=pk, inspector=inspectors[i % len(inspectors)])
        for i, (pk, _last) in enumerate(take)
    ])
    return len(take)


@job(MONTHLY, period="month", ready="started",
     schedule={"minute": "0", "hour": "8", "day_of_month": "1"},
     title="assessment: monthly inspection reminders",
     description="Inspection plan reminders to inspectors, rectifications due, overdue escalation.")
def monthly_reminders(period):
    """Inspection reminders to inspectors, rectification reminders to units, overdue notices escalated."""
    parse_month(period)
    first, last = month_start(period), month_end(period)
    planned = plan_month(period)
    board = reverse("assessment:inspections") + f"?month={period}"
    sent = 0

    # Inspectors: their plan for the month (units are not told: the inspections are unannounced).
    plans = InspectionPlan.objects.filter(month=period).select_related("inspector")
    per_inspector = {}
    for entry in plans:
        per_inspector.setdefault(entry.inspector_id, [entry.inspector, 0])[1] += 1
    for inspector, count in per_inspector.values():
        _msg, created = message_send(
            recipient=inspector, kind="assessment.inspection_reminder", key=f"assessment:inspect:{period}",
            subject=_("%(count)s unannounced inspections planned for %(month)s") % {"count": count, "month": period},
            body=_("Your inspection plan for %(month)s is on the inspection board.") % {"month": period}, url=board,
        )
        sent += created

    # Units: rectifications falling due this month.
    # Only findings of published inspections: the unit is not told of an inspection before it is published.
    published = Finding.objects.filter(inspection__published_at__isnull=False)
    due_orgs = set(published.filter(status=FindingStatus.OPEN, deadline__range=(first, last))
                   .values_list("org_id", flat=True))
    due_people = _leading(due_orgs)
    if due_people:
        sent += message_send_many(
            recipients=due_people, kind="assessment.rectification_due", key=f"assessment:due:{period}",
            subject=_("Rectifications due in %(month)s") % {"month": period},
            body=_("Findings of an inspection in your area must be rectified this month."), url=board,
            sms_params=[period],
        )

    # Overdue: the unit and the level above are told every month; the first time, an interview is suggested.
    overdue = list(published.filter(status=FindingStatus.OPEN, deadline__lt=first)
                   .select_related("org", "inspection"))
    if overdue:
        unit_people = _leading({f.org_id for f in overdue})
        above_streets = {f.org.parent_id for f in overdue if f.org.level == 2}
        above = {u.pk: u for u in _leading(above_streets, (Role.STREET_SECRETARY,))}
        if any(f.org.level == 1 for f in overdue):
            above.update((u.pk, u) for u in users_with_role(Role.DISTRICT_STAFF))
        for people, key, subject in (
            (unit_people, f"assessment:overdue:{period}",
             _("Overdue rectifications in your area (%(month)s)") % {"month": period}),
            (list(above.values()), f"assessment:overdue-above:{period}",
             _("Overdue rectifications below you (%(month)s)") % {"month": period}),
        ):
            if people:
                sent += message_send_many(
                    recipients=people, kind="assessment.overdue", key=key, subject=subject,
                    body=_("Rectifications are past their deadline; the inspection board lists them."),
                    url=reverse("assessment:inspections") + "?overdue=1", sms_params=[period],
                )
        fresh = [f for f in overdue if f.escalated_on is None]
        Finding.objects.filter(pk__in=[f.pk for f in fresh]).update(escalated_on=first)
        Interview.objects.bulk_create([
            Interview(org_id=f.org_id, interviewee=f.org.secretary_name or f.org.name, reason=InterviewReason.OVERDUE,
                      finding=f, detail=_("Rectify by %(deadline)s: %(finding)s") % {
                          "deadline": f.deadline.isoformat(), "finding": f.description[:200]})
            for f in fresh
        ], ignore_conflicts=True)
        escalated = len(fresh)
    else:
        escalated = 0
    return {"planned": planned, "inspectors": len(per_inspector), "due_units": len(due_orgs),
            "overdue": len(overdue), "escalated": escalated, "messages": sent}


@job(ACTIONS, period="day", ready="started", schedule={"minute": "20", "hour": "7"},
     title="assessment: interview action reminders",
     description="Agreed actions of interviews: a reminder before the deadline, a notice once overdue.")
def interview_action_reminders(period):
    """Remind each open agreed action's owner 3 days before its deadline; once overdue, tell the owner and the
    interviewer. One message per action and kind (unique keys): running again sends nothing new."""
    day = parse_day(period)
    actions = list(InterviewAction.objects.filter(
        done_on__isnull=True, interview__status=InterviewStatus.HELD,
        deadline__lte=day + datetime.timedelta(days=REMIND_DAYS_BEFORE),
    ).select_related("interview", "interview__org", "interview__department", "interview__interviewer", "owner"))
    leaders = node_leaders(node_ids={a.interview.org_id for a in actions if a.interview.org_id and not a.owner_id})
    sent = 0
    for action in actions:
        owners = [action.owner] if action.owner_id else leaders.get(action.interview.org_id, [])
        url = reverse("assessment:interview", args=[action.interview_id])
        if action.deadline >= day:
            kind, key = "assessment.action_due", f"assessment:action:{action.pk}:before"
            subject = _("An action agreed at an interview is due on %(deadline)s") % {
                "deadline": action.deadline.isoformat()}
            people = owners
        else:
            kind, key = "assessment.action_overdue", f"assessment:action:{action.pk}:overdue"
            subject = _("An action agreed at an interview is overdue (due %(deadline)s)") % {
                "deadline": action.deadline.isoformat()}
            people = owners + ([action.interview.interviewer] if action.interview.interviewer_id else [])
        for person in {p.pk: p for p in people if p.is_active}.values():
            _msg, created = message_send(
                recipient=person, kind=kind, key=key, subject=subject, body=action.description[:500], url=url,
                sms_params=[str(action.interview.org or action.interview.department or ""), action.description[:20],
                            action.deadline.isoformat()])
            sent += created
    return {"actions": len(actions), "messages": sent}
