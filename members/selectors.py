"""Reads of member records, always cut to the acting user's scope."""

from django.db.models import F, Max

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
    if branch is None or not resolve_scope(user).covers(branch):
        return Member.objects.none()
    return _ranking(branch, year).select_related("org")


def _ranking(branch, year):
    """Members under `branch` with `total` points in `year` and `rank` (1 = most): one query, no scope."""
    from django.db.models import DecimalField, Q, Sum, Value, Window
    from django.db.models.functions import Coalesce, Rank

    total = Coalesce(
        Sum("point_entries__points", filter=Q(point_entries__on__year=year)),
        Value(0), output_field=DecimalField(max_digits=7, decimal_places=1),
    )
    return (
        Member.objects.filter(org__path__startswith=branch.path)
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

    from django.db.models.functions import ExtractDay, ExtractMonth
    from django.utils import timezone

    today = today or timezone.localdate()
    qs = member_list(user=user)
    if branch is not None:
        if not resolve_scope(user).covers(branch):
            return []
        qs = qs.filter(org__path__startswith=branch.path)
    # One month*100+day number per row compared with a list, rather than an OR of 31 month-and-day pairs: the
    # pairs cost two date extractions per pair and row (a branch page spent 4 s in them on SQLite, 0.1 s on
    # PostgreSQL at scale 1).
    wanted = {month * 100 + day for month, day in _month_days(today, days)}
    if 228 in wanted:
        wanted.add(229)
    rows = []
    members = qs.annotate(joined_md=ExtractMonth("joined_on") * 100 + ExtractDay("joined_on")).filter(
        joined_md__in=sorted(wanted), joined_on__lt=today)
    for member in members:
        for year in (today.year, today.year + 1):
            birthday = member.political_birthday(year)
            if today <= birthday <= today + datetime.timedelta(days=days):
                member.birthday, member.years = birthday, year - member.joined_on.year
                rows.append(member)
                break
    rows.sort(key=lambda m: (m.birthday, m.name, m.pk))
    return rows


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


def dues_paid_to(*, member):
    """The last month (its first day) up to which `member` has paid every month recorded, or None: what an
    introduction letter states as "dues paid up to". The caller has already checked the member is in scope."""
    from .models import DuesPayment

    unpaid = DuesPayment.objects.filter(member=member, amount_paid__lt=F("amount_due")).order_by("month").values(
        "month")[:1]
    paid = DuesPayment.objects.filter(member=member, amount_paid__gte=F("amount_due"))
    first_gap = unpaid.first()
    if first_gap is not None:
        paid = paid.filter(month__lt=first_gap["month"])
    return paid.aggregate(last=Max("month"))["last"]


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


# ---------------------------------------------------------------------------------------------------------------
# What a party member sees of themselves on the phone (through the account linked to their record)
# ---------------------------------------------------------------------------------------------------------------


def member_account_list(*, user, write=False):
    """Account links of members the user may see (or change)."""
    from .models import MemberAccount

    return MemberAccount.objects.filter(resolve_scope(user).nodes_q(write=write, prefix="member__org__")
                                        ).select_related("member__org", "user", "linked_by")


def linked_member(*, user):
    """The party member whose record is linked to `user` (with their organization and its parent), or None."""
    if user is None or not user.is_authenticated:
        return None
    return Member.objects.select_related("org__parent").filter(account__user_id=user.pk).first()


def member_branch(member):
    """The branch whose ranking a member belongs to: their organization, or the grid above their building
    group (a building group is a party group 党小组 inside the grid's branch)."""
    from grids.models import Level

    org = member.org
    return org.parent if org.level == Level.BUILDING_GROUP and org.parent_id else org


def my_branch_ranking(*, user, year, member=None):
    """The points ranking for `year` of the branch of the member linked to `user`: rows of pk, name, total and
    rank only (no personal data), most points first. Empty for a user with no linked member. One query
    (`member`, when the caller already has it from linked_member, saves looking it up again)."""
    member = member or linked_member(user=user)
    if member is None:
        return Member.objects.none().values("pk", "name")
    return _ranking(member_branch(member), year).values("pk", "name", "total", "rank")


def my_point_entries(*, user, year, member=None):
    """The points entries of `year` of the member linked to `user`, newest first."""
    from .models import PointEntry

    member = member or linked_member(user=user)
    if member is None:
        return PointEntry.objects.none()
    return PointEntry.objects.filter(member=member, on__year=year).only(
        "pk", "on", "category", "points", "reason", "member_id").order_by("-on", "-pk")


def my_enrolments(*, user, member=None):
    """The party-school classes of the member linked to `user`, newest first, with the class joined in."""
    from .models import Enrolment

    member = member or linked_member(user=user)
    if member is None:
        return Enrolment.objects.none()
    return Enrolment.objects.filter(member=member).select_related("training_class").order_by(
        "-training_class__starts_on", "training_class__name")


def my_quizzes(*, user, member=None):
    """Quizzes of the classes the member linked to `user` is enrolled in, each with `used` (their attempts) and
    `best` (their best score), in one query."""
    from django.db.models import Count, Max, Q

    from .models import Quiz

    member = member or linked_member(user=user)
    if member is None:
        return Quiz.objects.none()
    mine = Q(attempts__enrolment__member=member)
    return Quiz.objects.filter(training_class__enrolments__member=member).select_related("training_class").annotate(
        used=Count("attempts", filter=mine, distinct=True), best=Max("attempts__score", filter=mine),
    ).order_by("-opens_at", "pk")


def my_quiz(*, user, pk):
    """A quiz of a class the member linked to `user` is enrolled in, with its questions and choices, or None."""
    from django.db.models import Prefetch

    from .models import Choice, Question, Quiz

    member = linked_member(user=user)
    if member is None:
        return None
    return Quiz.objects.filter(pk=pk, training_class__enrolments__member=member).select_related(
        "training_class").prefetch_related(
        Prefetch("questions", queryset=Question.objects.prefetch_related(
            Prefetch("choices", queryset=Choice.objects.order_by("pk"))))).first()


def my_attempts(*, user, quiz=None):
    """The quiz attempts of the member linked to `user` (of one quiz, when given), latest first."""
    from .models import QuizAttempt

    qs = QuizAttempt.objects.filter(enrolment__member__account__user_id=getattr(user, "pk", None)).select_related(
        "quiz__training_class")
    if quiz is not None:
        qs = qs.filter(quiz=quiz)
    return qs.order_by("-submitted_at", "-pk")


def quiz_attempt_list(*, user):
    """Quiz attempts of the members in the user's area (the member's branch, whoever organized the class)."""
    from .models import QuizAttempt

    return QuizAttempt.objects.filter(resolve_scope(user).nodes_q(prefix="enrolment__member__org__")).select_related(
        "enrolment__member__org", "quiz__training_class")


def quiz_list(*, user, write=False):
    """Quizzes of classes organized in the user's area (the class organizer's subtree), with question and
    attempt counts."""
    from django.db.models import Count

    from .models import Quiz

    return Quiz.objects.filter(resolve_scope(user).nodes_q(write=write, prefix="training_class__organizer__")
                               ).select_related("training_class__organizer").annotate(
        question_count=Count("questions", distinct=True), attempt_count=Count("attempts", distinct=True))
