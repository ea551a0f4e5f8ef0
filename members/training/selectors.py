"""Reads of party-school classes, enrolments and quizzes, cut to the user's scope."""

from accounts.scopes import resolve_scope, within_or_above_q
from core.counts import count_of

from .models import Enrolment, Question, Quiz, QuizAttempt, TrainingClass


def training_class_list(*, user, write=False):
    """Classes organized in the user's area or above it (a community's members attend the street's classes), with
    the number enrolled; with write=True, only those organized where the user may change things."""
    scope = resolve_scope(user)
    classes = TrainingClass.objects.filter(within_or_above_q(user, prefix="organizer__")).select_related("organizer").annotate(
        enrolled=count_of(Enrolment.objects.all(), to="training_class"))
    return classes.filter(scope.nodes_q(write=True, prefix="organizer__")) if write else classes


def enrolment_list(*, user, write=False):
    """Enrolments of members `user` may see (or change, with write=True), whoever organized the class."""
    return Enrolment.objects.filter(resolve_scope(user).nodes_q(write=write, prefix="member__org__")).select_related(
        "member__org", "training_class")


def quiz_attempt_list(*, user):
    """Quiz attempts of the members in the user's area (the member's branch, whoever organized the class)."""
    return QuizAttempt.objects.filter(resolve_scope(user).nodes_q(prefix="enrolment__member__org__")).select_related(
        "enrolment__member__org", "quiz__training_class")


def quiz_list(*, user, write=False):
    """Quizzes of classes organized in the user's area (the class organizer's subtree), with question and
    attempt counts."""
    return Quiz.objects.filter(resolve_scope(user).nodes_q(write=write, prefix="training_class__organizer__")
                               ).select_related("training_class__organizer").annotate(
        question_count=count_of(Question.objects.all(), to="quiz"),
        attempt_count=count_of(QuizAttempt.objects.all(), to="quiz"))
