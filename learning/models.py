"""Online learning for party members (红色家园 / 微课堂): articles and short lessons published to an area, the
应知应会 question bank by topic, practice on the phone, and knowledge contests (知识竞赛) with rankings."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.history import HistoricalRecords


class Topic(models.Model):
    """A topic of the question bank and of lessons (党章党规, 党史, 理论学习 …)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("learning topic")
        verbose_name_plural = _("learning topics")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class Lesson(models.Model):
    """An article (红色家园) or a short lesson (微课堂) published by the district (no organization) or a street
    or community to the members of its area."""

    class Kind(models.TextChoices):
        ARTICLE = "article", _("Article")
        LESSON = "lesson", _("Short lesson")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ARTICLE)
    title = models.CharField(_("title"), max_length=120)
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="lessons")
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    video_url = models.URLField(_("video link"), blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutes to read or watch"), default=5)
    org = models.ForeignKey("grids.OrgNode", verbose_name=_("published to"), on_delete=models.PROTECT, null=True,
                            blank=True, related_name="lessons",
                            help_text=_("Empty: the whole district. Otherwise the members of this organization's area."))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True,
                                        help_text=_("Empty: a draft members do not see."))
    created_by = models.ForeignKey("auth.User", verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lesson or article")
        verbose_name_plural = _("lessons and articles")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["published_at"], name="lesson_published")]

    def __str__(self):
        return self.title


class LessonRead(models.Model):
    """A member read (or watched) a lesson: the first time is kept."""

    lesson = models.ForeignKey(Lesson, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="reads")
    member = models.ForeignKey("members.Member", verbose_name=_("party member"), on_delete=models.CASCADE,
                               related_name="lesson_reads")
    read_at = models.DateTimeField(_("read at"))

    class Meta:
        verbose_name = _("lesson read")
        verbose_name_plural = _("lessons read")
        constraints = [models.UniqueConstraint(fields=["lesson", "member"], name="lessonread_once",
            violation_error_message=_("This lesson is already marked read."),
        )]
        indexes = [models.Index(fields=["read_at"], name="lessonread_at"),
                   # The dashboard's "read a lesson this quarter", member by member within a street.
                   models.Index(fields=["member", "read_at"], name="lessonread_member_at")]


class Question(models.Model):
    """A question of the 应知应会 bank: single choice, multiple choice or true/false, with its explanation."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True or false")

    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="questions")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.SINGLE)
    text = models.TextField(_("question"))
    explanation = models.TextField(_("explanation"), blank=True)
    active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey("auth.User", verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bank question")
        verbose_name_plural = _("question bank")
        ordering = ["topic_id", "pk"]

    def __str__(self):
        return self.text[:60]


class Option(models.Model):
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE,
                                 related_name="options")
    text = models.CharField(_("answer"), max_length=200)
    correct = models.BooleanField(_("correct"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text


class PracticeAnswer(models.Model):
    """A member's answer to a bank question while practising (not scored for anything but themselves)."""

    member = models.ForeignKey("members.Member", verbose_name=_("party member"), on_delete=models.CASCADE,
                               related_name="practice_answers")
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE,
                                 related_name="practice_answers")
    chosen = models.JSONField(_("options chosen"), default=list)
    correct = models.BooleanField(_("correct"))
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        verbose_name = _("practice answer")
        verbose_name_plural = _("practice answers")
        indexes = [models.Index(fields=["member", "answered_at"], name="practice_member_at"),
                   models.Index(fields=["answered_at"], name="practice_at")]


class Contest(models.Model):
    """A knowledge contest (知识竞赛): open in a window to the members of an area, one paper drawn from the bank,
    a time limit, one attempt per member, points for taking part."""

    title = models.CharField(_("title"), max_length=120)
    org = models.ForeignKey("grids.OrgNode", verbose_name=_("open to"), on_delete=models.PROTECT, null=True,
                            blank=True, related_name="contests",
                            help_text=_("Empty: the whole district. Otherwise the members of this organization's area."))
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True, related_name="contests",
                                    help_text=_("The paper is drawn from these topics (all topics when empty)."))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit (minutes)"), default=20)
    question_count = models.PositiveSmallIntegerField(_("questions on the paper"), default=10)
    points_for_taking_part = models.DecimalField(_("points for taking part"), max_digits=4, decimal_places=1,
                                                 default=2)
    published = models.BooleanField(_("published"), default=False)
    created_by = models.ForeignKey("auth.User", verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("knowledge contest")
        verbose_name_plural = _("knowledge contests")
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="contest_closes_after_opening",
                violation_error_message=_("A contest closes after it opens."),
            ),
            models.CheckConstraint(condition=Q(time_limit_minutes__gte=1, time_limit_minutes__lte=240),
                                   name="contest_time_limit_range",
                violation_error_message=_("The time limit is 1 to 240 minutes."),
            ),
            models.CheckConstraint(condition=Q(question_count__gte=1, question_count__lte=100),
                                   name="contest_question_count_range",
                violation_error_message=_("A contest has 1 to 100 questions."),
            ),
            models.CheckConstraint(condition=Q(points_for_taking_part__gte=0, points_for_taking_part__lte=20),
                                   name="contest_points_range",
                violation_error_message=_("Points for taking part are 0 to 20."),
            ),
        ]

    def __str__(self):
        return self.title

    def is_open(self, now):
        return self.published and self.opens_at <= now < self.closes_at


class ContestQuestion(models.Model):
    """A question of a contest's paper (drawn once, the same for everyone: the ranking compares like with like)."""

    contest = models.ForeignKey(Contest, verbose_name=_("contest"), on_delete=models.CASCADE, related_name="paper")
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        verbose_name = _("paper question")
        verbose_name_plural = _("paper questions")
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["contest", "question"], name="paper_question_once",
            violation_error_message=_("This question is already in the paper."),
        )]


class ContestAttempt(models.Model):
    """A member's one attempt at a contest: started, then submitted before its deadline (the time limit, and never
    after the contest closes), or expired. The database allows one per member and contest."""

    class Status(models.TextChoices):
        STARTED = "started", _("In progress")
        SUBMITTED = "submitted", pgettext_lazy("contest attempt", "Submitted")
        EXPIRED = "expired", _("Time ran out")

    contest = models.ForeignKey(Contest, verbose_name=_("contest"), on_delete=models.CASCADE,
                                related_name="attempts")
    member = models.ForeignKey("members.Member", verbose_name=_("party member"), on_delete=models.CASCADE,
                               related_name="contest_attempts")
    #: The member's organization when they started: the rankings of branch, community and street count from it.
    org = models.ForeignKey("grids.OrgNode", verbose_name=_("organization"), on_delete=models.PROTECT,
                            related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.STARTED)
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    correct = models.PositiveSmallIntegerField(_("right answers"), default=0)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, default=0)
    seconds = models.PositiveIntegerField(_("seconds taken"), null=True, blank=True)
    points_entry = models.OneToOneField("members.PointEntry", verbose_name=_("points given"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("contest attempt")
        verbose_name_plural = _("contest attempts")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "member"], name="contest_one_attempt",
                violation_error_message=_("You have already taken part in this contest."),
            ),
            models.CheckConstraint(condition=Q(deadline__gt=F("started_at")), name="attempt_deadline_after_start",
                violation_error_message=_("The deadline comes after the start."),
            ),
            models.CheckConstraint(condition=Q(status="started") | Q(submitted_at__isnull=False),
                                   name="attempt_finished_has_time",
                violation_error_message=_("A submitted attempt needs the time it was submitted."),
            ),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="attempt_score_range",
                violation_error_message=_("A score is between 0 and 100."),
            ),
        ]
        indexes = [models.Index(fields=["contest", "status", "-score"], name="attempt_ranking")]
