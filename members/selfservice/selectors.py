"""What a party member sees of themselves on the phone (through the account linked to their record), and the
account links staff see."""

from django.db.models import Count, Max, Prefetch, Q

from accounts.scopes import resolve_scope
from grids.models import Level
from members.points.models import PointEntry
from members.points.selectors import branch_ranking
from members.records.models import Member
from members.training.models import Choice, Enrolment, Question, Quiz, QuizAttempt

from members.development.models import Candidate, StepRecord
from members.development.selectors import development_steps
from members.dues.models import DuesPayment
from members.orglife.models import Attendance
from members.rules import next_deadline

from .models import MemberAccount


def member_account_list(*, user, write=False):
    """Account links of members the user may see (or change)."""
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
    org = member.org
    return org.parent if org.level == Level.BUILDING_GROUP and org.parent_id else org


def my_branch_ranking(*, user, year, member=None):
    """The points ranking for `year` of the branch of the member linked to `user`: rows of pk, name, total and
    rank only (no personal data), most points first. Empty for a user with no linked member. One query
    (`member`, when the caller already has it from linked_member, saves looking it up again)."""
    member = member or linked_member(user=user)
    if member is None:
        return Member.objects.none().values("pk", "name")
    return branch_ranking(member_branch(member), year).values("pk", "name", "total", "rank")


def my_point_entries(*, user, year, member=None):
    """The points entries of `year` of the member linked to `user`, newest first."""
    member = member or linked_member(user=user)
    if member is None:
        return PointEntry.objects.none()
    return PointEntry.objects.filter(member=member, on__year=year).only(
        "pk", "on", "category", "points", "reason", "member_id").order_by("-on", "-pk")


def my_enrolments(*, user, member=None):
    """The party-school classes of the member linked to `user`, newest first, with the class joined in."""
    member = member or linked_member(user=user)
    if member is None:
        return Enrolment.objects.none()
    return Enrolment.objects.filter(member=member).select_related("training_class").order_by(
        "-training_class__starts_on", "training_class__name")


def my_quizzes(*, user, member=None):
    """Quizzes of the classes the member linked to `user` is enrolled in, each with `used` (their attempts) and
    `best` (their best score), in one query."""
    member = member or linked_member(user=user)
    if member is None:
        return Quiz.objects.none()
    mine = Q(attempts__enrolment__member=member)
    return Quiz.objects.filter(training_class__enrolments__member=member).select_related("training_class").annotate(
        used=Count("attempts", filter=mine, distinct=True), best=Max("attempts__score", filter=mine),
    ).order_by("-opens_at", "pk")


def my_quiz(*, user, pk):
    """A quiz of a class the member linked to `user` is enrolled in, with its questions and choices, or None."""
    member = linked_member(user=user)
    if member is None:
        return None
    return Quiz.objects.filter(pk=pk, training_class__enrolments__member=member).select_related(
        "training_class").prefetch_related(
        Prefetch("questions", queryset=Question.objects.prefetch_related(
            Prefetch("choices", queryset=Choice.objects.order_by("pk"))))).first()


def my_attempts(*, user, quiz=None):
    """The quiz attempts of the member linked to `user` (of one quiz, when given), latest first."""
    qs = QuizAttempt.objects.filter(enrolment__member__account__user_id=getattr(user, "pk", None)).select_related(
        "quiz__training_class")
    if quiz is not None:
        qs = qs.filter(quiz=quiz)
    return qs.order_by("-submitted_at", "-pk")


def my_dues(*, member, months=24):
    """The member's dues of the last `months` months recorded, newest first, with `arrears` each (one query)."""
    return list(DuesPayment.objects.filter(member=member).only(
        "pk", "member_id", "month", "amount_due", "amount_paid", "paid_on", "paid_by").order_by("-month")[:months])


def my_meetings(*, member, limit=30):
    """The meetings the member was expected at, newest first: kind, date, topic and whether they were there
    (never who else came)."""
    return list(Attendance.objects.filter(member=member).select_related("meeting").only(
        "pk", "present", "absence_reason", "meeting__kind", "meeting__held_on", "meeting__topic",
        "meeting__org_id").order_by("-meeting__held_on", "-pk")[:limit])


def linked_candidate(*, user):
    """The development candidate linked to `user` (an applicant following their steps), or None."""
    if user is None or not user.is_authenticated:
        return None
    return Candidate.objects.select_related("org").filter(account__user_id=user.pk).first()


def my_development(*, candidate):
    """The 25 steps with the candidate's own records: rows of (step, done_on or None), and the next step's
    deadline (step, date) when its rule gives one (two queries)."""
    steps = development_steps()
    done = {r.step.number: r.done_on for r in StepRecord.objects.filter(candidate=candidate).select_related("step")}
    rows = [{"step": steps[n], "done_on": done.get(n)} for n in sorted(steps)]
    return rows, next_deadline(steps, done)
