"""Reads of member records, always cut to the acting user's scope."""

from accounts.scopes import resolve_scope

from .models import Member


def member_list(*, user, write=False):
    """Members `user` may see (or change, with write=True), with their organization joined in."""
    scope = resolve_scope(user)
    return Member.objects.filter(scope.nodes_q(write=write, prefix="org__")).select_related("org")


def member_can_reveal(*, user, member):
    """Whether `user` may see this member's full ID-card number and phone (only where they may change it)."""
    return resolve_scope(user).covers(member.org, write=True)


def branch_get(*, user, pk):
    """A branch (level 2–4 node) the user may see, or None."""
    from grids.models import OrgNode

    return OrgNode.objects.filter(resolve_scope(user).nodes_q(), pk=pk, level__gte=2).first()


def candidate_list(*, user, write=False):
    from .models import Candidate

    return Candidate.objects.filter(resolve_scope(user).nodes_q(write=write, prefix="org__")).select_related("org")


def step_record_list(*, user):
    from .models import StepRecord

    return StepRecord.objects.filter(resolve_scope(user).nodes_q(prefix="candidate__org__")).select_related(
        "candidate__org", "step", "recorded_by")


def stage_filing_list(*, user, write=False):
    """Stage filings the user may see; `.filter(status="proposed")` is the street's to-do list."""
    from .models import StageFiling

    return StageFiling.objects.filter(
        resolve_scope(user).nodes_q(write=write, prefix="candidate__org__")
    ).select_related("candidate__org", "community_by", "street_by")


def development_deadlines(*, user, today=None, within_days=30):
    """(candidate, step, deadline) for every open candidate whose next step has an "at most" rule falling due
    within `within_days` (or overdue), soonest first. Three queries whatever the number of candidates."""
    import datetime

    from django.db.models import Prefetch
    from django.utils import timezone

    from .models import StepRecord
    from .services import _add_months, _steps

    today = today or timezone.localdate()
    steps = _steps()
    rows = []
    candidates = candidate_list(user=user).filter(completed_on__isnull=True).prefetch_related(
        Prefetch("steps", queryset=StepRecord.objects.select_related("step").only("candidate_id", "done_on",
                                                                               "step__number"))
    )
    for candidate in candidates:
        done = {r.step.number: r.done_on for r in candidate.steps.all()}
        upcoming = next((n for n in sorted(steps) if n not in done), None)
        step = steps.get(upcoming)
        if step is None or not step.max_months or step.after_step not in done:
            continue
        deadline = _add_months(done[step.after_step], step.max_months)
        if deadline <= today + datetime.timedelta(days=within_days):
            rows.append((candidate, step, deadline))
    rows.sort(key=lambda r: (r[2], r[0].pk))
    return rows


def point_entry_list(*, user, write=False):
    from .models import PointEntry

    return PointEntry.objects.filter(resolve_scope(user).nodes_q(write=write, prefix="member__org__")).select_related(
        "member__org", "recorded_by")


def points_ranking(*, user, branch, year):
    """Members under `branch` with their points total for `year` and rank (1 = most), in one query.
    Empty when the branch is outside the user's scope."""
    from django.db.models import DecimalField, Q, Sum, Value, Window
    from django.db.models.functions import Coalesce, Rank

    if branch is None or not resolve_scope(user).covers(branch):
        return Member.objects.none()
    total = Coalesce(
        Sum("point_entries__points", filter=Q(point_entries__on__year=year)),
        Value(0), output_field=DecimalField(max_digits=7, decimal_places=1),
    )
    return (
        Member.objects.filter(org__path__startswith=branch.path)
        .select_related("org")
        .annotate(total=total)
        .annotate(rank=Window(Rank(), order_by=total.desc()))
        .order_by("rank", "name", "pk")
    )


def _month_days(start, days):
    import datetime

    return [(d.month, d.day) for d in (start + datetime.timedelta(days=i) for i in range(days + 1))]


def birthdays_upcoming(*, user, branch=None, days=30, today=None):
    """Members (under `branch`, or everywhere the user sees) whose political birthday falls in the next `days`
    days, soonest first; each carries `birthday` (this year's date) and `years`. One query."""
    import datetime

    from django.db.models import Q
    from django.utils import timezone

    today = today or timezone.localdate()
    qs = member_list(user=user)
    if branch is not None:
        if not resolve_scope(user).covers(branch):
            return []
        qs = qs.filter(org__path__startswith=branch.path)
    wanted = _month_days(today, days)
    condition = Q(pk__in=[])
    for month, day in wanted:
        condition |= Q(joined_on__month=month, joined_on__day=day)
        if (month, day) == (2, 28):
            condition |= Q(joined_on__month=2, joined_on__day=29)
    rows = []
    for member in qs.filter(condition).filter(joined_on__lt=today):
        for year in (today.year, today.year + 1):
            birthday = member.political_birthday(year)
            if today <= birthday <= today + datetime.timedelta(days=days):
                member.birthday, member.years = birthday, year - member.joined_on.year
                rows.append(member)
                break
    rows.sort(key=lambda m: (m.birthday, m.name, m.pk))
    return rows


def greeting_list(*, user):
    from .models import BirthdayGreeting

    return BirthdayGreeting.objects.filter(resolve_scope(user).nodes_q(prefix="member__org__")).select_related(
        "member__org")


def transfer_list(*, user):
    """Transfers the user sees from either side: sent from, or to, a branch in their scope."""
    from .models import Transfer

    scope = resolve_scope(user)
    either_side = scope.nodes_q(prefix="from_org__") | scope.nodes_q(prefix="to_org__")
    return Transfer.objects.filter(either_side).select_related("member", "from_org", "to_org", "sent_by")


def meeting_list(*, user, write=False):
    from django.db.models import Count, Q

    from .models import Meeting

    return Meeting.objects.filter(resolve_scope(user).nodes_q(write=write, prefix="org__")).select_related(
        "org", "reviewed_by").annotate(
        present_count=Count("attendance", filter=Q(attendance__present=True)),
        absent_count=Count("attendance", filter=Q(attendance__present=False)),
    )


def dues_list(*, user, write=False):
    from .models import DuesPayment

    return DuesPayment.objects.filter(resolve_scope(user).nodes_q(write=write, prefix="member__org__")).select_related(
        "member__org")


def dues_arrears(*, user, until=None):
    """Payments short of the amount due, up to the month `until`, with what is missing: the arrears list."""
    from django.db.models import F

    qs = dues_list(user=user).filter(amount_paid__lt=F("amount_due"))
    if until is not None:
        qs = qs.filter(month__lte=until)
    return qs.annotate(missing=F("amount_due") - F("amount_paid")).order_by("member__org__path", "member__name",
                                                                            "month")


def dues_branch_totals(*, user, month):
    """Per organization holding members: due, paid and arrears for `month`, in one grouped query."""
    from django.db.models import Count, F, Sum

    return (
        dues_list(user=user).filter(month=month.replace(day=1))
        .values("member__org__code", "member__org__name", "member__org__path")
        .annotate(members=Count("pk"), due=Sum("amount_due"), paid=Sum("amount_paid"),
                  arrears=Sum(F("amount_due") - F("amount_paid")))
        .order_by("member__org__path")
    )


def training_class_list(*, user):
    """Classes organized in the user's area or above it (a community's members attend the street's classes)."""
    from django.db.models import Count, Q

    from .models import TrainingClass

    scope = resolve_scope(user)
    above = Q()
    for path in scope.read_paths:
        parts = path.strip("/").split("/")
        above |= Q(organizer__path__in=["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))])
    condition = scope.nodes_q(prefix="organizer__") | above if not scope.read_all else Q()
    return TrainingClass.objects.filter(condition).select_related("organizer").annotate(
        enrolled=Count("enrolments"))


def enrolment_list(*, user):
    from .models import Enrolment

    return Enrolment.objects.filter(resolve_scope(user).nodes_q(prefix="member__org__")).select_related(
        "member__org", "training_class")


def duty_status(*, user, org, day):
    """Each checklist item with, for the period containing `day`, whether `org` did it (and on time)."""
    from .models import DutyDone, DutyItem
    from .services import duty_period

    if org is None or not resolve_scope(user).covers(org):
        return []
    items = list(DutyItem.objects.all())
    periods = {item.pk: duty_period(item.frequency, day) for item in items}
    done = {(d.item_id, d.period): d for d in DutyDone.objects.filter(org=org, period__in=set(periods.values()))}
    return [(item, periods[item.pk], done.get((item.pk, periods[item.pk]))) for item in items]


def compliance_list(*, user):
    from .models import ComplianceSnapshot

    return ComplianceSnapshot.objects.filter(resolve_scope(user).nodes_q(prefix="org__")).select_related("org")
