"""Accountability (assessment's next floor up): the yearly duty reports and their review (三级联述职联评) with the
democratic evaluation, the stored year-end comprehensive evaluation (年终综合评定), committees and their terms
(换届), the street's reserve-cadre pool (后备干部), election slates checked against the three thirds, the "five
ones" after an election, and the district standing committee's contact points (区委常委联系点).

Units are assessment's: streets and communities (tree nodes) and party-committee departments. A per-unit row
points at exactly one of `org` or `department` (assessment.models.ONE_UNIT).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assessment.models import ONE_UNIT, Department, UnitLevel
from core.history import HistoricalRecords

# --- 述职评议 -----------------------------------------------------------------------------------------


class CycleStatus(models.TextChoices):
    OPEN = "open", _("Reports being written")
    REVIEWING = "reviewing", _("Under review")
    PUBLISHED = "published", _("Published")


class DutyCycle(models.Model):
    """One year's duty reporting of one kind of unit, opened by the district: the duty list the secretaries
    report against, the published criteria the level above scores by (their maxima add up to 100)."""

    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(_("kind of unit"), max_length=20, choices=UnitLevel.choices)
    duties = models.TextField(_("duty list"), help_text=_("One duty per line."))
    criteria = models.JSONField(_("review criteria"), default=list)
    due_on = models.DateField(_("reports due on"))
    status = models.CharField(_("status"), max_length=20, choices=CycleStatus.choices, default=CycleStatus.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.SET_NULL,
                                  null=True, related_name="+")
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("duty-report cycle")
        verbose_name_plural = _("duty-report cycles")
        ordering = ["-year", "level"]
        constraints = [
            models.UniqueConstraint(fields=["year", "level"], name="dutycycle_once_per_year_level",
                violation_error_message=_("This level already has a duty report round for this year."),
            ),
            models.CheckConstraint(condition=~Q(status="published") | Q(published_at__isnull=False),
                                   name="dutycycle_published_has_date",
                violation_error_message=_("A published round needs the time it was published."),
            ),
        ]

    def __str__(self):
        return f"{self.year} · {self.get_level_display()}"

    @property
    def duty_list(self):
        return [line.strip() for line in self.duties.splitlines() if line.strip()]


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    REVIEWED = "reviewed", _("Reviewed")


class DutyGrade(models.TextChoices):
    GOOD = "good", pgettext_lazy("duty grade", "Good")
    FAIR_GOOD = "fairly_good", pgettext_lazy("duty grade", "Fairly good")
    FAIR = "fair", pgettext_lazy("duty grade", "Fair")
    POOR = "poor", pgettext_lazy("duty grade", "Poor")


class DutyReport(models.Model):
    """A secretary's duty report (述职) for one year, its review by the level above (评议) and its result."""

    cycle = models.ForeignKey(DutyCycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="reports")
    org = models.ForeignKey("grids.OrgNode", verbose_name=_("party organization"), on_delete=models.CASCADE,
                            null=True, blank=True, related_name="+")
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.CASCADE, null=True,
                                   blank=True, related_name="+")
    secretary_name = models.CharField(_("secretary"), max_length=50, blank=True)
    body = models.TextField(_("report"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    criteria_scores = models.JSONField(_("review scores"), default=list, blank=True)
    review_score = models.DecimalField(_("review score"), max_digits=5, decimal_places=2, null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"),
                                    on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    democratic_score = models.DecimalField(_("democratic evaluation"), max_digits=5, decimal_places=2, null=True,
                                           blank=True)
    final_score = models.DecimalField(_("result"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=20, choices=DutyGrade.choices, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("duty report")
        verbose_name_plural = _("duty reports")
        ordering = ["cycle", F("rank").asc(nulls_last=True), "pk"]
        constraints = [
            models.CheckConstraint(condition=ONE_UNIT, name="dutyreport_one_unit",
                violation_error_message=_("A record is about either an organization or a department, not both."),
            ),
            models.UniqueConstraint(fields=["cycle", "org"], condition=Q(org__isnull=False),
                                    name="dutyreport_once_per_org",
                violation_error_message=_("This organization already has a duty report in this round."),
            ),
            models.UniqueConstraint(fields=["cycle", "department"], condition=Q(department__isnull=False),
                                    name="dutyreport_once_per_department",
                violation_error_message=_("This department already has a duty report in this round."),
            ),
            models.CheckConstraint(condition=Q(review_score__isnull=True)
                                   | Q(review_score__gte=0, review_score__lte=100), name="dutyreport_score_range",
                violation_error_message=_("A score is between 0 and 100."),
            ),
            models.CheckConstraint(condition=~Q(status="reviewed") | Q(review_score__isnull=False),
                                   name="dutyreport_reviewed_has_score",
                violation_error_message=_("A reviewed duty report needs its score."),
            ),
        ]

    def __str__(self):
        return f"{self.cycle.year} · {self.unit}"

    @property
    def unit(self):
        return self.org or self.department


def attachment_path(instance, filename):
    return f"duty/{instance.report.cycle.year}/{instance.report_id}/{filename}"


class DutyAttachment(models.Model):
    report = models.ForeignKey(DutyReport, verbose_name=_("duty report"), on_delete=models.CASCADE,
                               related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name


class VoterKind(models.TextChoices):
    MEMBER = "member", pgettext_lazy("voter", "Party member")
    REPRESENTATIVE = "representative", _("Residents' representative")


class Choice(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")


class Voter(models.Model):
    """Who may vote in one report's democratic evaluation, and whether they have: a voter votes once. Which way
    they voted is not kept here: the ballot (Ballot) carries no voter."""

    report = models.ForeignKey(DutyReport, verbose_name=_("duty report"), on_delete=models.CASCADE,
                               related_name="voters")
    kind = models.CharField(_("voter"), max_length=20, choices=VoterKind.choices)
    name = models.CharField(_("name"), max_length=50)
    member = models.ForeignKey("members.Member", verbose_name=_("party member"), on_delete=models.SET_NULL,
                               null=True, blank=True, related_name="+")
    voted_at = models.DateTimeField(_("voted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "kind", "name"], name="voter_once_per_report",
                violation_error_message=_("This person has already voted on this report."),
            ),
            models.UniqueConstraint(fields=["report", "member"], condition=Q(member__isnull=False),
                                    name="voter_member_once_per_report",
                violation_error_message=_("This member has already voted on this report."),
            ),
        ]

    def __str__(self):
        return self.name


class Ballot(models.Model):
    """One anonymous ballot: which way, and the kind of voter (for the count by kind); never who."""

    report = models.ForeignKey(DutyReport, verbose_name=_("duty report"), on_delete=models.CASCADE,
                               related_name="ballots")
    kind = models.CharField(_("voter"), max_length=20, choices=VoterKind.choices)
    choice = models.CharField(_("vote"), max_length=20, choices=Choice.choices)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")


# --- 年终综合评定 ----------------------------------------------------------------------------------------


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("Under review")
    PUBLISHED = "published", _("Published")


class EvaluationYear(models.Model):
    """The year-end evaluation of one year: computed (by the year-end job), reviewed, published, then frozen
    (on PostgreSQL a trigger refuses any change to a published year and its rows)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    status = models.CharField(_("status"), max_length=20, choices=EvaluationStatus.choices,
                              default=EvaluationStatus.DRAFT)
    computed_at = models.DateTimeField(_("computed at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"),
                                     on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("year-end evaluation")
        verbose_name_plural = _("year-end evaluations")
        ordering = ["-year"]
        constraints = [models.CheckConstraint(condition=~Q(status="published") | Q(published_at__isnull=False),
                                              name="evaluationyear_published_has_date",
            violation_error_message=_("A published round needs the time it was published."),
        )]

    def __str__(self):
        return str(self.year)

    @property
    def published(self):
        return self.status == EvaluationStatus.PUBLISHED


class EvaluationRow(models.Model):
    """One unit's year-end evaluation: its parts (breakdown), the computed score, an adjustment with its reason,
    the final score, rank within its level (ties shared) and grade."""

    evaluation = models.ForeignKey(EvaluationYear, verbose_name=_("year"), on_delete=models.PROTECT,
                                   related_name="rows")
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(_("kind of unit"), max_length=20, choices=UnitLevel.choices)
    org = models.ForeignKey("grids.OrgNode", verbose_name=_("party organization"), on_delete=models.PROTECT,
                            null=True, blank=True, related_name="+")
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    unit_code = models.CharField(_("code"), max_length=32)
    unit_name = models.CharField(_("name"), max_length=100)
    parent_name = models.CharField(_("street"), max_length=100, blank=True)
    breakdown = models.JSONField(_("breakdown"), default=dict)
    computed_score = models.DecimalField(_("computed score"), max_digits=6, decimal_places=2, null=True, blank=True)
    adjustment = models.DecimalField(_("adjustment"), max_digits=5, decimal_places=2, default=0)
    adjustment_reason = models.TextField(_("reason for the adjustment"), blank=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("year-end evaluation row")
        verbose_name_plural = _("year-end evaluation rows")
        ordering = ["year", "level", F("rank").asc(nulls_last=True), "unit_code"]
        constraints = [
            models.CheckConstraint(condition=ONE_UNIT, name="evaluationrow_one_unit",
                violation_error_message=_("A record is about either an organization or a department, not both."),
            ),
            models.UniqueConstraint(fields=["evaluation", "org"], condition=Q(org__isnull=False),
                                    name="evaluationrow_once_per_org",
                violation_error_message=_("This organization is already in this evaluation."),
            ),
            models.UniqueConstraint(fields=["evaluation", "department"], condition=Q(department__isnull=False),
                                    name="evaluationrow_once_per_department",
                violation_error_message=_("This department is already in this evaluation."),
            ),
            models.CheckConstraint(condition=~Q(adjustment=0) | Q(adjustment_reason=""),
                                   name="evaluationrow_no_reason_without_adjustment",
                violation_error_message=_("Give a reason only with an adjustment."),
            ),
            models.CheckConstraint(condition=Q(adjustment=0) | ~Q(adjustment_reason=""),
                                   name="evaluationrow_adjustment_has_reason",
                violation_error_message=_("An adjustment needs its reason."),
            ),
            models.CheckConstraint(condition=Q(adjustment__gte=-20, adjustment__lte=20),
                                   name="evaluationrow_adjustment_bounded",
                violation_error_message=_("An adjustment is between -20 and 20."),
            ),
        ]
        indexes = [models.Index(fields=["year", "level"], name="evaluationrow_year_level")]

    def __str__(self):
        return f"{self.year} · {self.unit_name}"


# --- 换届: committees, terms, reserve cadres, slates, the five ones ------------------------------------------


class Post(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    DEPUTY = "deputy", _("Deputy secretary")
    ORGANIZATION = "organization", _("Organization member")
    PROPAGANDA = "propaganda", _("Propaganda member")
    DISCIPLINE = "discipline", _("Discipline member")
    MEMBER = "member", _("Committee member")


class Committee(models.Model):
    """One term of a party organization's committee. The current term has no `ended_on`; its secretary is the
    node's secretary."""

    org = models.ForeignKey("grids.OrgNode", verbose_name=_("party organization"), on_delete=models.CASCADE,
                            related_name="committees")
    term_start = models.DateField(_("term began"))
    term_years = models.PositiveSmallIntegerField(_("term (years)"))
    term_end = models.DateField(_("term ends"))
    ended_on = models.DateField(_("replaced on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        ordering = ["term_end", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["org"], condition=Q(ended_on__isnull=True), name="committee_one_current",
                violation_error_message=_("This organization already has a committee in office."),
            ),
            models.CheckConstraint(condition=Q(term_years__gte=1, term_years__lte=5), name="committee_term_years",
                violation_error_message=_("A term lasts 1 to 5 years."),
            ),
            models.CheckConstraint(condition=Q(term_end__gt=F("term_start")), name="committee_term_end_after_start",
                violation_error_message=_("A term ends after it starts."),
            ),
        ]
        indexes = [models.Index(fields=["ended_on", "term_end"], name="committee_current_end")]

    def __str__(self):
        return f"{self.org} · {self.term_start:%Y}–{self.term_end:%Y}"


class CommitteeMember(models.Model):
    committee = models.ForeignKey(Committee, verbose_name=_("committee"), on_delete=models.CASCADE,
                                  related_name="members")
    name = models.CharField(_("name"), max_length=50)
    post = models.CharField(_("post"), max_length=20, choices=Post.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["committee", "post", "pk"]
        constraints = [models.UniqueConstraint(fields=["committee"], condition=Q(post="secretary"),
                                               name="committee_one_secretary",
            violation_error_message=_("This committee already has a secretary."),
        )]

    def __str__(self):
        return f"{self.name} ({self.get_post_display()})"


class Source(models.TextChoices):
    """The three thirds (三个三分之一) of a community committee's candidates."""

    STREET_STAFF = "street_staff", _("Street-appointed staff")
    COMMUNITY_WORKER = "community_worker", _("Experienced community worker")
    GRADUATE = "graduate", _("Young graduate")


class CadreStatus(models.TextChoices):
    POOL = "pool", _("In the pool")
    ELECTED = "elected", _("Elected")
    LEFT = "left", _("Left the pool")


class ReserveCadre(models.Model):
    """A reserve cadre (后备干部) in a street's pool."""

    street = models.ForeignKey("grids.OrgNode", verbose_name=_("street"), on_delete=models.CASCADE,
                               related_name="reserve_cadres")
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=[("M", _("male")), ("F", _("female"))])
    birth_date = models.DateField(_("birth date"))
    education = models.CharField(_("education"), max_length=30)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    joined_on = models.DateField(_("in the pool since"))
    training = models.TextField(_("training"), blank=True)
    assessment = models.TextField(_("assessment"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=CadreStatus.choices, default=CadreStatus.POOL)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reserve cadre")
        verbose_name_plural = _("reserve cadres")
        ordering = ["street", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["street", "name", "birth_date"],
                                               name="reservecadre_once_per_street",
            violation_error_message=_("This person is already a reserve cadre of this street."),
        )]

    def __str__(self):
        return self.name


class SlateStatus(models.TextChoices):
    DRAFT = "draft", _("Being drawn up")
    CONFIRMED = "confirmed", _("Confirmed for the election")
    ELECTED = "elected", _("Elected")


class Slate(models.Model):
    """The candidates for an organization's next committee, checked against the three thirds before the election."""

    org = models.ForeignKey("grids.OrgNode", verbose_name=_("party organization"), on_delete=models.CASCADE,
                            related_name="slates")
    election_on = models.DateField(_("election date"))
    status = models.CharField(_("status"), max_length=20, choices=SlateStatus.choices, default=SlateStatus.DRAFT)
    committee = models.OneToOneField(Committee, verbose_name=_("committee elected"), on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="slate")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("election slate")
        verbose_name_plural = _("election slates")
        ordering = ["-election_on", "pk"]

    def __str__(self):
        return f"{self.org} · {self.election_on}"


class Candidate(models.Model):
    slate = models.ForeignKey(Slate, verbose_name=_("slate"), on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(_("name"), max_length=50)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    post = models.CharField(_("post"), max_length=20, choices=Post.choices, default=Post.MEMBER)
    cadre = models.ForeignKey(ReserveCadre, verbose_name=_("reserve cadre"), on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="candidacies")

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["slate", "pk"]
        constraints = [models.UniqueConstraint(fields=["slate", "name"], name="candidate_once_per_slate",
            violation_error_message=_("This person is already on this slate."),
        )]

    def __str__(self):
        return self.name


class FiveOne(models.TextChoices):
    """The "five ones" (五个一) each new committee completes."""

    TALK = "talk", _("Appointment talk")
    OATH = "oath", _("Renewal of the oath")
    PLEDGE = "pledge", _("Inauguration pledge")
    LECTURE = "lecture", _("Party lecture")
    TRAINING = "training", _("Training")


class FiveOneItem(models.Model):
    committee = models.ForeignKey(Committee, verbose_name=_("committee"), on_delete=models.CASCADE,
                                  related_name="five_ones")
    kind = models.CharField(_("item"), max_length=20, choices=FiveOne.choices)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("five-ones item")
        verbose_name_plural = _("five-ones items")
        ordering = ["committee", "due_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["committee", "kind"], name="fiveone_once_per_committee",
            violation_error_message=_("This committee already has this item."),
        )]

    def __str__(self):
        return self.get_kind_display()


# --- 区委常委联系点 ------------------------------------------------------------------------------------------


class StandingMember(models.Model):
    """A member of the district party standing committee (区委常委)."""

    name = models.CharField(_("name"), max_length=50)
    post = models.CharField(_("post"), max_length=100)
    active = models.BooleanField(_("serving"), default=True)

    class Meta:
        verbose_name = _("standing-committee member")
        verbose_name_plural = _("standing-committee members")
        ordering = ["pk"]

    def __str__(self):
        return self.name


class ContactPoint(models.Model):
    member = models.ForeignKey(StandingMember, verbose_name=_("standing-committee member"),
                               on_delete=models.CASCADE, related_name="points")
    org = models.ForeignKey("grids.OrgNode", verbose_name=_("party organization"), on_delete=models.CASCADE,
                            related_name="contact_points")
    since = models.DateField(_("linked since"))

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        ordering = ["member", "org__path"]
        constraints = [models.UniqueConstraint(fields=["member", "org"], name="contactpoint_once",
            violation_error_message=_("This member is already a contact point of this organization."),
        )]

    def __str__(self):
        return f"{self.member} · {self.org}"


class ContactVisit(models.Model):
    point = models.ForeignKey(ContactPoint, verbose_name=_("contact point"), on_delete=models.CASCADE,
                              related_name="visits")
    visited_on = models.DateField(_("visited on"))
    summary = models.TextField(_("summary"))
    problems = models.PositiveSmallIntegerField(_("problems taken up"), default=0)
    solved = models.PositiveSmallIntegerField(_("problems solved"), default=0)
    problem_notes = models.TextField(_("problems"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("contact visit")
        verbose_name_plural = _("contact visits")
        ordering = ["-visited_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(solved__lte=F("problems")), name="contactvisit_solved_le",
            violation_error_message=_("Problems solved cannot exceed problems found."),
        )]
