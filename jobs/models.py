from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """The job ledger: one row per job and period (`2026-11`, `2026Q3`, `2026-11-25`). A done row is never redone;
    a row that is not done (the job found data it needs missing, e.g. a quarter's plan) runs again."""

    job = models.CharField(_("job"), max_length=100)
    period = models.CharField(_("period"), max_length=20)
    result = models.JSONField(_("result"), default=dict, blank=True)
    done = models.BooleanField(_("done"), default=True,
                               help_text=_("Not done: the job waits for data it needs and runs again."))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="jobrun_once_per_period",
            violation_error_message=_("This job has already run for this period."),
        )]

    def __str__(self):
        return f"{self.job} {self.period}"


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Waiting to be handed to the queue")
    SENT = "sent", _("Queued")
    RUNNING = "running", _("Running")
    WAITING = "waiting", _("Waiting for missing data")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Outbox(models.Model):
    """One piece of background work handed to Celery, written in the same transaction as the change that wants it
    (jobs.outbox): the task's name and arguments, where it stands, and the lease of the worker running it."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    label = models.CharField(_("work"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("handed to the queue at"), null=True, blank=True)
    sends = models.PositiveIntegerField(_("times handed to the queue"), default=0)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    task_id = models.CharField(_("Celery task id"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"], name="outbox_state_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(state__in=OutboxState.values),
                                              name="outbox_state_known",
            violation_error_message=_("Unknown state of a background task."),
        )]

    def __str__(self):
        return self.label or self.task
