"""Assessment: yearly plans of weighted indicators, quarterly scores and ranking snapshots, monthly
inspections with findings and rectification, and interviews.

Units are the tree's streets (level 1) and communities or villages (level 2), plus the district's
party-committee departments, which are not tree nodes (`Department`). Every per-unit row points at
exactly one of `org` or `department` (a check constraint says so).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UnitLevel(models.TextChoices):
    """The kinds of unit assessed, each with its own plan and ranking."""

    STREET = "street", _("Streets")
    COMMUNITY = "community", _("Communities and villages")
    DEPARTMENT = "department", _("Party-committee departments")


#: The tree level of each node-based unit level.
TREE_LEVEL = {UnitLevel.STREET: 1, UnitLevel.COMMUNITY: 2}
LEVEL_OF_TREE = {1: UnitLevel.STREET, 2: UnitLevel.COMMUNITY}

ONE_UNIT = (Q(org__isnull=False) & Q(department__isnull=True)) | (Q(org__isnull=True) & Q(department__isnull=False))


class Department(models.Model):
    """A party-committee department of the district (not a node of the grid)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    secretary_name = models.CharField(_("secretary"), max_length=50, blank=True)
    active = models.BooleanField(_("assessed"), default=True)

    class Meta:
        verbose_name = _("party-committee department")
        verbose_name_plural = _("party-committee departments")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Plan(models.Model):
    """The yearly assessment plan of one kind of unit."""

    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(_("kind of unit"), max_length=20, choices=UnitLevel.choices)
    name = models.CharField(_("name"), max_length=200)
    party_building_share = models.DecimalField(
        _("share of party building in the yearly goal (%)"), max_digits=5, decimal_places=2,
        help_text=_("50 for party-committee departments and 30 for streets in Jinshui."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment plan")
        verbose_name_plural = _("assessment plans")
        ordering = ["-year", "level"]
        constraints = [
            models.UniqueConstraint(fields=["year", "level"], name="plan_one_per_year_and_level",
                violation_error_message=_("This level already has an assessment plan for this year."),
            ),
            models.CheckConstraint(
                condition=Q(party_building_share__gt=0, party_building_share__lte=100), name="plan_share_percent",
                violation_error_message=_("The party-building share is above 0 and at most 100 percent."),
            ),
        ]

    def __str__(self):
        return f"{self.year} · {self.get_level_display()}"


class Indicator(models.Model):
    """One indicator of a plan: scored from 0 to `max_score`, counted with `weight` percent."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="indicators")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=100)
    max_score = models.DecimalField(_("maximum score"), max_digits=6, decimal_places=2)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)
    method = models.TextField(_("how it is scored"), blank=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["plan", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="indicator_name_once_per_plan",
                violation_error_message=_("This plan already has an indicator with this name."),
            ),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="indicator_max_positive",
                violation_error_message=_("The maximum score must be above 0."),
            ),
            models.CheckConstraint(condition=Q(weight__gt=0, weight__lte=100), name="indicator_weight_percent",
                violation_error_message=_("The weight is above 0 and at most 100 percent."),
            ),
        ]

    def __str__(self):
        return self.name


class QuarterStatus(models.TextChoices):
    OPEN = "open", _("Open for scoring")
    CLOSED = "closed", _("Closed for scoring")
    PUBLISHED = "published", _("Published")


class Quarter(models.Model):
    """The state of one quarter's assessment. No row means open; a published quarter is locked."""

    key = models.CharField(_("quarter"), max_length=6, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=QuarterStatus.choices, default=QuarterStatus.OPEN)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("quarter")
        verbose_name_plural = _("quarters")
        ordering = ["-key"]

    def __str__(self):
        return f"{self.key} · {self.get_status_display()}"


class QuarterAction(models.TextChoices):
    PUBLISH = "publish", _("Published")
    REOPEN = "reopen", _("Reopened")


class QuarterLog(models.Model):
    """Who published or reopened a quarter, when and why: a publication with units unscored names them (the
    recorded exception), a reopening gives its reason."""

    quarter = models.CharField(_("quarter"), max_length=6)
    action = models.CharField(pgettext_lazy("quarter", "action"), max_length=10, choices=QuarterAction.choices)
    reason = models.TextField(_("reason"), blank=True)
    unscored = models.JSONField(_("units without scores"), default=list, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=pgettext_lazy("quarter", "by"),
                           on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("quarter publication record")
        verbose_name_plural = _("quarter publication records")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(action="reopen") | ~Q(reason=""), name="quarterlog_reopen_reason",
                                   violation_error_message=_("Give the reason for reopening the quarter.")),
            models.CheckConstraint(condition=Q(unscored=[]) | ~Q(reason=""), name="quarterlog_exception_reason",
                                   violation_error_message=_("Give the reason for publishing with units "
                                                             "unscored.")),
        ]

    def __str__(self):
        return f"{self.quarter} · {self.get_action_display()}"


class Score(models.Model):
    """One unit's score on one indicator in one quarter, with its evidence.

    `max_score` and `weight` are copied from the indicator when the score is entered, so that the
    database itself refuses a score above the maximum and the ranking needs no join.
    """

    quarter = models.CharField(_("quarter"), max_length=6)
    level = models.CharField(_("kind of unit"), max_length=20, choices=UnitLevel.choices)
    org = models.ForeignKey(
        "grids.OrgNode", verbose_name=_("party organization"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="assessment_scores",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="scores",
    )
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT,
                                  related_name="scores")
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    max_score = models.DecimalField(_("maximum score"), max_digits=6, decimal_places=2, editable=False)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2, editable=False)
    evidence = models.TextField(_("evidence"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.SET_NULL, null=True,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["quarter", "level", "indicator__position"]
        constraints = [
            models.CheckConstraint(condition=ONE_UNIT, name="score_one_unit",
                violation_error_message=_("A record is about either an organization or a department, not both."),
            ),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=F("max_score")), name="score_within_max",
                violation_error_message=_("A score is between 0 and the indicator's maximum."),
            ),
            models.UniqueConstraint(
                fields=["org", "quarter", "indicator"], condition=Q(org__isnull=False), name="score_once_per_org",
                violation_error_message=_("This organization already has a score for this indicator this quarter."),
            ),
            models.UniqueConstraint(
                fields=["department", "quarter", "indicator"], condition=Q(department__isnull=False),
                name="score_once_per_department",
                violation_error_message=_("This department already has a score for this indicator this quarter."),
            ),
        ]
        indexes = [models.Index(fields=["quarter", "level"], name="score_quarter_level")]

    def __str__(self):
        return f"{self.quarter} {self.indicator}: {self.score}"


class ImmutableModel(models.Model):
    """Written once (bulk or save), never changed or deleted through the ORM."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("A ranking snapshot cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A ranking snapshot cannot be deleted."))


class RankingSnapshot(ImmutableModel):
    """The ranking of one level in one quarter, as computed on `taken_at`: never recomputed."""

    quarter = models.CharField(_("quarter"), max_length=6)
    level = models.CharField(_("kind of unit"), max_length=20, choices=UnitLevel.choices)
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, null=True, related_name="+")
    taken_at = models.DateTimeField(_("taken at"), auto_now_add=True)
    ranked_count = models.PositiveIntegerField(_("units ranked"), default=0)
    unscored_count = models.PositiveIntegerField(_("units without scores"), default=0)
    indicators = models.JSONField(_("indicators"), default=list)
    #: Set when district staff reopened the quarter: the snapshot is kept as it was, no longer current (the only
    #: change PostgreSQL lets through, once).
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("ranking snapshot")
        verbose_name_plural = _("ranking snapshots")
        ordering = ["-quarter", "level", "-taken_at"]
        constraints = [models.UniqueConstraint(
            fields=["quarter", "level"], condition=Q(superseded_at__isnull=True),
            name="snapshot_current_once_per_quarter_level",
            violation_error_message=_("This quarter already has a current ranking of this kind of unit."))]

    def __str__(self):
        return f"{self.quarter} · {self.get_level_display()}"


class RankingRow(ImmutableModel):
    """One unit in a snapshot: rank (ties shared; none when unscored), weighted total and breakdown."""

    snapshot = models.ForeignKey(RankingSnapshot, verbose_name=_("snapshot"), on_delete=models.PROTECT,
                                 related_name="rows")
    org = models.ForeignKey("grids.OrgNode", verbose_name=_("party organization"), on_delete=models.PROTECT,
                            null=True, blank=True, related_name="+")
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    unit_code = models.CharField(_("code"), max_length=32)
    unit_name = models.CharField(_("name"), max_length=100)
    parent_name = models.CharField(_("street"), max_length=100, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    total = models.DecimalField(_("weighted total"), max_digits=14, decimal_places=6, null=True, blank=True)
    breakdown = models.JSONField(_("breakdown"), default=list)
    previous_rank = models.PositiveIntegerField(_("rank last quarter"), null=True, blank=True)
    previous_total = models.DecimalField(_("total last quarter"), max_digits=14, decimal_places=6, null=True,
                                         blank=True)
    interview_suggested = models.BooleanField(_("interview suggested"), default=False)

    class Meta:
        verbose_name = _("ranking row")
        verbose_name_plural = _("ranking rows")
        ordering = ["snapshot", F("rank").asc(nulls_last=True), "unit_code"]
        constraints = [
            models.CheckConstraint(condition=ONE_UNIT, name="rankingrow_one_unit",
                violation_error_message=_("A record is about either an organization or a department, not both."),
            ),
            models.CheckConstraint(
                condition=Q(rank__isnull=True, total__isnull=True) | Q(rank__gte=1, total__isnull=False),
                name="rankingrow_rank_iff_total",
                violation_error_message=_("A unit has a rank exactly when it has a total score."),
            ),
            models.UniqueConstraint(fields=["snapshot", "org"], condition=Q(org__isnull=False),
                                    name="rankingrow_once_per_org",
                violation_error_message=_("This organization is already in this ranking."),
            ),
            models.UniqueConstraint(fields=["snapshot", "department"], condition=Q(department__isnull=False),
                                    name="rankingrow_once_per_department",
                violation_error_message=_("This department is already in this ranking."),
            ),
        ]

    def __str__(self):
        return f"{self.unit_name} #{self.rank or '-'}"

    @property
    def change(self):
        if self.total is None or self.previous_total is None:
            return None
        return self.total - self.previous_total

    @property
    def rank_change(self):
        """Places gained since last quarter (positive: moved up)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


# --- inspections ----------------------------------------------------------------------------------


class InspectionPlan(models.Model):
    """Which unit is inspected in which month, by whom (unannounced: only the district and inspectors see it)."""

    month = models.CharField(_("month"), max_length=7)
    org = models.ForeignKey("grids.OrgNode", verbose_name=_("party organization"), on_delete=models.CASCADE,
                            related_name="+")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("inspector"), on_delete=models.PROTECT,
                                  related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection plan entry")
        verbose_name_plural = _("monthly inspection plan")
        ordering = ["-month", "org__path"]
        constraints = [models.UniqueConstraint(fields=["month", "org"], name="inspectionplan_once_per_month",
            violation_error_message=_("This organization already has an inspection plan for this month."),
        )]

    def __str__(self):
        return f"{self.month} · {self.org}"


class Inspection(models.Model):
    """An unannounced inspection visit and its summary; published inspections make the notice list."""

    plan = models.OneToOneField(InspectionPlan, verbose_name=_("plan entry"), on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="inspection")
    month = models.CharField(_("month"), max_length=7)
    org = models.ForeignKey("grids.OrgNode", verbose_name=_("party organization"), on_delete=models.CASCADE,
                            related_name="+")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("inspector"), on_delete=models.PROTECT,
                                  related_name="+")
    visited_on = models.DateField(_("visited on"))
    summary = models.TextField(_("summary"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-visited_on", "pk"]
        indexes = [models.Index(fields=["month"], name="inspection_month")]

    def __str__(self):
        return f"{self.visited_on} · {self.org}"


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Being rectified")
    RECTIFIED = "rectified", _("Reported rectified")
    CLOSED = "closed", _("Closed")


class Finding(models.Model):
    """A problem found on an inspection, to be rectified by `deadline` and followed up until closed."""

    inspection = models.ForeignKey(Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE,
                                   related_name="findings")
    org = models.ForeignKey("grids.OrgNode", verbose_name=_("party organization"), on_delete=models.CASCADE,
                            related_name="+")
    description = models.TextField(_("finding"))
    found_on = models.DateField(_("found on"))
    deadline = models.DateField(_("rectify by"))
    status = models.CharField(_("status"), max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=F("found_on")), name="finding_deadline_after_found",
                violation_error_message=_("The deadline for putting it right cannot come before the day the problem was"
                                          " found."),
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_on__isnull=False) | (~Q(status="closed") & Q(closed_on__isnull=True)),
                name="finding_closed_on_iff_closed",
                violation_error_message=_("A closed finding has the date it was closed; an open one has none."),
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="finding_status_deadline")]

    def __str__(self):
        return self.description[:40]

    def is_overdue(self, today):
        """Past its deadline and not reported rectified (a reported one waits for the inspector's check)."""
        return self.status == FindingStatus.OPEN and self.deadline < today


class FollowUp(models.Model):
    """A step in a finding's rectification: a note, and the status it leaves the finding in."""

    finding = models.ForeignKey(Finding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="followups")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True,
                               related_name="+")
    on = models.DateField(_("date"))
    note = models.TextField(_("note"))
    status = models.CharField(_("status after"), max_length=20, choices=FindingStatus.choices)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["on", "pk"]


# --- interviews -----------------------------------------------------------------------------------


class InterviewReason(models.TextChoices):
    RANKING = "ranking", _("Low quarterly ranking")
    OVERDUE = "overdue", _("Overdue rectification")
    DUTY = "duty", _("Failed duty")


class InterviewStatus(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    HELD = "held", _("Held")
    CLOSED = "closed", _("Closed")
    DROPPED = "dropped", _("Not needed")


class Interview(models.Model):
    """约谈: the district interviews street secretaries (and departments), a street its community secretaries."""

    org = models.ForeignKey("grids.OrgNode", verbose_name=_("party organization"), on_delete=models.CASCADE,
                            null=True, blank=True, related_name="+")
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.CASCADE, null=True,
                                   blank=True, related_name="+")
    interviewee = models.CharField(_("interviewee"), max_length=50)
    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("interviewer"), on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=InterviewReason.choices)
    detail = models.TextField(_("why"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=InterviewStatus.choices,
                              default=InterviewStatus.SUGGESTED)
    quarter = models.CharField(_("quarter"), max_length=6, blank=True)
    ranking_row = models.ForeignKey(RankingRow, verbose_name=_("ranking"), on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    finding = models.ForeignKey(Finding, verbose_name=_("finding"), on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="interviews")
    held_on = models.DateField(_("held on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    dismissed_reason = models.TextField(_("why it is not needed"), blank=True)
    #: Where a proposal made by another app came from (e.g. "duty:<report id>"), so that it is proposed once.
    source_key = models.CharField(_("proposed by"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=ONE_UNIT, name="interview_one_unit",
                violation_error_message=_("A record is about either an organization or a department, not both."),
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(held_on__isnull=False), name="interview_held_has_date",
                violation_error_message=_("An interview that was held needs the date it was held."),
            ),
            models.CheckConstraint(
                condition=Q(follow_up_on__isnull=True) | Q(held_on__isnull=False)
                & Q(follow_up_on__gte=F("held_on")),
                name="interview_follow_up_after_held",
                violation_error_message=_("The follow-up cannot come before the interview was held."),
            ),
            models.UniqueConstraint(fields=["ranking_row"], condition=Q(ranking_row__isnull=False),
                                    name="interview_once_per_ranking_row",
                violation_error_message=_("An interview is already arranged for this ranking."),
            ),
            models.UniqueConstraint(fields=["finding"], condition=Q(finding__isnull=False),
                                    name="interview_once_per_finding",
                violation_error_message=_("An interview is already arranged for this finding."),
            ),
            models.UniqueConstraint(fields=["source_key"], condition=~Q(source_key=""),
                                    name="interview_once_per_source",
                violation_error_message=_("This interview is already arranged."),
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_on__isnull=False, held_on__isnull=False),
                name="interview_closed_has_dates",
                violation_error_message=_("A closed interview needs the dates it was held and closed."),
            ),
        ]

    def __str__(self):
        return f"{self.interviewee} · {self.get_reason_display()}"


class InterviewAction(models.Model):
    """An action agreed at an interview: who does what by when; the interview closes when all are done."""

    interview = models.ForeignKey(Interview, verbose_name=_("interview"), on_delete=models.CASCADE,
                                  related_name="actions")
    description = models.TextField(_("action"))
    owner_name = models.CharField(_("owner"), max_length=50)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner's account"), on_delete=models.SET_NULL,
                              null=True, blank=True, related_name="+")
    deadline = models.DateField(_("deadline"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_note = models.TextField(_("what was done"), blank=True)

    class Meta:
        verbose_name = _("agreed action")
        verbose_name_plural = _("agreed actions")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["done_on", "deadline"], name="interviewaction_open_due")]

    def __str__(self):
        return self.description[:40]
