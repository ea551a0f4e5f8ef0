"""The party member's record (党员), who saw it in full, and their political-birthday greetings."""

import datetime

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords

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
            # The lists' ordering, whole: a page (by number or by cursor) is a range of this index, not a sort.
            models.Index(fields=["org", "name", "id"], name="member_org_name_id"),
            models.Index(fields=["name"], name="member_name"),
            models.Index(fields=["status", "category"], name="member_status_category"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=MemberStatus.PROBATIONARY, full_member_on__isnull=True)
                | Q(status=MemberStatus.FULL, full_member_on__isnull=False),
                name="member_full_date_iff_full",
                violation_error_message=_("A full member has the date they were made full member; a probationary member"
                                          " has none yet."),
            ),
            models.CheckConstraint(
                condition=Q(full_member_on__isnull=True) | Q(full_member_on__gt=F("joined_on")),
                name="member_full_after_joined",
                violation_error_message=_("The date made full member must come after the date joined."),
            ),
            models.CheckConstraint(condition=Q(joined_on__gt=F("birth_date")), name="member_joined_after_birth",
                violation_error_message=_("The date joined must come after the date of birth."),
            ),
            models.CheckConstraint(
                condition=Q(id_number__regex=r"^[0-9]{17}[0-9X]$"), name="member_id_number_format",
                violation_error_message=_("An ID-card number has 17 digits followed by a digit or X."),
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
    """A record that someone saw a member's (or a development candidate's) full ID-card number and phone (admin
    change page, API detail or export)."""

    class Channel(models.TextChoices):
        ADMIN = "admin", _("Admin")
        API = "api", _("API")
        EXPORT = "export", _("Export")

    user = models.ForeignKey(
        "auth.User", verbose_name=_("user"), on_delete=models.PROTECT, related_name="personal_data_reveals"
    )
    member = models.ForeignKey(Member, verbose_name=_("party member"), on_delete=models.CASCADE, related_name="reveals",
                               null=True, blank=True)
    candidate = models.ForeignKey("members.Candidate", verbose_name=_("development candidate"),
                                  on_delete=models.CASCADE, related_name="reveals", null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    at = models.DateTimeField(_("seen at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, candidate__isnull=True)
                | Q(member__isnull=True, candidate__isnull=False),
                name="reveal_member_or_candidate",
                violation_error_message=_("A record of who saw personal data is about one party member or one "
                                          "candidate."),
            ),
        ]


class RegistrationConflict(models.Model):
    """Someone tried to register an ID-card number already registered in a part of the district they may not
    change. They were told only that the number cannot be registered there; the district sees who tried, where
    and which record holds the number."""

    class Channel(models.TextChoices):
        MEMBER = "member", _("Party member record")
        CANDIDATE = "candidate", _("Development candidate")
        IMPORT = "import", _("Spreadsheet import")

    user = models.ForeignKey("auth.User", verbose_name=_("user"), on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    id_number = models.CharField(_("ID-card number"), max_length=18)
    org = models.ForeignKey("grids.OrgNode", verbose_name=_("organization registered in"), on_delete=models.SET_NULL,
                            null=True, blank=True, related_name="+")
    member = models.ForeignKey(Member, verbose_name=_("party member holding the number"), on_delete=models.SET_NULL,
                               null=True, blank=True, related_name="+")
    candidate = models.ForeignKey("members.Candidate", verbose_name=_("candidate holding the number"),
                                  on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("tried at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("refused registration")
        verbose_name_plural = _("refused registrations")
        ordering = ["-at"]


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
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="greeting_once_a_year",
            violation_error_message=_("This member has already been greeted on their political birthday this year."),
        )]

    def __str__(self):
        return f"{self.member} {self.year}"
