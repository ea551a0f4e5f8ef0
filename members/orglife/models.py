"""Organizational life 三会一课 (meetings and their attendance) and the branch's duty checklist 支部必做工作清单
with its quarterly compliance snapshot."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from members.records.models import Member


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
        # meeting_list_order: the lists' ordering (-held_on, -id), read backwards: a page is a range of it.
        indexes = [models.Index(fields=["org", "held_on"], name="meeting_org_held"),
                   models.Index(fields=["held_on", "id"], name="meeting_list_order")]
        constraints = [
            models.CheckConstraint(condition=Q(reviewed_by__isnull=True, reviewed_on__isnull=True)
                                   | Q(reviewed_by__isnull=False, reviewed_on__isnull=False),
                                   name="meeting_review_complete",
                                   violation_error_message=_("A review names who reviewed the meeting and when.")),
            models.CheckConstraint(condition=~Q(minutes=""), name="meeting_has_minutes",
                                   violation_error_message=_("Write the minutes of the meeting.")),
            models.CheckConstraint(condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("recorded_by")),
                                   name="meeting_reviewer_not_recorder",
                                   violation_error_message=_("The person who recorded a meeting cannot review it.")),
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
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once",
            violation_error_message=_("This member's attendance of this meeting is already recorded."),
        )]

    def __str__(self):
        return self.member.name


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
        constraints = [models.UniqueConstraint(fields=["org", "item", "period"], name="duty_once_per_period",
            violation_error_message=_("This duty is already marked done for this period."),
        )]


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
            models.UniqueConstraint(fields=["org", "quarter"], name="compliance_once_per_quarter",
                violation_error_message=_("This organization's compliance for this quarter is already recorded."),
            ),
            models.CheckConstraint(condition=Q(on_time__lte=F("done"), done__lte=F("due")),
                                   name="compliance_counts_consistent",
                violation_error_message=_("Duties done cannot exceed duties due, nor duties done on time those done."),
            ),
        ]

    @property
    def rate(self):
        return round(100 * self.on_time / self.due, 1) if self.due else 100.0
