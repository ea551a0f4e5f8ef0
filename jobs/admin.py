"""Background jobs for district staff: each job's state, attempts and last error, and a retry (jobs.services)."""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scopes import is_district
from core.admin_actions import BulkActionMixin

from .models import JobRun, Outbox
from .services import job_run_again, outbox_retry


class _ReadOnly(admin.ModelAdmin):
    """Rows the machinery writes: district staff look (the model permissions of accounts.backends) and act only
    through the list's actions."""

    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return is_district(request.user)


@admin.register(JobRun)
class JobRunAdmin(BulkActionMixin, _ReadOnly):
    list_display = ["job", "period", "done", "started_at", "finished_at"]
    list_filter = ["done", "job"]
    search_fields = ["job", "period"]
    readonly_fields = ["job", "period", "done", "result", "started_at", "finished_at"]
    actions = ["run_again"]

    @admin.action(description=gettext_lazy("Run again (jobs that are not done)"), permissions=["retry"])
    def run_again(self, request, queryset):
        self.run_bulk(request, queryset, lambda run: job_run_again(actor=request.user, run=run),
                      _("%(count)s job(s) queued again."))


@admin.register(Outbox)
class OutboxAdmin(BulkActionMixin, _ReadOnly):
    list_display = ["label", "state", "attempts", "sends", "created_at", "sent_at", "heartbeat_at", "finished_at",
                    "short_error"]
    list_filter = ["state", "task"]
    search_fields = ["label", "task"]
    readonly_fields = ["task", "args", "label", "state", "created_at", "sent_at", "sends", "attempts", "task_id",
                       "started_at", "heartbeat_at", "finished_at", "result", "last_error"]
    actions = ["retry"]

    @admin.display(description=gettext_lazy("last error"))
    def short_error(self, obj):
        return obj.last_error[:120]

    @admin.action(description=gettext_lazy("Retry (failed or waiting jobs)"), permissions=["retry"])
    def retry(self, request, queryset):
        self.run_bulk(request, queryset, lambda entry: outbox_retry(actor=request.user, entry=entry),
                      _("%(count)s job(s) handed to the queue again."))


# Beat's schedules in the portal's words, with the ledger's last run (django-celery-beat's admin, re-registered).
from . import beat_admin  # noqa: E402,F401
