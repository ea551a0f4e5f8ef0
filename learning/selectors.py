"""Reads of online learning: what a member sees (published to their area), what staff see (their area, and the
district's read-only), rankings cut to branch, community, street and district."""

import datetime

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Window
from django.db.models.functions import Rank
from django.utils import timezone

from accounts.scopes import resolve_scope
from members.selfservice.selectors import linked_member, member_branch

from .models import Contest, ContestAttempt, ContestQuestion, Lesson, LessonRead, Option, PracticeAnswer, Question, Topic


def masked_name(name):
    """王*明, 王*: a name shown to people outside the member's branch."""
    name = name or ""
    if len(name) <= 1:
        return name
    return name[0] + "*" * max(len(name) - 2, 1) + (name[-1] if len(name) > 2 else "")


def ancestor_paths(path):
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def for_member_q(member, prefix=""):
    """Published to the district (no organization) or to an organization on the member's way up."""
    return Q(**{f"{prefix}org__isnull": True}) | Q(**{f"{prefix}org__path__in": ancestor_paths(member.org.path)})


# --- the member's side -------------------------------------------------------------------------------------


def my_lessons(*, member, now=None, topic=None):
    """Published lessons for the member's area, newest first, each with `read` (whether they read it)."""
    now = now or timezone.now()
    qs = Lesson.objects.filter(for_member_q(member), published_at__lte=now).select_related("topic").annotate(
        read=Exists(LessonRead.objects.filter(lesson=OuterRef("pk"), member=member)))
    if topic is not None:
        qs = qs.filter(topic=topic)
    return qs.order_by("-published_at", "-pk")


def my_lesson(*, member, pk, now=None):
    return my_lessons(member=member, now=now).filter(pk=pk).first()


def topics_with_counts():
    """Topics with the number of questions in use (for practice), in one query."""
    return Topic.objects.annotate(n=Count("questions", filter=Q(questions__active=True))).filter(n__gt=0).order_by(
        "order", "name")


def practice_question(*, member, topic, exclude=()):
    """A question of `topic` to practise: one the member has not answered yet, else the one answered longest
    ago; with its options."""
    answered = PracticeAnswer.objects.filter(member=member, question=OuterRef("pk"))
    return (Question.objects.filter(topic=topic, active=True).exclude(pk__in=list(exclude))
            .annotate(done=Exists(answered)).prefetch_related(Prefetch("options", queryset=Option.objects.order_by(
                "order", "pk")))
            .order_by("done", "?").first())


def practice_stats(*, member):
    """How many practice answers the member gave and how many were right."""
    return PracticeAnswer.objects.filter(member=member).aggregate(n=Count("pk"), right=Count("pk", filter=Q(
        correct=True)))


def my_contests(*, member, now=None):
    """Published contests open to the member's area (open, coming, or closed in the last 90 days), each with
    `mine`: their attempt, if any (one query for the contests, one for the attempts)."""
    now = now or timezone.now()
    contests = list(Contest.objects.filter(for_member_q(member), published=True,
                                           closes_at__gte=now - datetime.timedelta(days=90))
                    .annotate(n_questions=Count("paper")).order_by("-opens_at", "-pk"))
    attempts = {a.contest_id: a for a in ContestAttempt.objects.filter(member=member, contest__in=contests)}
    for contest in contests:
        contest.mine = attempts.get(contest.pk)
        contest.open_now = contest.is_open(now)
    return contests


def my_contest(*, member, pk):
    return Contest.objects.filter(for_member_q(member), published=True, pk=pk).first()


def contest_paper(contest):
    """The paper's questions in order, with their options."""
    return [cq.question for cq in ContestQuestion.objects.filter(contest=contest).select_related(
        "question").prefetch_related(Prefetch("question__options", queryset=Option.objects.order_by("order", "pk")))]


def ranking(*, contest, node=None):
    """Submitted attempts of `contest` under `node` (the whole contest when None), best first (score, then time
    taken), with `rank` (ties share it): one query."""
    qs = ContestAttempt.objects.filter(contest=contest, status=ContestAttempt.Status.SUBMITTED)
    if node is not None:
        qs = qs.filter(org__path__startswith=node.path)
    order = [F("score").desc(), F("seconds").asc()]
    return qs.select_related("member").annotate(rank=Window(Rank(), order_by=order)).order_by(
        "rank", "member__name", "pk")


def ranking_levels(member):
    """The levels a member's ranks are given at: (key, node) for their branch, community and street, then the
    district (node None). Levels the member's organization does not reach are left out."""
    branch = member_branch(member)
    paths = ancestor_paths(member.org.path)
    from grids.models import OrgNode

    nodes = {n.level: n for n in OrgNode.objects.filter(path__in=paths[:2])}
    levels = [("branch", branch)]
    if 2 in nodes and nodes[2].pk != branch.pk:
        levels.append(("community", nodes[2]))
    if 1 in nodes and nodes[1].pk != branch.pk:
        levels.append(("street", nodes[1]))
    levels.append(("district", None))
    return levels


def my_ranks(*, contest, member, attempt):
    """{level: (rank, of how many)} for the member's submitted attempt, at each level (one query per level)."""
    if attempt is None or attempt.status != ContestAttempt.Status.SUBMITTED:
        return {}
    ranks = {}
    for key, node in ranking_levels(member):
        rows = list(ranking(contest=contest, node=node).values_list("pk", "rank"))
        mine = next((rank for pk, rank in rows if pk == attempt.pk), None)
        ranks[key] = (mine, len(rows))
    return ranks


# --- the staff side -----------------------------------------------------------------------------------------


def _authored_q(user, write):
    """District content: everyone on the tree reads it, district staff change it; an area's content: its area."""
    scope = resolve_scope(user)
    if scope.write_all or (scope.read_all and not write):
        return Q()
    if write:
        return scope.nodes_q(write=True, prefix="org__") & Q(org__isnull=False) if scope.write_paths else Q(pk__in=[])
    return Q(org__isnull=True) | scope.nodes_q(prefix="org__") if scope.read_paths else Q(pk__in=[])


def lesson_list(*, user, write=False):
    return Lesson.objects.filter(_authored_q(user, write)).select_related("topic", "org")


def contest_list(*, user, write=False):
    return Contest.objects.filter(_authored_q(user, write)).select_related("org")


def question_list(*, user, write=False):
    """The bank is the district's: staff on the tree read it, district staff change it."""
    scope = resolve_scope(user)
    if (write and not scope.write_all) or not scope.is_staff_user:
        return Question.objects.none()
    return Question.objects.select_related("topic")


def coverage(*, member_q, since):
    """(members, who read a lesson or practised since `since`) among the members matching `member_q`."""
    from members.records.models import Member

    members = Member.objects.filter(member_q)
    active = members.filter(Q(Exists(LessonRead.objects.filter(member=OuterRef("pk"), read_at__gte=since)))
                            | Q(Exists(PracticeAnswer.objects.filter(member=OuterRef("pk"), answered_at__gte=since))))
    return members.count(), active.count()


__all__ = ["linked_member", "my_lessons", "ranking", "coverage"]
