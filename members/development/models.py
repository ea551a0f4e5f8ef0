"""Member development 发展党员: 25 steps in five stages, each stage taking effect after two-level filing."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from members.records.masking import mask_id_number, mask_phone
from members.records.models import Education, Gender, Member


class DevelopmentStage(models.IntegerChoices):
    APPLICANT = 1, _("Applicant")
    ACTIVIST = 2, _("Activist")
    TARGET = 3, _("Development target")
    PROBATIONARY = 4, _("Probationary member")
    FULL = 5, _("Full member")


class DevelopmentStep(models.Model):
    """One of the 25 steps of the regulations (seeded by a migration; district staff may edit the wording).

    `after_step` with `min_months` / `max_months` is the interval rule checked when the step is entered:
    at least / at most so many months after the date of that earlier step. A step with `decides_stage`
    makes that stage take effect once both levels have filed it (see StageFiling).
    """

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    stage = models.PositiveSmallIntegerField(_("stage"), choices=DevelopmentStage.choices)
    name = models.CharField(_("name"), max_length=100)
    after_step = models.PositiveSmallIntegerField(_("interval counted from step"), null=True, blank=True)
    min_months = models.PositiveSmallIntegerField(_("at least (months)"), null=True, blank=True)
    max_months = models.PositiveSmallIntegerField(_("at most (months)"), null=True, blank=True)
    decides_stage = models.BooleanField(_("decides the stage"), default=False)

    class Meta:
        verbose_name = _("development step")
        verbose_name_plural = _("development steps")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=25), name="devstep_number_range",
                violation_error_message=_("A development step is numbered 1 to 25."),
            ),
            models.CheckConstraint(
                condition=Q(after_step__isnull=True) | Q(after_step__lt=F("number")), name="devstep_after_earlier",
                violation_error_message=_("A step's deadline counts from an earlier step."),
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.name}"


class Candidate(models.Model):
    """A person on the way into the Party, from application to full membership, and their branch."""

    name = models.CharField(_("full name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    id_number = models.CharField(_("ID-card number"), max_length=18, unique=True)
    birth_date = models.DateField(_("date of birth"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    org = models.ForeignKey(
        "grids.OrgNode", verbose_name=_("party branch"), on_delete=models.PROTECT, related_name="candidates"
    )
    stage = models.PositiveSmallIntegerField(
        _("stage in effect"), choices=DevelopmentStage.choices, default=DevelopmentStage.APPLICANT
    )
    member = models.OneToOneField(
        Member, verbose_name=_("party member"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="development",
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("development candidate")
        verbose_name_plural = _("development candidates")
        ordering = ["org_id", "name", "pk"]
        # The lists' ordering: a page is a range of it, not a sort of every candidate.
        indexes = [models.Index(fields=["org", "name", "id"], name="candidate_list_order")]
        constraints = [
            models.CheckConstraint(condition=Q(stage__gte=1, stage__lte=5), name="candidate_stage_range",
                violation_error_message=_("Unknown stage of development."),
            ),
            models.CheckConstraint(
                condition=Q(member__isnull=True) | Q(stage__gte=DevelopmentStage.PROBATIONARY),
                name="candidate_member_from_probation",
                violation_error_message=_("A candidate has a member record only once admitted as a probationary "
                                          "member."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self):
        return mask_phone(self.phone)


class StepRecord(models.Model):
    """A step done for a candidate: when, who reviewed it, their opinion, an optional attachment."""

    candidate = models.ForeignKey(Candidate, verbose_name=_("candidate"), on_delete=models.CASCADE,
                                  related_name="steps")
    step = models.ForeignKey(DevelopmentStep, verbose_name=_("step"), on_delete=models.PROTECT,
                             related_name="records")
    done_on = models.DateField(_("date"))
    reviewer = models.CharField(_("reviewer"), max_length=50)
    opinion = models.TextField(_("opinion"), blank=True)
    attachment = models.FileField(_("attachment"), upload_to="development/%Y/", blank=True)
    recorded_by = models.ForeignKey("auth.User", verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("development step record")
        verbose_name_plural = _("development step records")
        ordering = ["candidate_id", "step__number"]
        constraints = [models.UniqueConstraint(fields=["candidate", "step"], name="steprecord_once",
            violation_error_message=_("This step is already recorded for this candidate."),
        )]

    def __str__(self):
        return f"{self.candidate} · {self.step}"


class FilingStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed by the community, awaiting the street")
    APPROVED = "approved", _("Pre-reviewed and filed by the street")
    RETURNED = "returned", _("Sent back by the street")


class StageFiling(models.Model):
    """Two-level filing and pre-review of a stage: the community files and proposes, the street pre-reviews and
    files; the stage takes effect only then."""

    candidate = models.ForeignKey(Candidate, verbose_name=_("candidate"), on_delete=models.CASCADE,
                                  related_name="filings")
    stage = models.PositiveSmallIntegerField(_("stage"), choices=DevelopmentStage.choices)
    status = models.CharField(_("status"), max_length=10, choices=FilingStatus.choices,
                              default=FilingStatus.PROPOSED)
    community_by = models.ForeignKey("auth.User", verbose_name=_("filed by (community)"), on_delete=models.PROTECT,
                                     related_name="+")
    community_on = models.DateField(_("filed on (community)"))
    community_opinion = models.TextField(_("community opinion"), blank=True)
    street_by = models.ForeignKey("auth.User", verbose_name=_("pre-reviewed by (street)"), on_delete=models.PROTECT,
                                  related_name="+", null=True, blank=True)
    street_on = models.DateField(_("pre-reviewed on (street)"), null=True, blank=True)
    street_opinion = models.TextField(_("street opinion"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stage filing")
        verbose_name_plural = _("stage filings")
        ordering = ["-community_on", "-pk"]
        # The lists' ordering (-community_on, -id), read backwards: a page is a range of it.
        indexes = [models.Index(fields=["community_on", "id"], name="stagefiling_list_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "stage"], condition=~Q(status="returned"), name="stagefiling_one_open",
                violation_error_message=_("This stage has already been filed for this candidate."),
            ),
            models.CheckConstraint(
                condition=Q(status="proposed", street_by__isnull=True, street_on__isnull=True)
                | (~Q(status="proposed") & Q(street_by__isnull=False, street_on__isnull=False)),
                name="stagefiling_street_iff_decided",
                violation_error_message=_("A decided filing names who decided it and when; an open one does not yet."),
            ),
            models.CheckConstraint(condition=Q(stage__gte=2, stage__lte=5), name="stagefiling_stage_range",
                violation_error_message=_("Unknown stage of development."),
            ),
        ]

    def __str__(self):
        return f"{self.candidate} · {self.get_stage_display()}"
