"""Members on their phone: the user account linked to a member record."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from members.records.models import Member


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
                                   name="memberaccount_staff_link_has_staff",
                violation_error_message=_("An account linked by staff names who linked it."),
            ),
        ]

    def __str__(self):
        return f"{self.member} · {self.user}"


class CandidateAccount(models.Model):
    """A user account linked to a development candidate's record (an applicant, activist or development target),
    so that they follow their own development steps and deadlines on the phone."""

    user = models.OneToOneField("auth.User", verbose_name=_("user account"), on_delete=models.CASCADE,
                                related_name="candidate_account")
    candidate = models.OneToOneField("members.Candidate", verbose_name=_("development candidate"),
                                     on_delete=models.CASCADE, related_name="account")
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("candidate account link")
        verbose_name_plural = _("candidate account links")
        ordering = ["-linked_at"]

    def __str__(self):
        return f"{self.candidate} · {self.user}"
