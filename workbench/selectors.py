"""The open work of each role, read through the feature apps' scoped selectors. Every section costs a fixed number
of queries (its list capped, counted only when longer than the cap), whatever the size of the district."""

import datetime

from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from assessment import selectors as assessment
from assessment.models import FindingStatus, Inspection, InterviewStatus, Quarter, QuarterStatus, Score
from core.periods import month_of, quarter_end, quarter_of, quarters_back
from members.development.selectors import development_deadlines, stage_filing_list
from members.development.models import FilingStatus
from members.dues.selectors import dues_months_to_review
from members.imports.models import ImportStatus, MemberImport
from members.orglife.selectors import compliance_list, duty_status, meeting_list
from members.records.selectors import birthdays_upcoming
from participation.models import RequestStatus
from participation.selectors import request_list, staff_activity_list
from participation.models import ActivityStatus
from servicecenters.models import BookingStatus
from servicecenters.selectors import staff_booking_list
from grids.models import label_related
from grids.selectors import org_list

from .roles import granted_nodes, workbench_roles
from .sections import Item, Section, capped, capped_list

#: How far back failed imports are listed.
IMPORT_DAYS = 30
#: Development deadlines listed this many days ahead (overdue ones always).
DEADLINE_DAYS = 30


def _admin(name, *args):
    return reverse(f"admin:{name}", args=args)


def _day(value):
    return value.strftime("%Y-%m-%d") if value else ""


def _local(moment):
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


# --- district staff ------------------------------------------------------------------------------------------------

def quarters_to_publish(*, user, today):
    """The last four quarters not yet published, with how many units have scores (two queries)."""
    keys = quarters_back(quarter_of(today), 4)
    states = {q.key: q for q in Quarter.objects.filter(key__in=keys)}
    scored = dict(
        Score.objects.filter(quarter__in=keys).values("quarter").annotate(
            n=Count("org", distinct=True) + Count("department", distinct=True)).values_list("quarter", "n"))
    items = []
    for key in reversed(keys):
        state = states.get(key)
        status = state.status if state else QuarterStatus.OPEN
        if status == QuarterStatus.PUBLISHED:
            continue
        ended = quarter_end(key) < today
        items.append(Item(
            label=key,
            url=reverse("assessment:scores", args=[key]),
            detail=_("%(n)d units scored") % {"n": scored.get(key, 0)},
            badge=_("ended, to publish") if ended else QuarterStatus(status).label,
            tone="warn" if ended else "info",
        ))
    return Section("quarters", _("Quarters to score and publish"), items, len(items),
                   reverse("assessment:scores-now"), _("Every quarter so far is published."))


def overdue_findings(*, user, today):
    rows, total = capped(assessment.findings(user=user).filter(
        status=FindingStatus.OPEN, deadline__lt=today).order_by("deadline", "pk"))
    items = [Item(label=f.org.name, url=reverse("assessment:finding", args=[f.pk]),
                  detail=f.description[:60], badge=_("due %(day)s") % {"day": _day(f.deadline)}, tone="warn")
             for f in rows]
    return Section("overdue", _("Overdue rectifications"), items, total, reverse("assessment:inspections"),
                   _("No rectification is overdue."))


def interviews_due(*, user, today):
    rows, total = capped(assessment.interviews(user=user).filter(
        status=InterviewStatus.SUGGESTED).order_by("created_at", "pk"))
    items = [Item(label=(i.org.name if i.org_id else i.department.name),
                  url=reverse("assessment:interview", args=[i.pk]),
                  detail=i.get_reason_display(), badge=_day(i.created_at.date()))
             for i in rows]
    return Section("interviews", _("Interviews due"), items, total, reverse("assessment:interviews"),
                   _("No interview waits to be held."))


def failed_imports(*, user, today):
    """Failed background imports of the last 30 days: everyone's for district staff, one's own otherwise."""
    qs = MemberImport.objects.filter(status=ImportStatus.FAILED,
                                     created_at__gte=timezone.now() - datetime.timedelta(days=IMPORT_DAYS))
    district = Role.DISTRICT_STAFF in workbench_roles(user)
    if not district:
        qs = qs.filter(created_by_id=user.pk)
    rows, total = capped(qs.select_related("created_by").order_by("-created_at", "-pk"))
    items = []
    for job in rows:
        own = job.created_by_id == user.pk
        url = (reverse("members:import-status", args=[job.pk]) if own
               else _admin("members_memberimport_change", job.pk))
        items.append(Item(label=job.file_name, url=url, tone="warn", badge=_("failed"),
                          detail=f"{job.get_kind_display()} · {job.created_by.get_username()} · "
                                 f"{_local(job.created_at)}"))
    more = _admin("members_memberimport_changelist") + "?status__exact=failed" if district \
        else reverse("members:import")
    return Section("imports", _("Imports failed"), items, total, more, _("No import failed."))


# --- street secretary ----------------------------------------------------------------------------------------------

def filings_to_review(*, user, today):
    rows, total = capped(stage_filing_list(user=user, write=True).filter(
        status=FilingStatus.PROPOSED).select_related(label_related("candidate__org__")).order_by("community_on", "pk"))
    items = [Item(label=f.candidate.name, url=_admin("members_stagefiling_change", f.pk),
                  detail=f"{f.get_stage_display()} · {f.candidate.org.label}",
                  badge=_day(f.community_on)) for f in rows]
    return Section("filings", _("Filings to pre-review"), items, total,
                   _admin("members_stagefiling_changelist"), _("No filing waits for pre-review."))


def meetings_to_review(*, user, today):
    """Branch meetings not yet reviewed, recorded by someone else (one does not review one's own)."""
    rows, total = capped(meeting_list(user=user, write=True).filter(reviewed_by__isnull=True).exclude(
        recorded_by_id=user.pk).select_related(label_related("org__")).order_by("held_on", "pk"))
    items = [Item(label=m.topic, url=_admin("members_meeting_change", m.pk),
                  detail=f"{m.get_kind_display()} · {m.org.label}", badge=_day(m.held_on)) for m in rows]
    return Section("meetings", _("Meetings to review"), items, total, _admin("members_meeting_changelist"),
                   _("No meeting waits for review."))


def communities_behind(*, user, today):
    """Branches whose latest quarterly compliance snapshot shows checklist items not done."""
    snapshots = compliance_list(user=user)
    latest = snapshots.order_by("-quarter").values_list("quarter", flat=True).first()
    rows, total = ([], 0) if latest is None else capped(
        snapshots.filter(quarter=latest, done__lt=F("due")).select_related(label_related("org__")).order_by(
            "org__path"))
    items = [Item(label=s.org.label, url=reverse("workbench:tree-node", args=[s.org_id]),
                  detail=_("%(done)d of %(due)d duties done in %(quarter)s") % {
                      "done": s.done, "due": s.due, "quarter": s.quarter},
                  badge=f"{s.rate}%", tone="warn") for s in rows]
    return Section("duties", _("Communities behind on duties"), items, total,
                   _admin("members_compliancesnapshot_changelist"), _("Every branch kept its duties."))


def dues_to_review(*, user, today):
    """Months of dues waiting for the user's review (two queries): the community's secretary reviews first, then
    the street's. Each item opens the review page at its row."""
    rows = dues_months_to_review(user=user, today=today)
    shown, total = capped_list(rows)
    page = reverse("members:dues-review")
    items = [Item(label=row.community_name, url=f"{page}#dues-{row.community_id}-{row.month_key}",
                  detail=_("%(members)d members · due ¥%(due)s · paid ¥%(paid)s") % {
                      "members": row.members, "due": row.due, "paid": row.paid},
                  badge=row.month_key, tone="warn" if row.arrears else "info") for row in shown]
    return Section("dues", _("Dues to review"), items, total, page, _("No month's dues wait for your review."))


# --- community secretary -------------------------------------------------------------------------------------------

def duties_due(*, user, today):
    """The duty checklist's items not yet done in their current period, for each community the user keeps."""
    paths = granted_nodes(user, Role.COMMUNITY_SECRETARY) or granted_nodes(user, Role.GRID_LEADER)
    nodes = list(org_list(user=user).filter(path__in=paths).order_by("path")[:3])
    items = []
    for node in nodes:
        for item, period, done in duty_status(user=user, org=node, day=today):
            if done is None:
                items.append(Item(label=item.name,
                                  url=_admin("members_dutydone_add") + f"?org={node.pk}&item={item.pk}",
                                  detail=f"{node.name} · {period}", badge=item.get_frequency_display(),
                                  tone="info"))
    shown, total = capped_list(items)
    return Section("duty", _("Duties due under the checklist"), shown, total,
                   _admin("members_dutydone_changelist"), _("Every duty of this period is done."))


def candidate_deadlines(*, user, today):
    rows = development_deadlines(user=user, today=today, within_days=DEADLINE_DAYS)
    shown, total = capped_list(rows)
    items = [Item(label=c.name, url=_admin("members_candidate_change", c.pk),
                  detail=f"{c.org.name} · {step.name}",
                  badge=_("due %(day)s") % {"day": _day(due)}, tone="warn" if due < today else "info")
             for c, step, due in shown]
    return Section("deadlines", _("Candidates' next deadlines"), items, total,
                   _admin("members_candidate_changelist"), _("No development deadline in the next 30 days."))


def birthdays_this_week(*, user, today):
    rows = birthdays_upcoming(user=user, days=6, today=today)
    shown, total = capped_list(rows)
    items = [Item(label=m.name, url=reverse("members:birthdays"), detail=m.org.name if m.org_id else "",
                  badge=_("%(day)s · %(years)d years") % {"day": m.birthday.strftime("%m-%d"), "years": m.years})
             for m in shown]
    return Section("birthdays", _("Political birthdays this week"), items, total, reverse("members:birthdays"),
                   _("No political birthday this week."))


def requests_waiting(*, user, today):
    rows, total = capped(request_list(user=user).filter(
        status__in=[RequestStatus.SUBMITTED, RequestStatus.ACCEPTED]).exclude(resident_id=user.pk).order_by(
        "due_on", "pk"))
    items = [Item(label=r.title, url=reverse("participation:request", args=[r.pk]),
                  detail=f"{r.community.name} · {r.get_status_display()}",
                  badge=_("due %(day)s") % {"day": _day(r.due_on)}, tone="warn" if r.due_on < today else "")
             for r in rows]
    return Section("requests", _("Residents' requests waiting"), items, total, reverse("participation:requests"),
                   _("No resident's request is waiting."))


# --- inspector -----------------------------------------------------------------------------------------------------

def inspections_this_month(*, user, today):
    """This month's plan entries assigned to the inspector, each done or still to visit."""
    month = month_of(today)
    rows, total = capped(assessment.inspection_plans(user=user, month=month).filter(
        inspector_id=user.pk).select_related("org__parent").order_by("org__path"))
    items = []
    for plan in rows:
        done = _inspection_of(plan)
        unit = plan.org  # a street or a community: an inspector goes to a community by its street
        items.append(Item(
            label=f"{unit.parent.name} · {unit.name}" if unit.parent_id else unit.name,
            url=(reverse("assessment:inspections") + f"?month={month}") if done else
            reverse("assessment:inspection-new"),
            detail=month, badge=_("visited %(day)s") % {"day": _day(done.visited_on)} if done else _("to visit"),
            tone="" if done else "info"))
    return Section("inspections", _("This month's inspections"), items, total,
                   reverse("assessment:inspections"), _("No inspection is planned for you this month."))


def _inspection_of(plan):
    """The visit recorded for a plan entry, or None (the reverse one-to-one raises when there is none)."""
    try:
        return plan.inspection
    except Inspection.DoesNotExist:
        return None


def open_findings(*, user, today):
    rows, total = capped(assessment.findings(user=user).filter(inspection__inspector_id=user.pk).exclude(
        status=FindingStatus.CLOSED).order_by("deadline", "pk"))
    items = [Item(label=f.org.name, url=reverse("assessment:finding", args=[f.pk]), detail=f.description[:60],
                  badge=f.get_status_display(), tone="warn" if f.is_overdue(today) else "info") for f in rows]
    return Section("findings", _("Open findings"), items, total, reverse("assessment:inspections"),
                   _("None of your findings is open."))


# --- service-center staff ------------------------------------------------------------------------------------------

def bookings_to_approve(*, user, today):
    rows, total = capped(staff_booking_list(user=user).filter(
        status=BookingStatus.PENDING, end__gt=timezone.now()).order_by("start", "pk"))
    items = [Item(label=f"{b.room.center.name} · {b.room.name}",
                  url=reverse("sc:staff") + f"?center={b.room.center_id}",
                  detail=b.purpose or b.resident.get_full_name() or "", badge=_local(b.start), tone="info")
             for b in rows]
    return Section("approvals", _("Bookings to approve"), items, total, reverse("sc:staff"),
                   _("No booking waits for approval."))


def check_ins_today(*, user, today):
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    rows, total = capped(staff_booking_list(user=user).filter(
        status=BookingStatus.CONFIRMED, start__gte=start, start__lt=start + datetime.timedelta(days=1)).order_by(
        "start", "pk"))
    items = [Item(label=f"{b.room.center.name} · {b.room.name}",
                  url=reverse("sc:staff") + f"?center={b.room.center_id}",
                  detail=b.purpose, badge=timezone.localtime(b.start).strftime("%H:%M")) for b in rows]
    return Section("checkins", _("Today's check-ins"), items, total, reverse("sc:staff"),
                   _("No booking to check in today."))


def upcoming_activities(*, user, today):
    rows, total = capped(staff_activity_list(user=user).filter(
        status=ActivityStatus.PUBLISHED, ends_at__gt=timezone.now()).order_by("starts_at", "pk"))
    items = [Item(label=a.title, url=reverse("participation:staff_activity", args=[a.pk]),
                  detail=f"{a.center.name} · {a.signed_up}/{a.capacity}", badge=_local(a.starts_at)) for a in rows]
    return Section("activities", _("Upcoming activities"), items, total, reverse("participation:staff_activities"),
                   _("No activity coming up."))


def requests_routed(*, user, today):
    from accounts.scopes import resolve_scope

    centers = resolve_scope(user).center_ids
    rows, total = capped(request_list(user=user).filter(status=RequestStatus.ROUTED, center_id__in=centers).order_by(
        "due_on", "pk"))
    items = [Item(label=r.title, url=reverse("participation:request", args=[r.pk]),
                  detail=f"{r.center.name} · {r.community.name}",
                  badge=_("due %(day)s") % {"day": _day(r.due_on)}, tone="warn" if r.due_on < today else "")
             for r in rows]
    return Section("routed", _("Residents' requests routed to your center"), items, total,
                   reverse("participation:requests"), _("No request is routed to your center."))


SECTIONS = {
    Role.DISTRICT_STAFF: [quarters_to_publish, overdue_findings, interviews_due, failed_imports],
    Role.STREET_SECRETARY: [filings_to_review, meetings_to_review, dues_to_review, communities_behind, failed_imports],
    Role.COMMUNITY_SECRETARY: [duties_due, dues_to_review, candidate_deadlines, birthdays_this_week,
                               requests_waiting],
    Role.INSPECTOR: [inspections_this_month, open_findings],
    Role.CENTER_STAFF: [bookings_to_approve, check_ins_today, upcoming_activities, requests_routed],
}


def workbench_for(*, user, today=None):
    """[(role, [Section, …]), …] for each role whose work the user does; a section shared by two roles once."""
    today = today or timezone.localdate()
    seen, out = set(), []
    for role in workbench_roles(user):
        sections = []
        for build in SECTIONS[role]:
            if build in seen:
                continue
            seen.add(build)
            sections.append(build(user=user, today=today))
        out.append((role, sections))
    return out
