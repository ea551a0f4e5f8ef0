"""Members on their phone: linking a user account to a member record (by the member, checked against the
record, or by staff), and submitting an online quiz."""

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import resolve_scope
from core.errors import PermissionDenied, ValidationError
from members.records.models import Member
from members.records.validators import normalize_id_number, normalize_phone
from members.training.models import Enrolment, Quiz, QuizAttempt
from members.training.services import quiz_score

from members.development.models import Candidate

from .models import CandidateAccount, MemberAccount
from .selectors import linked_member


#: Failed self-link tries allowed per user within LINK_FAILURE_WINDOW seconds.
LINK_FAILURE_LIMIT = 5
LINK_FAILURE_WINDOW = 3600


class LinkThrottled(ValidationError):
    """Too many failed tries at linking a member record: wait before trying again."""


def _link_failures_key(user):
    return f"members:link-failures:{user.pk}"


def _link_generic_error():
    return ValidationError({"__all__": [_(
        "These details do not match a party member record we hold. Check the name, the ID-card number and the "
        "phone number registered with your branch, or ask your branch secretary.")]}, code="no_match")


def _refuse_if_linked(user, member):
    if MemberAccount.objects.filter(user=user).exists():
        raise ValidationError({"__all__": [_("This account is already linked to a party member record.")]},
                              code="user_linked")
    if MemberAccount.objects.filter(member=member).exists():
        raise ValidationError({"__all__": [_(
            "This party member record is already linked to another account. Ask your branch secretary.")]},
            code="member_linked")


def _link_save(account, actor):
    account._history_user = actor
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:  # the same member or user linked by a concurrent request
        raise ValidationError({"__all__": [_(
            "This party member record or this account is already linked.")]}, code="linked") from exc
    return MemberAccount.objects.select_related("member__org", "user").get(pk=account.pk)


def member_account_link_self(*, actor, name, id_number, phone):
    """Link the signed-in user to their own member record when name, ID-card number and phone all match it.

    Any mismatch gives one message that tells neither which part was wrong nor whether such a member exists;
    after LINK_FAILURE_LIMIT failures within an hour the user is refused (LinkThrottled) until the hour passes.
    The failure count lives in the cache (Redis), shared by every web process."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in first."))
    key = _link_failures_key(actor)
    if (cache.get(key) or 0) >= LINK_FAILURE_LIMIT:
        raise LinkThrottled({"__all__": [_(
            "Too many unsuccessful tries. For your security, linking is paused for an hour; try again later or "
            "ask your branch secretary.")]}, code="throttled")
    number = normalize_id_number(id_number)
    member = Member.objects.select_related("org").filter(
        id_number=number, name=(name or "").strip(), phone=normalize_phone(phone)).exclude(phone="").first()
    candidate = None
    if member is None and number and normalize_phone(phone):
        # An applicant (not a member yet) links the same way, to follow their own development steps.
        candidate = Candidate.objects.filter(
            id_number=number, name=(name or "").strip(), phone=normalize_phone(phone), completed_on__isnull=True,
            member__isnull=True).exclude(phone="").first()
    if (member is None and candidate is None) or not number or not normalize_phone(phone):
        cache.add(key, 0, LINK_FAILURE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, LINK_FAILURE_WINDOW)
        raise _link_generic_error()
    if member is None:
        return _candidate_link(actor, candidate, key)
    _refuse_if_linked(actor, member)
    cache.delete(key)
    return _link_save(MemberAccount(user=actor, member=member, method=MemberAccount.Method.SELF), actor)


def _candidate_link(actor, candidate, key):
    if MemberAccount.objects.filter(user=actor).exists() or CandidateAccount.objects.filter(user=actor).exists():
        raise ValidationError({"__all__": [_("This account is already linked to a party member record.")]},
                              code="user_linked")
    cache.delete(key)
    account = CandidateAccount(user=actor, candidate=candidate)
    account._history_user = actor
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:
        raise ValidationError({"__all__": [_(
            "This party member record or this account is already linked.")]}, code="linked") from exc
    return account


def member_account_link(*, actor, user, member):
    """Staff link a user account to a member record of their area (after checking the person's identity)."""
    if member is None or not resolve_scope(actor).covers(member.org, write=True):
        raise PermissionDenied(_("This party member is outside your area."))
    if user is None:
        raise ValidationError({"username": [_("No user account with this user name.")]})
    _refuse_if_linked(user, member)
    return _link_save(MemberAccount(user=user, member=member, method=MemberAccount.Method.STAFF, linked_by=actor),
                      actor)


@transaction.atomic
def member_account_unlink(*, actor, account):
    """Staff unlink an account from a member record of their area (history keeps who did it)."""
    account = MemberAccount.objects.select_related("member__org").get(pk=account.pk)
    if not resolve_scope(actor).covers(account.member.org, write=True):
        raise PermissionDenied(_("This party member is outside your area."))
    account._history_user = actor
    account.delete()


def _linked_member(user):
    member = linked_member(user=user)
    if member is None:
        raise PermissionDenied(_("Link your account to your party member record first."))
    return member


def _parse_answers(quiz, answers):
    """{question id: choice id} as ints, each question of this quiz answered with one of its own choices."""
    valid = {q.pk: {c.pk for c in q.choices.all()} for q in quiz.questions.all()}
    parsed = {}
    try:
        for question_id, choice_id in (answers or {}).items():
            parsed[int(question_id)] = int(choice_id)
    except (TypeError, ValueError, AttributeError):
        raise ValidationError({"answers": [_("The answers could not be read.")]}) from None
    if any(q not in valid or c not in valid[q] for q, c in parsed.items()):
        raise ValidationError({"answers": [_("An answer does not belong to this quiz.")]}, code="foreign_choice")
    if set(parsed) != set(valid):
        raise ValidationError({"answers": [_("Answer every question.")]}, code="unanswered")
    return parsed


@transaction.atomic
def quiz_attempt_submit(*, actor, quiz, answers, now=None):
    """Score a member's answers on the server and record the attempt.

    `actor` is the member's linked user; `answers` maps question id to choice id (as submitted: text is fine).
    Refused when the actor is not linked or not enrolled in the quiz's class, outside the quiz's window, beyond
    its attempts, or with a choice that is not one of its question's. The enrolment's quiz score becomes the
    best of its attempts. Returns the attempt."""
    member = _linked_member(actor)
    quiz = Quiz.objects.prefetch_related("questions__choices").get(pk=quiz.pk)
    enrolment = Enrolment.objects.select_for_update().filter(training_class_id=quiz.training_class_id,
                                                             member=member).first()
    if enrolment is None:
        raise PermissionDenied(_("You are not enrolled in the class of this quiz."))
    now = now or timezone.now()
    if now < quiz.opens_at:
        raise ValidationError({"__all__": [_("This quiz is not open yet.")]}, code="not_open")
    if now >= quiz.closes_at:
        raise ValidationError({"__all__": [_("This quiz has closed.")]}, code="closed")
    used = QuizAttempt.objects.filter(quiz=quiz, enrolment=enrolment).count()
    if used >= quiz.attempts_allowed:
        raise ValidationError({"__all__": [_("You have used all your attempts at this quiz.")]}, code="no_attempts")
    parsed = _parse_answers(quiz, answers)
    score, _detail = quiz_score(quiz, parsed)
    attempt = QuizAttempt.objects.create(enrolment=enrolment, quiz=quiz, number=used + 1, score=score,
                                         answers={str(q): c for q, c in parsed.items()}, submitted_at=now)
    enrolment.quiz_score = enrolment.quiz_attempts.aggregate(best=Max("score"))["best"]
    enrolment.save(update_fields=["quiz_score"])
    return attempt
