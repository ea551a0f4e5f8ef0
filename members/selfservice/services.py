"""Members on their phone: linking a user account to a member record (by the member: their details checked against
the record, then a code sent by text message to the phone on it; or by staff), and submitting an online quiz."""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import is_resident_account, resolve_scope
from core import throttle
from core.errors import PermissionDenied, ValidationError
from core.sms import SmsError, send_sms
from members.development.models import Candidate
from members.records.models import Member
from members.records.validators import normalize_id_number, normalize_phone
from members.training.models import Enrolment, Quiz, QuizAttempt
from members.training.services import quiz_score

from .models import CandidateAccount, MemberAccount
from .selectors import linked_member


#: Tries at linking allowed within LINK_WINDOW: per account, per person's details (name and ID-card number, whoever
#: types them: new accounts do not start afresh) and per address. Every submission counts, right or wrong, and so
#: does every wrong text-message code.
LINK_LIMIT_PER_USER = 5
LINK_LIMIT_PER_PERSON = 5
LINK_LIMIT_PER_ADDRESS = 20
LINK_WINDOW = datetime.timedelta(hours=1)
#: The code sent by text message to the phone on the member record: its life and the tries it allows.
LINK_CODE_TTL = datetime.timedelta(minutes=10)
LINK_CODE_TRIES = 5


class LinkThrottled(ValidationError):
    """Too many tries at linking a member record: wait before trying again."""


def _link_generic_error():
    return ValidationError({"__all__": [_(
        "These details do not match a party member record we hold. Check the name, the ID-card number and the "
        "phone number registered with your branch, or ask your branch secretary.")]}, code="no_match")


def _code_error():
    return ValidationError({"code": [_(
        "The code is wrong or has expired. Check the text message, or start again to get a new code.")]})


def _throttled():
    return LinkThrottled({"__all__": [_(
        "Too many unsuccessful tries. For your security, linking is paused for an hour; try again later or "
        "ask your branch secretary.")]}, code="throttled")


def _link_keys(actor, address, name=None, id_number=None):
    limits = {throttle.hashed_key("link-user", actor.pk): LINK_LIMIT_PER_USER}
    if address:
        limits[throttle.hashed_key("link-address", address)] = LINK_LIMIT_PER_ADDRESS
    if id_number is not None:
        limits[throttle.hashed_key("link-person", (name or "").strip(), id_number)] = LINK_LIMIT_PER_PERSON
    return limits


def _code_digest(actor, member_pk, code):
    return hmac.new(settings.SECRET_KEY.encode(), f"member-link:{actor.pk}:{member_pk}:{code}".encode(),
                    hashlib.sha256).hexdigest()


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


def member_account_link_begin(*, actor, name, id_number, phone, address=None, now=None):
    """First step of a member linking their own account: their name, ID-card number and phone.

    When all three match a member record, a six-digit code goes by text message (core.sms) to the phone on that
    record; otherwise nothing is sent. Either way the answer is the same (the caller asks for the code next), so
    that neither whether such a member exists nor whether a guessed phone number was right can be learnt here.
    Every call counts against the account, the address and the person's details (LINK_LIMIT_*); past a limit the
    call is refused (LinkThrottled). Returns the pending check (a dict of plain values: the caller keeps it in the
    session and hands it to `member_account_link_confirm`)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in first."))
    if MemberAccount.objects.filter(user=actor).exists() or CandidateAccount.objects.filter(user=actor).exists():
        raise ValidationError({"__all__": [_("This account is already linked to a party member record.")]},
                              code="user_linked")
    now = now or timezone.now()
    number = normalize_id_number(id_number)
    name = (name or "").strip()
    limits = _link_keys(actor, address, name, number)
    if throttle.exceeded(limits, window=LINK_WINDOW, now=now):
        raise _throttled()
    throttle.record(*limits, now=now)
    member = candidate = None
    if number and normalize_phone(phone):
        member = Member.objects.filter(id_number=number, name=name, phone=normalize_phone(phone)).exclude(
            phone="").first()
        if member is None:
            # An applicant (not a member yet) links the same way, to follow their own development steps.
            candidate = Candidate.objects.filter(
                id_number=number, name=name, phone=normalize_phone(phone), completed_on__isnull=True,
                member__isnull=True).exclude(phone="").first()
    person = member or candidate
    code = f"{secrets.randbelow(10**6):06d}"
    if person is not None:
        try:
            send_sms(phone=person.phone, text=_(
                "Jinshui party-building portal: your code to link your party member record is %(code)s (valid for "
                "10 minutes). If you did not ask for it, ignore this message.") % {"code": code})
        except SmsError:
            raise ValidationError({"__all__": [_(
                "The text message could not be sent just now. Try again in a few minutes.")]}, code="sms_failed")
    return {"member": member.pk if member is not None else None,
            "candidate": candidate.pk if candidate is not None else None,
            "digest": _code_digest(actor, _subject(member, candidate), code),
            "expires": (now + LINK_CODE_TTL).timestamp(), "tries": 0}


def _subject(member, candidate):
    """What a code is bound to: a member record (its id) or an applicant's (minus its id); 0 for no match."""
    if member is not None:
        return member.pk if not isinstance(member, int) else member
    if candidate is not None:
        return -(candidate.pk if not isinstance(candidate, int) else candidate)
    return 0


def member_account_link_confirm(*, actor, pending, code, address=None, now=None):
    """Second step: the code from the text message. Links the account to the member record when the code is the
    one sent for this pending check (`member_account_link_begin`), in time and within LINK_CODE_TRIES; a wrong
    code counts against the account and the address. `pending` is updated in place (its tries): the caller saves
    it back, or drops it when this raises with code `expired` or succeeds."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in first."))
    now = now or timezone.now()
    if not pending or now.timestamp() > pending.get("expires", 0) or pending.get("tries", 0) >= LINK_CODE_TRIES:
        raise ValidationError({"code": [_("This code has expired. Start again to get a new one.")]},
                              code="expired")
    limits = _link_keys(actor, address)
    if throttle.exceeded(limits, window=LINK_WINDOW, now=now):
        raise _throttled()
    given = "".join(ch for ch in str(code or "") if ch.isdigit())[:6]
    member_pk, candidate_pk = pending.get("member"), pending.get("candidate")
    subject = _subject(member_pk, candidate_pk)
    if not subject or not hmac.compare_digest(_code_digest(actor, subject, given), pending["digest"]):
        pending["tries"] = pending.get("tries", 0) + 1
        throttle.record(*limits, now=now)
        raise _code_error()
    if member_pk is None:
        candidate = Candidate.objects.filter(pk=candidate_pk, completed_on__isnull=True, member__isnull=True).first()
        if candidate is None:
            raise _link_generic_error()
        return _candidate_link(actor, candidate)
    member = Member.objects.select_related("org").filter(pk=member_pk).first()
    if member is None:
        raise _link_generic_error()
    _refuse_if_linked(actor, member)
    return _link_save(MemberAccount(user=actor, member=member, method=MemberAccount.Method.SELF), actor)


def _candidate_link(actor, candidate):
    if MemberAccount.objects.filter(user=actor).exists() or CandidateAccount.objects.filter(user=actor).exists():
        raise ValidationError({"__all__": [_("This account is already linked to a party member record.")]},
                              code="user_linked")
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
    """Staff link a user account to a member record of their area (after checking the person's identity). Only a
    resident's own account may be linked (accounts.scopes.is_resident_account): never a staff account."""
    if member is None or not resolve_scope(actor).covers(member.org, write=True):
        raise PermissionDenied(_("This party member is outside your area."))
    if user is None:
        raise ValidationError({"username": [_("No user account with this user name.")]})
    if not is_resident_account(user):
        raise ValidationError({"username": [_(
            "Only a resident's own account (signed up on the phone pages) can be linked to a member record.")]},
            code="not_resident")
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
