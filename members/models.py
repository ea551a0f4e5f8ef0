import datetime

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from .masking import mask_id_number, mask_phone


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Education(models.TextChoices):
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior middle school")
    SENIOR = "senior", _("Senior middle school or technical school")
    COLLEGE = "college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree")
    DOCTOR = "doctor", _("Doctorate")


class MemberStatus(models.TextChoices):
    PROBATIONARY = "probationary", _("Probationary member")
    FULL = "full", _("Full member")


class MemberCategory(models.TextChoices):
    DIRECT = "direct", _("Directly managed")
    IN_SERVICE = "in_service", _("In-service, registered in the community")
    MOBILE = "mobile", _("Mobile")


class Member(models.Model):
    """A party member (党员) and the organization of the grid they belong to."""

    name = models.CharField(_("full name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    birth_date = models.DateField(_("date of birth"))
    id_number = models.CharField(_("ID-card number"), max_length=18, unique=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    joined_on = models.DateField(_("date joined the Party"))
    full_member_on = models.DateField(_("date made full member"), null=True, blank=True)
    status = models.CharField(_("member status"), max_length=20, choices=MemberStatus.choices)
    category = models.CharField(_("member category"), max_length=20, choices=MemberCategory.choices)
    org = models.ForeignKey(
        "grids.OrgNode", verbose_name=_("party organization"), on_delete=models.PROTECT, related_name="members"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["org_id", "name", "pk"]
        indexes = [
            models.Index(fields=["org", "name"], name="member_org_name"),
            models.Index(fields=["name"], name="member_name"),
            models.Index(fields=["status", "category"], name="member_status_category"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=MemberStatus.PROBATIONARY, full_member_on__isnull=True)
                | Q(status=MemberStatus.FULL, full_member_on__isnull=False),
                name="member_full_date_iff_full",
            ),
            models.CheckConstraint(
                condition=Q(full_member_on__isnull=True) | Q(full_member_on__gt=F("joined_on")),
                name="member_full_after_joined",
            ),
            models.CheckConstraint(condition=Q(joined_on__gt=F("birth_date")), name="member_joined_after_birth"),
            models.CheckConstraint(
                condition=Q(id_number__regex=r"^[0-9]{17}[0-9X]$"), name="member_id_number_format"
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

    def political_birthday(self, year=None):
        """The anniversary of joining the Party (政治生日) in `year` (this year by default); 29 Feb → 28 Feb."""
        year = year or timezone.localdate().year
        try:
            return self.joined_on.replace(year=year)
        except ValueError:
            return datetime.date(year, 2, 28)

    @property
    def party_years(self):
        today = timezone.localdate()
        years = today.year - self.joined_on.year
        return years - (1 if (today.month, today.day) < (self.joined_on.month, self.joined_on.day) else 0)


class PersonalDataReveal(models.Model):
    """A record that someone saw a member's full ID-card number and phone (admin change page or API detail)."""

    class Channel(models.TextChoices):
        ADMIN = "admin", _("Admin")
        API = "api", _("API")
        EXPORT = "export", _("Export")

    user = models.ForeignKey(
        "auth.User", verbose_name=_("user"), on_delete=models.PROTECT, related_name="personal_data_reveals"
    )
    member = models.ForeignKey(Member, verbose_name=_("party member"), on_delete=models.CASCADE, related_name="reveals")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    at = models.DateTimeField(_("seen at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at"]


# ---------------------------------------------------------------------------------------------------------------
# Member development 发展党员: 25 steps in five stages, each stage taking effect after two-level filing.
# ---------------------------------------------------------------------------------------------------------------


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
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=25), name="devstep_number_range"),
            models.CheckConstraint(
                condition=Q(after_step__isnull=True) | Q(after_step__lt=F("number")), name="devstep_after_earlier"
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
        constraints = [
            models.CheckConstraint(condition=Q(stage__gte=1, stage__lte=5), name="candidate_stage_range"),
            models.CheckConstraint(
                condition=Q(member__isnull=True) | Q(stage__gte=DevelopmentStage.PROBATIONARY),
                name="candidate_member_from_probation",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)


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
        constraints = [models.UniqueConstraint(fields=["candidate", "step"], name="steprecord_once")]

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
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "stage"], condition=~Q(status="returned"), name="stagefiling_one_open"
            ),
            models.CheckConstraint(
                condition=Q(status="proposed", street_by__isnull=True, street_on__isnull=True)
                | (~Q(status="proposed") & Q(street_by__isnull=False, street_on__isnull=False)),
                name="stagefiling_street_iff_decided",
            ),
            models.CheckConstraint(condition=Q(stage__gte=2, stage__lte=5), name="stagefiling_stage_range"),
        ]

    def __str__(self):
        return f"{self.candidate} · {self.get_stage_display()}"


# ---------------------------------------------------------------------------------------------------------------
# Points 积分
# ---------------------------------------------------------------------------------------------------------------


class PointCategory(models.TextChoices):
    ORG_LIFE = "org_life", _("Organizational life")
    ROLE = "role", _("Playing a role")
    VOLUNTEER = "volunteer", _("Volunteering")
    STUDY = "study", _("Study")
    OTHER = "other", _("Other")


class PointEntry(models.Model):
    """Points earned (or lost, negative) by a member, with why and who recorded them."""

    member = models.ForeignKey(Member, verbose_name=_("party member"), on_delete=models.CASCADE,
                               related_name="point_entries")
    on = models.DateField(_("date"))
    category = models.CharField(_("points category"), max_length=20, choices=PointCategory.choices)
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=1)
    reason = models.CharField(_("reason"), max_length=200)
    recorded_by = models.ForeignKey("auth.User", verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    meeting = models.ForeignKey("Meeting", verbose_name=_("from the meeting"), on_delete=models.CASCADE,
                                null=True, blank=True, related_name="point_entries")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-on", "-pk"]
        indexes = [models.Index(fields=["member", "on"], name="points_member_on")]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0) & Q(points__gte=-100, points__lte=100),
                                   name="points_nonzero_bounded"),
            models.CheckConstraint(condition=~Q(reason=""), name="points_reason_given"),
            # Attendance is counted from the meeting record, once: never typed twice.
            models.UniqueConstraint(fields=["member", "meeting"], name="points_once_per_meeting"),
        ]

    def __str__(self):
        return f"{self.member} {self.points:+}"


# ---------------------------------------------------------------------------------------------------------------
# Political birthdays 政治生日
# ---------------------------------------------------------------------------------------------------------------


class BirthdayGreeting(models.Model):
    """A member's political-birthday greeting, once per member and year, whatever runs the job."""

    member = models.ForeignKey(Member, verbose_name=_("party member"), on_delete=models.CASCADE,
                               related_name="birthday_greetings")
    year = models.PositiveSmallIntegerField(_("year"))
    on = models.DateField(_("date"))
    party_years = models.PositiveSmallIntegerField(_("years in the Party"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("political birthday greeting")
        verbose_name_plural = _("political birthday greetings")
        ordering = ["-on", "member_id"]
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="greeting_once_a_year")]

    def __str__(self):
        return f"{self.member} {self.year}"


# ---------------------------------------------------------------------------------------------------------------
# Transfers 组织关系转接
# ---------------------------------------------------------------------------------------------------------------


class TransferStatus(models.TextChoices):
    SENT = "sent", _("Sent, awaiting the receiving branch")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Sent back")
    LETTER = "letter", _("Introduction letter issued (out of the district)")
    COMPLETED = "completed", _("Receipt returned: left the district")


class Transfer(models.Model):
    """A member's move to another branch in the district (accepted or sent back by the receiving branch), or
    out of the district with an introduction letter (介绍信). The member's record, history and points move
    with them: the member row is the same, only its organization changes."""

    member = models.ForeignKey(Member, verbose_name=_("party member"), on_delete=models.CASCADE,
                               related_name="transfers")
    from_org = models.ForeignKey("grids.OrgNode", verbose_name=_("from branch"), on_delete=models.PROTECT,
                                 related_name="transfers_out")
    to_org = models.ForeignKey("grids.OrgNode", verbose_name=_("to branch"), on_delete=models.PROTECT,
                               related_name="transfers_in", null=True, blank=True)
    destination = models.CharField(_("receiving organization outside the district"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=TransferStatus.choices)
    letter_number = models.CharField(_("letter number"), max_length=30, blank=True)
    sent_by = models.ForeignKey("auth.User", verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+")
    sent_on = models.DateField(_("sent on"))
    decided_by = models.ForeignKey("auth.User", verbose_name=_("decided by"), on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-sent_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(to_org__isnull=False, destination="") & Q(status__in=["sent", "accepted", "returned"]))
                | (Q(to_org__isnull=True) & ~Q(destination="") & Q(status__in=["letter", "completed"])),
                name="transfer_inside_or_out",
            ),
            models.CheckConstraint(condition=~Q(to_org=F("from_org")), name="transfer_to_another_branch"),
            models.UniqueConstraint(fields=["member"], condition=Q(status__in=["sent", "letter"]),
                                    name="transfer_one_open_per_member"),
        ]

    def __str__(self):
        return f"{self.member} → {self.to_org or self.destination}"


# ---------------------------------------------------------------------------------------------------------------
# Organizational life 三会一课
# ---------------------------------------------------------------------------------------------------------------


class MeetingKind(models.TextChoices):
    MEMBERS = "members", _("Branch members' meeting")
    COMMITTEE = "committee", _("Branch committee meeting")
    GROUP = "group", _("Party group meeting")
    LECTURE = "lecture", _("Party lecture")
    THEME_DAY = "theme_day", _("Theme party day")


class Meeting(models.Model):
    """A branch meeting with its attendance and minutes, reviewed by the level above."""

    org = models.ForeignKey("grids.OrgNode", verbose_name=_("party branch"), on_delete=models.PROTECT,
                            related_name="meetings")
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    held_on = models.DateField(_("held on"))
    topic = models.CharField(_("topic"), max_length=200)
    minutes = models.TextField(_("minutes"))
    recorded_by = models.ForeignKey("auth.User", verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_by = models.ForeignKey("auth.User", verbose_name=_("reviewed by"), on_delete=models.PROTECT,
                                    related_name="+", null=True, blank=True)
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True)
    review_opinion = models.TextField(_("review opinion"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("branch meeting")
        verbose_name_plural = _("branch meetings")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["org", "held_on"], name="meeting_org_held")]
        constraints = [
            models.CheckConstraint(condition=Q(reviewed_by__isnull=True, reviewed_on__isnull=True)
                                   | Q(reviewed_by__isnull=False, reviewed_on__isnull=False),
                                   name="meeting_review_complete"),
            models.CheckConstraint(condition=~Q(minutes=""), name="meeting_has_minutes"),
        ]

    def __str__(self):
        return f"{self.held_on} {self.get_kind_display()} {self.topic}"


class Attendance(models.Model):
    """An expected member of a meeting: present, or absent with the reason."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="attendance")
    member = models.ForeignKey(Member, verbose_name=_("party member"), on_delete=models.CASCADE,
                               related_name="attendance")
    present = models.BooleanField(_("present"))
    absence_reason = models.CharField(_("reason for absence"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once")]


# ---------------------------------------------------------------------------------------------------------------
# Dues 党费
# ---------------------------------------------------------------------------------------------------------------


class DuesKind(models.TextChoices):
    EMPLOYED = "employed", _("Salaried (monthly income after tax)")
    RETIRED = "retired", _("Retired (monthly pension)")
    LOW = "low", _("Student, unemployed or on subsistence allowance")


class DuesPayment(models.Model):
    """One member's dues for one month: the amount due by the brackets, what was paid, by whom."""

    member = models.ForeignKey(Member, verbose_name=_("party member"), on_delete=models.CASCADE,
                               related_name="dues_payments")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    kind = models.CharField(_("kind of income"), max_length=10, choices=DuesKind.choices)
    income_base = models.DecimalField(_("income base"), max_digits=9, decimal_places=2)
    amount_due = models.DecimalField(_("amount due"), max_digits=8, decimal_places=2)
    amount_paid = models.DecimalField(_("amount paid"), max_digits=8, decimal_places=2, default=0)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_by = models.CharField(_("paid by someone else"), max_length=50, blank=True)
    recorded_by = models.ForeignKey("auth.User", verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                    related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")
        ordering = ["-month", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_once_a_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="dues_month_first_day"),
            models.CheckConstraint(condition=Q(amount_due__gt=0, amount_paid__gte=0, income_base__gte=0),
                                   name="dues_amounts_positive"),
            models.CheckConstraint(condition=Q(amount_paid=0) | Q(paid_on__isnull=False), name="dues_paid_has_date"),
        ]

    @property
    def arrears(self):
        return max(self.amount_due - self.amount_paid, 0)


# ---------------------------------------------------------------------------------------------------------------
# Training 党校培训
# ---------------------------------------------------------------------------------------------------------------


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
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="training_dates_in_order"),
            models.CheckConstraint(condition=Q(planned_hours__gt=0), name="training_hours_positive"),
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
            models.UniqueConstraint(fields=["training_class", "member"], name="enrolment_once"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="enrolment_hours_nonnegative"),
            models.CheckConstraint(condition=Q(quiz_score__isnull=True) | Q(quiz_score__gte=0, quiz_score__lte=100),
                                   name="enrolment_score_range"),
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
            models.UniqueConstraint(fields=["enrolment", "on"], name="signin_once_a_day"),
            models.CheckConstraint(condition=Q(hours__gt=0, hours__lte=12), name="signin_hours_range"),
        ]


# ---------------------------------------------------------------------------------------------------------------
# The branch's duty checklist 支部必做工作清单 and its quarterly compliance snapshot
# ---------------------------------------------------------------------------------------------------------------


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    YEARLY = "yearly", _("Yearly")


class DutyItem(models.Model):
    """An item of the checklist (seeded by a migration). With `meeting_kind`, a meeting of that kind recorded in
    the period ticks it off by itself."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency.choices)
    meeting_kind = models.CharField(_("done by a meeting of kind"), max_length=20, choices=MeetingKind.choices,
                                    blank=True)

    class Meta:
        verbose_name = _("duty checklist item")
        verbose_name_plural = _("duty checklist items")
        ordering = ["number"]

    def __str__(self):
        return self.name


class DutyDone(models.Model):
    """A checklist item done by a branch for one period ("2026-W14", "2026-04", "2026Q2", "2026H1", "2026")."""

    org = models.ForeignKey("grids.OrgNode", verbose_name=_("party branch"), on_delete=models.CASCADE,
                            related_name="duties_done")
    item = models.ForeignKey(DutyItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="done")
    period = models.CharField(_("period"), max_length=10)
    done_on = models.DateField(_("done on"))
    on_time = models.BooleanField(_("on time"))
    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="duties_done")
    recorded_by = models.ForeignKey("auth.User", verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = _("duty done")
        verbose_name_plural = _("duties done")
        ordering = ["-done_on"]
        constraints = [models.UniqueConstraint(fields=["org", "item", "period"], name="duty_once_per_period")]


class ComplianceSnapshot(models.Model):
    """A branch's checklist compliance for a quarter, kept as computed then."""

    org = models.ForeignKey("grids.OrgNode", verbose_name=_("party branch"), on_delete=models.CASCADE,
                            related_name="compliance_snapshots")
    quarter = models.CharField(_("quarter"), max_length=6)
    due = models.PositiveSmallIntegerField(_("items due"))
    done = models.PositiveSmallIntegerField(_("items done"))
    on_time = models.PositiveSmallIntegerField(_("done on time"))
    taken_at = models.DateTimeField(_("taken at"), auto_now_add=True)

    class Meta:
        verbose_name = _("compliance snapshot")
        verbose_name_plural = _("compliance snapshots")
        ordering = ["-quarter", "org_id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "quarter"], name="compliance_once_per_quarter"),
            models.CheckConstraint(condition=Q(on_time__lte=F("done"), done__lte=F("due")),
                                   name="compliance_counts_consistent"),
        ]

    @property
    def rate(self):
        return round(100 * self.on_time / self.due, 1) if self.due else 100.0


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportKind(models.TextChoices):
    MEMBERS = "members", pgettext_lazy("what is imported", "Party members")
    POINTS = "points", _("Points")
    DUES = "dues", _("Dues")
    ATTENDANCE = "attendance", _("Meeting attendance")


class MemberImport(models.Model):
    """A large sheet (members, points, dues or attendance) imported in the background, with its progress and
    outcome."""

    created_by = models.ForeignKey("auth.User", verbose_name=_("imported by"), on_delete=models.CASCADE,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    kind = models.CharField(_("what is imported"), max_length=12, choices=ImportKind.choices,
                            default=ImportKind.MEMBERS)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=200)
    valid_only = models.BooleanField(_("import the valid rows only"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows checked"), default=0)
    created = models.PositiveIntegerField(_("records created"), default=0)
    updated = models.PositiveIntegerField(_("records updated"), default=0)
    written = models.BooleanField(_("written"), default=False)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(processed__lte=F("total")), name="import_progress_bounded"),
                       models.CheckConstraint(condition=Q(kind__in=ImportKind.values), name="import_kind_known")]


class DuesReview(models.Model):
    """A month's dues of a community reviewed: first by the community, then by the street."""

    class Level(models.TextChoices):
        COMMUNITY = "community", _("Community")
        STREET = "street", _("Street")

    org = models.ForeignKey("grids.OrgNode", verbose_name=_("community or village"), on_delete=models.CASCADE,
                            related_name="dues_reviews")
    month = models.DateField(_("month"))
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    members = models.PositiveIntegerField(_("members"))
    due = models.DecimalField(_("amount due"), max_digits=12, decimal_places=2)
    paid = models.DecimalField(_("amount paid"), max_digits=12, decimal_places=2)
    reviewed_by = models.ForeignKey("auth.User", verbose_name=_("reviewed by"), on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), auto_now_add=True)
    opinion = models.CharField(_("opinion"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("dues review")
        verbose_name_plural = _("dues reviews")
        ordering = ["-month", "org_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["org", "month", "level"], name="dues_review_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="dues_review_month_first_day"),
        ]


# ---------------------------------------------------------------------------------------------------------------
# Members on their phone: a user account linked to a member record, and online quizzes of party-school classes
# ---------------------------------------------------------------------------------------------------------------


class MemberAccount(models.Model):
    """A user account linked to a party member record, so that the member sees their own points, ranking,
    classes and quizzes on the phone pages. One account per member and one member per account."""

    class Method(models.TextChoices):
        SELF = "self", _("By the member (name, ID-card number and phone checked)")
        STAFF = "staff", _("By staff in the admin")

    user = models.OneToOneField("auth.User", verbose_name=_("user account"), on_delete=models.CASCADE,
                                related_name="member_account")
    member = models.OneToOneField(Member, verbose_name=_("party member"), on_delete=models.CASCADE,
                                  related_name="account")
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    method = models.CharField(_("linked how"), max_length=10, choices=Method.choices)
    linked_by = models.ForeignKey("auth.User", verbose_name=_("linked by"), on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("member account link")
        verbose_name_plural = _("member account links")
        ordering = ["-linked_at"]
        constraints = [
            models.CheckConstraint(condition=Q(method="self") | Q(linked_by__isnull=False),
                                   name="memberaccount_staff_link_has_staff"),
        ]

    def __str__(self):
        return f"{self.member} · {self.user}"


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
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="quiz_window_in_order"),
            models.CheckConstraint(condition=Q(attempts_allowed__gte=1, attempts_allowed__lte=QUIZ_MAX_ATTEMPTS),
                                   name="quiz_attempts_range"),
            models.CheckConstraint(condition=Q(pass_mark__gte=0, pass_mark__lte=100), name="quiz_pass_mark_range"),
            models.CheckConstraint(condition=~Q(title=""), name="quiz_has_title"),
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
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="question_has_text")]

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
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="choice_has_text")]

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
        constraints = [
            models.UniqueConstraint(fields=["quiz", "enrolment", "number"], name="quizattempt_once_per_number"),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=QUIZ_MAX_ATTEMPTS),
                                   name="quizattempt_number_range"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="quizattempt_score_range"),
        ]
