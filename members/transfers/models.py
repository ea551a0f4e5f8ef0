"""Transfers 组织关系转接: a member moving to another branch, or out of the district with a letter."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from members.records.models import Member


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
        # The lists' ordering (-sent_on, -id), read backwards: a page is a range of it.
        indexes = [models.Index(fields=["sent_on", "id"], name="transfer_list_order")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(to_org__isnull=False, destination="") & Q(status__in=["sent", "accepted", "returned"]))
                | (Q(to_org__isnull=True) & ~Q(destination="") & Q(status__in=["letter", "completed"])),
                name="transfer_inside_or_out",
                violation_error_message=_("A transfer goes either to a branch in the district or to a destination "
                                          "outside it, not both."),
            ),
            models.CheckConstraint(condition=~Q(to_org=F("from_org")), name="transfer_to_another_branch",
                violation_error_message=_("A transfer goes to another branch than the member's own."),
            ),
            models.UniqueConstraint(fields=["member"], condition=Q(status__in=["sent", "letter"]),
                                    name="transfer_one_open_per_member",
                violation_error_message=_("This member already has a transfer under way."),
            ),
        ]

    def __str__(self):
        return f"{self.member} → {self.to_org or self.destination}"
