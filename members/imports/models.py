"""Background imports of the sheets a secretary keeps (members, points, dues, attendance)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


class ImportMode(models.TextChoices):
    ADD = "add", _("Add new members only")
    UPDATE = "update", _("Update members already registered")


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
    mode = models.CharField(_("import mode"), max_length=10, choices=ImportMode.choices, default=ImportMode.ADD)
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
        constraints = [models.CheckConstraint(condition=Q(processed__lte=F("total")), name="import_progress_bounded",
            violation_error_message=_("An import cannot have checked more rows than the file has."),
        ),
                       models.CheckConstraint(condition=Q(kind__in=ImportKind.values), name="import_kind_known",
                           violation_error_message=_("Choose what to import."),
                       )]
