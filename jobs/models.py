from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """The job ledger: one row per job and period (`2026-11`, `2026Q3`, `2026-11-25`). A done row is never redone."""

    job = models.CharField(_("job"), max_length=100)
    period = models.CharField(_("period"), max_length=20)
    result = models.JSONField(_("result"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="jobrun_once_per_period")]

    def __str__(self):
        return f"{self.job} {self.period}"
