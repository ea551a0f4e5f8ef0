"""Dues 党费: each member's monthly dues and the communities' monthly reviews of them."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from members.records.models import Member


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
        # The API list's ordering (-month, member, id): a page is a range of it, not a sort of every payment.
        indexes = [models.Index(fields=["-month", "member", "id"], name="dues_list_order")]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_once_a_month",
                violation_error_message=_("This member's dues for this month are already recorded."),
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="dues_month_first_day",
                violation_error_message=_("A dues month is recorded as its first day."),
            ),
            models.CheckConstraint(condition=Q(amount_due__gt=0, amount_paid__gte=0, income_base__gte=0),
                                   name="dues_amounts_positive",
                violation_error_message=_("The amount due must be above 0; the amount paid and the income base cannot "
                                          "be below 0."),
            ),
            models.CheckConstraint(condition=Q(amount_paid=0) | Q(paid_on__isnull=False), name="dues_paid_has_date",
                violation_error_message=_("Dues paid need the date they were paid."),
            ),
        ]

    @property
    def arrears(self):
        return max(self.amount_due - self.amount_paid, 0)


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
            models.UniqueConstraint(fields=["org", "month", "level"], name="dues_review_once",
                violation_error_message=_("This month's dues of this organization are already reviewed at this level."),
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="dues_review_month_first_day",
                violation_error_message=_("A dues month is recorded as its first day."),
            ),
        ]
