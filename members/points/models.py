"""Points 积分: what a member earns (or loses) and why."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from members.records.models import Member


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
        indexes = [models.Index(fields=["member", "on"], name="points_member_on"),
                   # The list's ordering (-on, -id), read backwards: a page is a range of it, not a sort.
                   models.Index(fields=["on", "id"], name="points_list_order")]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0) & Q(points__gte=-100, points__lte=100),
                                   name="points_nonzero_bounded",
                violation_error_message=_("Points are between -100 and 100 and not 0."),
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="points_reason_given",
                violation_error_message=_("Give the reason for the points."),
            ),
            # Attendance is counted from the meeting record, once: never typed twice.
            models.UniqueConstraint(fields=["member", "meeting"], name="points_once_per_meeting",
                violation_error_message=_("This member already has points for this meeting."),
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.points:+}"
