"""The members app's periodic jobs, registered with jobs.registry and run through the job ledger (a period runs once).

Political birthdays: members are not users of the portal, so a greeting cannot go to their inbox. Each member's
greeting is a `BirthdayGreeting` row, unique per member and year (the database keeps it to once a year, whatever
runs the job or on which day), and the leaders of the member's branch (the community secretary and the grid or
building-group leader above the member) get one inbox message a day listing whom to greet, keyed by the day, so
a second run sends nothing.
"""

import calendar
import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.scopes import node_leaders
from core.periods import month_end, month_key, month_of, month_start, parse_day, parse_month, parse_quarter
from grids.models import OrgNode
from inbox.services import message_send
from jobs.registry import job

from .models import BirthdayGreeting, Candidate, MemberAccount, ComplianceSnapshot, DutyDone, DutyItem, Member
from .development.selectors import development_steps
from .rules import duty_period, next_deadline

BIRTHDAY_JOB = "members.political_birthdays"
DEADLINE_JOB = "members.development_deadlines"
#: The branch roles told about a member's birthday, a candidate's deadlines and a community's duties.
BRANCH_ROLES = (Role.COMMUNITY_SECRETARY, Role.GRID_LEADER)
DAILY = {"minute": "10", "hour": "7"}
MONTHLY = {"minute": "30", "hour": "7", "day_of_month": "1"}


def _ancestor_paths(path):
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


@job(BIRTHDAY_JOB, period="day", ready="started", schedule=DAILY,
     title="members: daily political birthdays",
     description="Political-birthday greetings: one list a day to each branch leader.")
def political_birthdays(period):
    """Greet every member whose political birthday is the day `period` (YYYY-MM-DD), once a year each."""
    day = parse_day(period)
    members = Member.objects.filter(joined_on__month=day.month, joined_on__day=day.day, joined_on__lt=day)
    if (day.month, day.day) == (2, 28) and not _is_leap(day.year):
        members = Member.objects.filter(joined_on__month=2, joined_on__day__in=[28, 29], joined_on__lt=day)
    members = list(members.select_related("org").exclude(birthday_greetings__year=day.year))
    BirthdayGreeting.objects.bulk_create(
        [BirthdayGreeting(member=m, year=day.year, on=day, party_years=day.year - m.joined_on.year) for m in members],
        ignore_conflicts=True,
    )
    leaders = node_leaders(paths=(p for m in members for p in _ancestor_paths(m.org.path)), roles=BRANCH_ROLES)
    lists = {}
    for member in members:
        for path in _ancestor_paths(member.org.path):
            for user in leaders.get(path, ()):
                lists.setdefault(user.pk, (user, []))[1].append(member)
    sent = 0
    for user, greeted in lists.values():
        lines = [
            _("%(name)s (%(org)s): %(years)s years in the Party") % {
                "name": m.name, "org": m.org.name, "years": day.year - m.joined_on.year}
            for m in sorted(greeted, key=lambda m: (m.org.path, m.name))
        ]
        _msg, created = message_send(
            recipient=user, kind="members.political_birthday", key=f"{BIRTHDAY_JOB}:{period}",
            subject=_("Political birthdays today: %(count)s members to greet") % {"count": len(greeted)},
            body="\n".join(lines), url="/members/birthdays/",
        )
        sent += created
    # Members who linked their account are greeted themselves (inbox, and SMS to the phone on their record).
    for account in MemberAccount.objects.filter(member__in=members).select_related("user", "member"):
        years = day.year - account.member.joined_on.year
        _msg, created = message_send(
            recipient=account.user, kind="members.birthday_greeting", key=f"{BIRTHDAY_JOB}:self:{day.year}",
            subject=_("Happy political birthday: %(years)s years in the Party") % {"years": years},
            body=_("Today is the anniversary of the day you joined the Party. Thank you for your service."),
            url="/m/party/", sms_params=[account.member.name, years],
        )
        sent += created
    return {"greeted": len(members), "messages": sent}


def _is_leap(year):
    return calendar.isleap(year)


@job(DEADLINE_JOB, period="day", ready="started", schedule=DAILY,
     title="members: daily development deadlines",
     description="Reminders of development steps due within two weeks or overdue, to the branch leaders.")
def development_deadlines(period, within_days=14):
    """Remind branch leaders of development steps due within two weeks (or overdue): once per step and deadline."""
    day = parse_day(period)
    steps = development_steps()
    sent = due = 0
    candidates = Candidate.objects.filter(completed_on__isnull=True).select_related(
        "org", "account__user").prefetch_related(
        "steps__step")
    pending = []
    for candidate in candidates:
        upcoming = next_deadline(steps, {r.step.number: r.done_on for r in candidate.steps.all()})
        if upcoming is not None and upcoming[1] <= day + datetime.timedelta(days=within_days):
            pending.append((candidate, *upcoming))
    leaders = node_leaders(paths=(p for c, _s, _d in pending for p in _ancestor_paths(c.org.path)),
                           roles=BRANCH_ROLES)
    for candidate, step, deadline in pending:
        due += 1
        for path in _ancestor_paths(candidate.org.path):
            for user in leaders.get(path, ()):
                _msg, created = message_send(
                    recipient=user, kind="members.development_deadline",
                    key=f"{DEADLINE_JOB}:{candidate.pk}:{step.number}:{deadline}",
                    subject=_("%(name)s: step %(number)s (%(step)s) is due by %(deadline)s") % {
                        "name": candidate.name, "number": step.number, "step": step.name, "deadline": deadline},
                    url=f"/admin/members/candidate/{candidate.pk}/change/",
                    sms_params=[candidate.name, step.name, deadline.isoformat()],
                )
                sent += created
        account = getattr(candidate, "account", None)
        if account is not None:
            _msg, created = message_send(
                recipient=account.user, kind="members.my_development_deadline",
                key=f"{DEADLINE_JOB}:self:{candidate.pk}:{step.number}:{deadline}",
                subject=_("Your development step %(number)s (%(step)s) is due by %(deadline)s") % {
                    "number": step.number, "step": step.name, "deadline": deadline},
                url="/m/party/development/", sms_params=[candidate.name, step.name, deadline.isoformat()],
            )
            sent += created
    return {"due": due, "messages": sent}


DUTY_REMINDER_JOB = "members.duty_reminders"
COMPLIANCE_JOB = "members.duty_compliance"
DUE_PER_QUARTER = {"weekly": 13, "monthly": 3, "quarterly": 1}


def periods_ending_in(month):
    """The checklist periods of every frequency that end in `month` (YYYY-MM): the month itself, the ISO weeks
    whose Sunday falls in it, and the quarter, half-year and year when the month closes one."""
    year, number = parse_month(month)
    first, last = month_start(month), month_end(month)
    periods = {"monthly": [month], "weekly": []}
    day = first + datetime.timedelta(days=(6 - first.weekday()))
    while day <= last:
        periods["weekly"].append(duty_period("weekly", day))
        day += datetime.timedelta(days=7)
    if number % 3 == 0:
        periods["quarterly"] = [duty_period("quarterly", last)]
    if number % 6 == 0:
        periods["half_yearly"] = [duty_period("half_yearly", last)]
    if number == 12:
        periods["yearly"] = [str(year)]
    return periods


def _month_before(now):
    """The default period of the duty reminders: run on the 1st, they are about the month just ended."""
    return month_of(now.replace(day=1) - datetime.timedelta(days=1))


@job(DUTY_REMINDER_JOB, period="month", default=_month_before, ready="ended", schedule=MONTHLY,
     title="members: duty checklist reminders",
     description="Checklist items not done for a period that ended in the month before, to community secretaries.")
def duty_reminders(period):
    """For the month `period` (YYYY-MM): remind each community secretary of the checklist items their community
    has not done for a period that ended in that month — the month's items, its weeks, and the quarter, half-year
    or year it closes (one message per secretary and month, each missing item with its period)."""
    periods = periods_ending_in(period)
    due = [(item, key) for item in DutyItem.objects.order_by("number")
           for key in periods.get(item.frequency, ())]
    wanted = Q(pk__in=[])
    for frequency, keys in periods.items():
        wanted |= Q(item__frequency=frequency, period__in=keys)
    done = set(DutyDone.objects.filter(wanted, org__level=2).values_list("org_id", "item_id", "period"))
    communities = list(OrgNode.objects.filter(level=2).only("pk", "path", "name"))
    leaders = node_leaders(paths=(c.path for c in communities), roles=BRANCH_ROLES)
    sent = missing_total = 0
    for community in communities:
        missing = [(item, key) for item, key in due if (community.pk, item.pk, key) not in done]
        if not missing:
            continue
        missing_total += 1
        for user in leaders.get(community.path, ()):
            _msg, created = message_send(
                recipient=user, kind="members.duty_reminder", key=f"{DUTY_REMINDER_JOB}:{period}",
                subject=_("%(org)s: %(count)s checklist items not done in %(period)s") % {
                    "org": community.name, "count": len(missing), "period": period},
                body="\n".join(f"{item.name} ({key})" for item, key in missing),
            )
            sent += created
    return {"communities_missing": missing_total, "messages": sent}


@job(COMPLIANCE_JOB, period="quarter", ready="ended",
     schedule={**MONTHLY, "month_of_year": "1,4,7,10"},
     title="members: quarterly duty compliance",
     description="The compliance snapshot of every community for the quarter just ended.")
def duty_compliance(period):
    """The quarter's (YYYYQn) compliance snapshot of every community: items due, done, done on time."""
    year, quarter = parse_quarter(period)
    months = [month_key(year, m) for m in range(quarter * 3 - 2, quarter * 3 + 1)]
    periods = months + [period, f"{year}H{1 if quarter <= 2 else 2}", str(year)]
    due = 0
    for item in DutyItem.objects.all():
        due += DUE_PER_QUARTER.get(item.frequency, 0)
        due += item.frequency == "half_yearly" and quarter in (2, 4)
        due += item.frequency == "yearly" and quarter == 4
    week_start = f"{year}-W{(quarter - 1) * 13 + 1:02d}"
    week_end = f"{year}-W{quarter * 13:02d}"
    in_quarter = Q(period__in=periods[:4]) | Q(period__gte=week_start, period__lte=week_end, item__frequency="weekly")
    if quarter in (2, 4):
        in_quarter |= Q(period=periods[4])
    if quarter == 4:
        in_quarter |= Q(period=periods[5])
    counts = {row["org_id"]: row for row in DutyDone.objects.filter(in_quarter, org__level=2).values("org_id").annotate(
        done=Count("pk"), on_time=Count("pk", filter=Q(on_time=True)))}
    rows = []
    for org_id in OrgNode.objects.filter(level=2).values_list("pk", flat=True):
        row = counts.get(org_id, {"done": 0, "on_time": 0})
        done = min(row["done"], due)
        rows.append(ComplianceSnapshot(org_id=org_id, quarter=period, due=due, done=done,
                                       on_time=min(row["on_time"], done)))
    ComplianceSnapshot.objects.bulk_create(rows, ignore_conflicts=True)
    return {"branches": len(rows), "due": due}

