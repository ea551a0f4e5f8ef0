"""Writes of online learning: a member's reading, practice and contest attempt (through their linked account),
and staff publishing contests. Keyword-only, atomic, each checking who may."""

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import resolve_scope
from core.errors import PermissionDenied, ValidationError
from members.points.models import PointCategory
from members.points.services import point_entry_award
from members.selfservice.selectors import linked_member

from .models import Contest, ContestAttempt, ContestQuestion, Lesson, LessonRead, PracticeAnswer, Question
from .selectors import ancestor_paths, contest_paper

#: A submission this late after the deadline still counts (the network, a slow phone); later ones do not.
GRACE = datetime.timedelta(seconds=15)


def _member(actor):
    member = linked_member(user=actor)
    if member is None:
        raise PermissionDenied(_("Link your account to your party member record first."))
    return member


def _in_area(member, obj):
    return obj.org_id is None or obj.org.path in ancestor_paths(member.org.path)


def may_author(user, org):
    """Staff publish to their own area (district staff: to the whole district, org None)."""
    scope = resolve_scope(user)
    return scope.write_all or (org is not None and scope.covers(org, write=True))


# --- reading and practice ----------------------------------------------------------------------------


def lesson_read_record(*, actor, lesson, now=None):
    """Record that the actor's member read `lesson` (the first time only); returns (read, created)."""
    member = _member(actor)
    now = now or timezone.now()
    if lesson.published_at is None or lesson.published_at > now or not _in_area(member, lesson):
        raise PermissionDenied(_("This lesson is not published to you."))
    read, created = LessonRead.objects.get_or_create(lesson=lesson, member=member, defaults={"read_at": now})
    return read, created


def _parse_choice(question, chosen):
    """The option ids chosen for `question` as a sorted list; ValidationError when they are not its own or the
    wrong number for its kind."""
    valid = {o.pk for o in question.options.all()}
    try:
        ids = sorted({int(c) for c in (chosen if isinstance(chosen, (list, tuple, set)) else [chosen]) if c != ""})
    except (TypeError, ValueError):
        raise ValidationError({"answer": [_("The answer could not be read.")]}) from None
    if any(i not in valid for i in ids):
        raise ValidationError({"answer": [_("An answer does not belong to this question.")]}, code="foreign_choice")
    if not ids:
        raise ValidationError({"answer": [_("Choose an answer.")]}, code="unanswered")
    if question.kind != Question.Kind.MULTIPLE and len(ids) > 1:
        raise ValidationError({"answer": [_("Choose one answer.")]}, code="one_answer")
    return ids


def is_right(question, ids):
    return sorted(o.pk for o in question.options.all() if o.correct) == sorted(ids)


@transaction.atomic
def practice_answer(*, actor, question, chosen, now=None):
    """Check a practice answer on the server and record it; returns the answer (with `correct`)."""
    member = _member(actor)
    question = Question.objects.prefetch_related("options").get(pk=question.pk)
    if not question.active:
        raise ValidationError({"answer": [_("This question is no longer in use.")]})
    ids = _parse_choice(question, chosen)
    return PracticeAnswer.objects.create(member=member, question=question, chosen=ids,
                                         correct=is_right(question, ids), answered_at=now or timezone.now())


# --- contests ------------------------------------------------------------------------------------------


@transaction.atomic
def contest_draw_paper(*, actor, contest, seed=None):
    """Draw the contest's paper from the bank (its topics, questions in use), once, before it opens."""
    contest = Contest.objects.select_for_update(of=("self",)).select_related("org").get(pk=contest.pk)
    if not may_author(actor, contest.org):
        raise PermissionDenied(_("This contest is outside your area."))
    if contest.attempts.exists():
        raise ValidationError({"__all__": [_("Members have started this contest: its paper stays as it is.")]})
    pool = Question.objects.filter(active=True)
    topics = list(contest.topics.all())
    if topics:
        pool = pool.filter(topic__in=topics)
    ids = list(pool.values_list("pk", flat=True))
    if len(ids) < contest.question_count:
        raise ValidationError({"question_count": [_(
            "The bank holds only %(n)s questions for these topics.") % {"n": len(ids)}]}, code="bank_too_small")
    chosen = random.Random(seed).sample(sorted(ids), contest.question_count)
    ContestQuestion.objects.filter(contest=contest).delete()
    ContestQuestion.objects.bulk_create([ContestQuestion(contest=contest, question_id=q, order=n)
                                         for n, q in enumerate(chosen, start=1)])
    return chosen


def contest_start(*, actor, contest, now=None):
    """Start the actor's one attempt at `contest` (or return the one already started: a second start, even a
    simultaneous one, finds the same row; the database allows one). Its deadline is the time limit from now,
    and never after the contest closes. Returns (attempt, created)."""
    member = _member(actor)
    now = now or timezone.now()
    contest = Contest.objects.select_related("org").get(pk=contest.pk)
    if not contest.published or not _in_area(member, contest):
        raise PermissionDenied(_("This contest is not open to you."))
    existing = ContestAttempt.objects.filter(contest=contest, member=member).first()
    if existing is not None:
        return existing, False
    if now < contest.opens_at:
        raise ValidationError({"__all__": [_("This contest has not opened yet.")]}, code="not_open")
    if now >= contest.closes_at:
        raise ValidationError({"__all__": [_("This contest has closed.")]}, code="closed")
    if not contest.paper.exists():
        raise ValidationError({"__all__": [_("This contest has no paper yet.")]}, code="no_paper")
    deadline = min(now + datetime.timedelta(minutes=contest.time_limit_minutes), contest.closes_at)
    try:
        with transaction.atomic():
            attempt = ContestAttempt.objects.create(contest=contest, member=member, org_id=member.org_id,
                                                    started_at=now, deadline=deadline)
    except IntegrityError:  # a simultaneous start won: theirs is this member's attempt
        return ContestAttempt.objects.get(contest=contest, member=member), False
    return attempt, True


def _expire(attempt, now):
    attempt.status = ContestAttempt.Status.EXPIRED
    attempt.submitted_at = now
    attempt.save(update_fields=["status", "submitted_at"])


def contest_submit(*, actor, attempt, answers, now=None):
    """Score the actor's attempt on the server. Refused (and the attempt closed as expired) after its deadline;
    refused twice. On time: the score (right answers out of the paper, per cent), the time taken and, once,
    the points for taking part. `answers` maps question id to an option id or a list of them."""
    member = _member(actor)
    now = now or timezone.now()
    with transaction.atomic():
        attempt = ContestAttempt.objects.select_for_update().select_related("contest").filter(
            pk=attempt.pk, member=member).first()
        if attempt is None:
            raise PermissionDenied(_("This is not your attempt."))
        if attempt.status != ContestAttempt.Status.STARTED:
            raise ValidationError({"__all__": [_("This attempt is already over.")]}, code="over")
        late = now > attempt.deadline + GRACE
        if late:
            _expire(attempt, now)
        else:
            result = _score(attempt, answers)
            attempt.answers, attempt.correct, attempt.score = result
            attempt.status = ContestAttempt.Status.SUBMITTED
            attempt.submitted_at = now
            attempt.seconds = max(int((now - attempt.started_at).total_seconds()), 0)
            contest = attempt.contest
            if contest.points_for_taking_part and attempt.points_entry_id is None:
                attempt.points_entry = point_entry_award(
                    member=member, on=timezone.localdate(now), category=PointCategory.STUDY,
                    points=contest.points_for_taking_part, actor=contest.created_by, today=timezone.localdate(now),
                    reason=_("Took part in the knowledge contest “%(title)s”") % {"title": contest.title[:100]})
            attempt.save()
    if late:
        raise ValidationError({"__all__": [_("Time is up: answers sent after the time limit do not count.")]},
                              code="time_up")
    return attempt


def _score(attempt, answers):
    paper = contest_paper(attempt.contest)
    if not isinstance(answers, dict):
        raise ValidationError({"answers": [_("The answers could not be read.")]})
    by_id = {str(q.pk): q for q in paper}
    if any(str(k) not in by_id for k in answers):
        raise ValidationError({"answers": [_("An answer does not belong to this paper.")]}, code="foreign_question")
    kept, right = {}, 0
    for key, question in by_id.items():
        given = answers.get(key, answers.get(int(key)))
        if given in (None, "", []):
            continue  # unanswered: wrong, not refused (the clock may have been running out)
        ids = _parse_choice(question, given)
        kept[key] = ids
        right += is_right(question, ids)
    score = (Decimal(right * 100) / len(paper)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if paper else 0
    return kept, right, score


def expire_overdue_attempts(*, now=None):
    """Close every attempt whose deadline passed without a submission (the member left): returns how many."""
    now = now or timezone.now()
    return ContestAttempt.objects.filter(status=ContestAttempt.Status.STARTED, deadline__lt=now - GRACE).update(
        status=ContestAttempt.Status.EXPIRED, submitted_at=now)


def contest_publish(*, actor, contest, now=None):
    """Publish a contest with a paper: members of its area see it, and linked members are told."""
    from inbox.services import message_send_many

    with transaction.atomic():
        contest = Contest.objects.select_for_update(of=("self",)).select_related("org").get(pk=contest.pk)
        if not may_author(actor, contest.org):
            raise PermissionDenied(_("This contest is outside your area."))
        if not contest.paper.exists():
            raise ValidationError({"__all__": [_("Draw the paper first.")]}, code="no_paper")
        contest.published = True
        contest._history_user = actor
        contest.save()
        from django.contrib.auth import get_user_model

        area = Q() if contest.org_id is None else Q(member_account__member__org__path__startswith=contest.org.path)
        users = get_user_model().objects.filter(area, member_account__isnull=False, is_active=True)
        local_close = timezone.localtime(contest.closes_at)
        message_send_many(
            recipients=users, kind="learning.contest_open", key=f"learning:contest-open:{contest.pk}",
            subject=_("Knowledge contest open: %(title)s") % {"title": contest.title},
            body=_("Open until %(close)s. One attempt, %(minutes)s minutes.") % {
                "close": f"{local_close:%Y-%m-%d %H:%M}", "minutes": contest.time_limit_minutes},
            url=f"/m/learn/contests/{contest.pk}/", sms_params=[contest.title[:20], f"{local_close:%m-%d %H:%M}"],
        )
    return contest


__all__ = ["Lesson", "contest_start", "contest_submit"]
