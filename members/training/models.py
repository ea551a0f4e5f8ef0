"""Training 党校培训: party-school classes, enrolments with their sign-ins, and the classes' online quizzes."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from members.records.models import Member


class TrainingClass(models.Model):
    """A party-school class, organized by a street or community (or the district, on a street's node)."""

    name = models.CharField(_("name"), max_length=100)
    organizer = models.ForeignKey("grids.OrgNode", verbose_name=_("organizer"), on_delete=models.PROTECT,
                                  related_name="training_classes")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    planned_hours = models.DecimalField(_("planned hours"), max_digits=4, decimal_places=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("party-school class")
        verbose_name_plural = _("party-school classes")
        ordering = ["-starts_on", "name"]
        # The API list's ordering (-starts_on, name, id): a page is a range of it.
        indexes = [models.Index(fields=["-starts_on", "name", "id"], name="trainingclass_list_order")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="training_dates_in_order",
                violation_error_message=_("A class cannot end before it starts."),
            ),
            models.CheckConstraint(condition=Q(planned_hours__gt=0), name="training_hours_positive",
                violation_error_message=_("The planned hours must be above 0."),
            ),
        ]

    def __str__(self):
        return self.name


class Enrolment(models.Model):
    """A member in a class: hours signed in (to 0.1 h) and the online quiz score."""

    training_class = models.ForeignKey(TrainingClass, verbose_name=_("class"), on_delete=models.CASCADE,
                                       related_name="enrolments")
    member = models.ForeignKey(Member, verbose_name=_("party member"), on_delete=models.CASCADE,
                               related_name="enrolments")
    hours = models.DecimalField(_("hours attended"), max_digits=4, decimal_places=1, default=0)
    quiz_score = models.DecimalField(_("quiz score"), max_digits=4, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["training_class", "member"], name="enrolment_once",
                violation_error_message=_("This member is already enrolled in this class."),
            ),
            models.CheckConstraint(condition=Q(hours__gte=0), name="enrolment_hours_nonnegative",
                violation_error_message=_("Hours cannot be below 0."),
            ),
            models.CheckConstraint(condition=Q(quiz_score__isnull=True) | Q(quiz_score__gte=0, quiz_score__lte=100),
                                   name="enrolment_score_range",
                violation_error_message=_("A score is between 0 and 100."),
            ),
        ]


class SignIn(models.Model):
    """One day's sign-in at a class, with the hours attended that day."""

    enrolment = models.ForeignKey(Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE,
                                  related_name="sign_ins")
    on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=3, decimal_places=1)
    recorded_by = models.ForeignKey("auth.User", verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "on"], name="signin_once_a_day",
                violation_error_message=_("This member has already signed in to this class today."),
            ),
            models.CheckConstraint(condition=Q(hours__gt=0, hours__lte=12), name="signin_hours_range",
                violation_error_message=_("A day's hours are above 0 and at most 12."),
            ),
        ]


#: The most attempts a quiz may allow (a database rule on quizzes and attempts alike).
QUIZ_MAX_ATTEMPTS = 10


class Quiz(models.Model):
    """An online quiz of a party-school class: single-choice questions, open for a window, with a number of
    attempts allowed and a pass mark (out of 100)."""

    training_class = models.ForeignKey(TrainingClass, verbose_name=_("class"), on_delete=models.CASCADE,
                                       related_name="quizzes")
    title = models.CharField(_("title"), max_length=100)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    attempts_allowed = models.PositiveSmallIntegerField(_("attempts allowed"), default=1)
    pass_mark = models.DecimalField(_("pass mark"), max_digits=4, decimal_places=1, default=60)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("online quiz")
        verbose_name_plural = _("online quizzes")
        ordering = ["-opens_at", "pk"]
        # The lists' ordering (-opens_at, id): a page is a range of it.
        indexes = [models.Index(fields=["-opens_at", "id"], name="quiz_list_order")]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="quiz_window_in_order",
                violation_error_message=_("A quiz closes after it opens."),
            ),
            models.CheckConstraint(condition=Q(attempts_allowed__gte=1, attempts_allowed__lte=QUIZ_MAX_ATTEMPTS),
                                   name="quiz_attempts_range",
                violation_error_message=_("A quiz allows 1 to 10 attempts."),
            ),
            models.CheckConstraint(condition=Q(pass_mark__gte=0, pass_mark__lte=100), name="quiz_pass_mark_range",
                violation_error_message=_("A pass mark is between 0 and 100."),
            ),
            models.CheckConstraint(condition=~Q(title=""), name="quiz_has_title",
                violation_error_message=_("Give the quiz a title."),
            ),
        ]

    def __str__(self):
        return self.title

    def is_open(self, now=None):
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at


class Question(models.Model):
    """A single-choice question of a quiz."""

    quiz = models.ForeignKey(Quiz, verbose_name=_("online quiz"), on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=300)
    order = models.PositiveSmallIntegerField(_("order"), default=1)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["order", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="question_has_text",
            violation_error_message=_("Write the question."),
        )]

    def __str__(self):
        return self.text


class Choice(models.Model):
    """A choice offered for a question; exactly one of a question's choices is correct (checked when the quiz
    is saved: a partial unique index cannot be deferred, and the admin flips two rows in one save)."""

    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE,
                                 related_name="choices")
    text = models.CharField(_("choice"), max_length=200)
    correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["question_id", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="choice_has_text",
            violation_error_message=_("Write the answer option."),
        )]

    def __str__(self):
        return self.text


class QuizAttempt(models.Model):
    """One submitted attempt of an enrolled member at a quiz, scored by the server.

    `answers` maps question id (as text) to the chosen choice id. Besides the constraints below, a database
    trigger (migration 0011) refuses an attempt numbered beyond the quiz's allowed attempts or made for an
    enrolment in another class."""

    enrolment = models.ForeignKey(Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE,
                                  related_name="quiz_attempts")
    quiz = models.ForeignKey(Quiz, verbose_name=_("online quiz"), on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField(_("attempt"))
    answers = models.JSONField(_("answers"), default=dict)
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1)
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["quiz_id", "enrolment_id", "number"]
        # The API list's ordering (-submitted_at, -id), read backwards: a page is a range of it, not a sort.
        indexes = [models.Index(fields=["submitted_at", "id"], name="quizattempt_list_order")]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "enrolment", "number"], name="quizattempt_once_per_number",
                violation_error_message=_("This attempt is already recorded."),
            ),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=QUIZ_MAX_ATTEMPTS),
                                   name="quizattempt_number_range",
                violation_error_message=_("A quiz allows 1 to 10 attempts."),
            ),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="quizattempt_score_range",
                violation_error_message=_("A score is between 0 and 100."),
            ),
        ]
