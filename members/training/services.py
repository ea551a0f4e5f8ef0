"""Training 党校培训: classes, enrolments, sign-ins and scores, and the online quizzes built for the classes."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from accounts.scopes import resolve_scope
from core.errors import PermissionDenied, ValidationError

from .models import QUIZ_MAX_ATTEMPTS, Choice, Enrolment, Question, Quiz, SignIn, TrainingClass
from .selectors import training_class_list


def _tenth(value, field):
    try:
        return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("Enter a number to one decimal place.")]}) from None


def _training_class_errors(name, starts_on, ends_on, hours):
    errors = {}
    if ends_on < starts_on:
        errors["ends_on"] = [_("The class cannot end before it starts.")]
    if hours <= 0:
        errors["planned_hours"] = [_("Give the planned hours.")]
    if not (name or "").strip():
        errors["name"] = [_("Give the name of the class.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def training_class_create(*, actor, organizer, name, starts_on, ends_on, planned_hours):
    """Open a party-school class organized by a node the actor may change."""
    if organizer is None or not resolve_scope(actor).covers(organizer, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    hours = _tenth(planned_hours, "planned_hours")
    _training_class_errors(name, starts_on, ends_on, hours)
    training = TrainingClass(name=name.strip(), organizer=organizer, starts_on=starts_on, ends_on=ends_on,
                             planned_hours=hours)
    training._history_user = actor
    training.save()
    return training


#: What may change on a class's page.
TRAINING_CLASS_FIELDS = ("name", "organizer", "starts_on", "ends_on", "planned_hours")


@transaction.atomic
def training_class_update(*, actor, training_class, **changes):
    """Change a class organized where the actor may change things (TRAINING_CLASS_FIELDS, by the same rules as a
    new class); giving it another organizer needs write scope there too. The history records who changed it."""
    unknown = set(changes) - set(TRAINING_CLASS_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    training = TrainingClass.objects.select_for_update(of=("self",)).select_related("organizer").get(
        pk=training_class.pk)
    scope = resolve_scope(actor)
    if not scope.covers(training.organizer, write=True):
        raise PermissionDenied(_("This class is organized outside your area."))
    for field, value in changes.items():
        setattr(training, field, value)
    if "organizer" in changes and not scope.covers(training.organizer, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    training.planned_hours = _tenth(training.planned_hours, "planned_hours")
    _training_class_errors(training.name, training.starts_on, training.ends_on, training.planned_hours)
    training.name = training.name.strip()
    training._history_user = actor
    training.save()
    return training


@transaction.atomic
def training_enrol(*, actor, training_class, members):
    """Enrol members (of the actor's area) in a class; members already enrolled are left as they are."""
    scope = resolve_scope(actor)
    members = list(members)
    if not training_class_list(user=actor).filter(pk=training_class.pk).exists():
        raise PermissionDenied(_("This class is organized outside your area."))
    if any(not scope.covers(m.org, write=True) for m in members):
        raise PermissionDenied(_("This party member is outside your area."))
    Enrolment.objects.bulk_create([Enrolment(training_class=training_class, member=m) for m in members],
                                  ignore_conflicts=True)
    return Enrolment.objects.filter(training_class=training_class, member__in=members)


def _enrolment_for(actor, enrolment):
    enrolment = Enrolment.objects.select_for_update(of=("self",)).select_related(
        "member__org", "training_class__organizer").get(pk=enrolment.pk)
    scope = resolve_scope(actor)
    if not (scope.covers(enrolment.member.org, write=True) or scope.covers(enrolment.training_class.organizer,
                                                                            write=True)):
        raise PermissionDenied(_("This enrolment is outside your area."))
    return enrolment


@transaction.atomic
def training_sign_in(*, actor, enrolment, on, hours):
    """Record a day's attendance (hours to 0.1 h, once a day, within the class's dates); the enrolment's hours
    are the sum."""
    enrolment = _enrolment_for(actor, enrolment)
    value = _tenth(hours, "hours")
    klass = enrolment.training_class
    errors = {}
    if not (0 < value <= 12):
        errors["hours"] = [_("Between 0.1 and 12 hours a day.")]
    if not (klass.starts_on <= on <= klass.ends_on):
        errors["on"] = [_("The class runs from %(start)s to %(end)s.") % {"start": klass.starts_on,
                                                                          "end": klass.ends_on}]
    elif enrolment.sign_ins.filter(on=on).exists():
        errors["on"] = [_("Already signed in that day.")]
    if errors:
        raise ValidationError(errors)
    SignIn.objects.create(enrolment=enrolment, on=on, hours=value, recorded_by=actor)
    enrolment.hours = enrolment.sign_ins.aggregate(total=Sum("hours"))["total"]
    enrolment.save(update_fields=["hours"])
    return enrolment


@transaction.atomic
def training_quiz_score(*, actor, enrolment, score):
    """Record an enrolment's quiz score (0 to 100, to 0.1) by hand, for the member's or the organizer's area."""
    enrolment = _enrolment_for(actor, enrolment)
    value = _tenth(score, "quiz_score")
    if not (0 <= value <= 100):
        raise ValidationError({"quiz_score": [_("A score is between 0 and 100.")]})
    enrolment.quiz_score = value
    enrolment.save(update_fields=["quiz_score"])
    return enrolment


def quiz_check_questions(questions):
    """Check a quiz's questions before they are saved: at least one, each with text, two choices or more and
    exactly one correct. `questions` is a list of {"text", "order", "choices": [(text, correct), ...]}."""
    errors = []
    if not questions:
        errors.append(_("A quiz needs at least one question."))
    for index, question in enumerate(questions, start=1):
        choices = [(text.strip(), correct) for text, correct in question.get("choices", []) if (text or "").strip()]
        if not (question.get("text") or "").strip():
            errors.append(_("Question %(n)d has no text.") % {"n": index})
        if len(choices) < 2:
            errors.append(_("Question %(n)d needs at least two choices.") % {"n": index})
        if sum(1 for _text, correct in choices if correct) != 1:
            errors.append(_("Question %(n)d needs exactly one correct choice.") % {"n": index})
    if errors:
        raise ValidationError({"questions": errors})


def _quiz_check(quiz):
    errors = {}
    if not (quiz.title or "").strip():
        errors["title"] = [_("Give the title of the quiz.")]
    if quiz.opens_at and quiz.closes_at and quiz.closes_at <= quiz.opens_at:
        errors["closes_at"] = [_("The quiz must close after it opens.")]
    if not (1 <= (quiz.attempts_allowed or 0) <= QUIZ_MAX_ATTEMPTS):
        errors["attempts_allowed"] = [_("Between 1 and %(n)d attempts.") % {"n": QUIZ_MAX_ATTEMPTS}]
    if quiz.pass_mark is None or not (0 <= quiz.pass_mark <= 100):
        errors["pass_mark"] = [_("A score is between 0 and 100.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def quiz_save(*, actor, quiz, questions=None):
    """Create or change a quiz of a class the actor organizes (the class organizer's subtree), and with
    `questions` (see quiz_check_questions) replace its questions and choices. Questions are fixed once anyone
    has made an attempt (the attempts' answers refer to them)."""
    klass = TrainingClass.objects.select_related("organizer").filter(pk=quiz.training_class_id).first()
    scope = resolve_scope(actor)
    if klass is None or not scope.covers(klass.organizer, write=True):
        raise PermissionDenied(_("This class is organized outside your area."))
    if quiz.pk:
        before = Quiz.objects.select_for_update().select_related("training_class__organizer").get(pk=quiz.pk)
        if not scope.covers(before.training_class.organizer, write=True):
            raise PermissionDenied(_("This class is organized outside your area."))
    _quiz_check(quiz)
    attempted = bool(quiz.pk) and quiz.attempts.exists()
    if questions is not None:
        if attempted:
            raise ValidationError({"questions": [_(
                "Members have already taken this quiz: its questions can no longer change.")]})
        quiz_check_questions(questions)
    elif not quiz.pk:
        raise ValidationError({"questions": [_("A quiz needs at least one question.")]})
    quiz.title = quiz.title.strip()
    quiz._history_user = actor
    quiz.save()
    if questions is not None:
        quiz.questions.all().delete()
        for index, data in enumerate(questions, start=1):
            question = Question.objects.create(quiz=quiz, text=data["text"].strip(), order=data.get("order") or index)
            Choice.objects.bulk_create([Choice(question=question, text=text.strip(), correct=bool(correct))
                                        for text, correct in data["choices"] if (text or "").strip()])
    return quiz


def quiz_score(quiz, answers):
    """(score out of 100 to 0.1, {question id: (chosen choice id, correct choice id)}) for validated answers."""
    questions = list(quiz.questions.all())
    detail, right = {}, 0
    for question in questions:
        correct = next((c.pk for c in question.choices.all() if c.correct), None)
        chosen = answers.get(question.pk)
        detail[question.pk] = (chosen, correct)
        right += chosen is not None and chosen == correct
    score = (Decimal(100) * right / len(questions)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) \
        if questions else Decimal(0)
    return score, detail
