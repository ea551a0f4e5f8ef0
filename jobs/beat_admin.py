"""The admin of beat's schedules (django-celery-beat's 周期任务) in the portal's words.

The library's own admin shows task names as Celery knows them, columns and sections in English (SCHEDULER,
HUMAN READABLE, Schedule, Arguments) and, after "run selected tasks", nothing of the run. Here each row names its job
by the registry's title (translated), the columns and sections read in Chinese, a column shows the job's last run
from the ledger (jobs.models.JobRun, one subquery with the list, no query per row), and "run now" hands each job to
the one job path, jobs.queue.enqueue, so that the ledger records the run like any other (jobs.services).
"""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.utils.html import format_html
from django.db import transaction
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_celery_beat.admin import CrontabScheduleAdmin, PeriodicTaskAdmin, PeriodicTaskForm
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from core.errors import PermissionDenied, ValidationError, error_messages

from .models import JobRun
from .registry import UnknownJob, get
from .schedules import RELAY, RELAY_NAME, RUN_JOB
from .services import schedule_run_now


#: Django's own msgid (its catalog translates it), the label of a row's checkbox.
DJANGO_SELECT_LABEL = "Select this object for an action - {}"


def job_name(task):
    """The registry name of the job a PeriodicTask runs ("" when it runs something else)."""
    if task.task != RUN_JOB:
        return ""
    try:
        args = json.loads(task.args or "[]")
    except ValueError:
        return ""
    return args[0] if args and isinstance(args[0], str) else ""


def task_label(task):
    """What staff read for a PeriodicTask: its job's title from the registry, in their language."""
    name = job_name(task)
    if name:
        try:
            return _(get(name).title)
        except UnknownJob:
            return task.name
    if task.task == RELAY:
        return _(RELAY_NAME)
    return task.name


def cron_in_words(crontab):
    """A crontab in the reader's language (cron_descriptor's Chinese for Chinese readers), 24-hour times."""
    from cron_descriptor import ExpressionDescriptor, Options

    options = Options()
    options.use_24hour_time_format = True
    options.locale_code = "zh_CN" if get_language().startswith("zh") else "en_US"
    expression = " ".join(str(getattr(crontab, f)) for f in ("minute", "hour", "day_of_month", "month_of_year",
                                                             "day_of_week"))
    try:
        return ExpressionDescriptor(expression, options).get_description()
    except Exception:  # noqa: BLE001 — an odd expression still shows, as it is
        return expression


class PortalPeriodicTaskForm(PeriodicTaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {
            "name": _("Schedule name"), "task": _("Celery task name"), "regtask": _("Celery task (from the list)"),
            "args": _("Positional arguments (JSON)"), "kwargs": _("Keyword arguments (JSON)"),
        }
        for field, label in labels.items():
            if field in self.fields:
                self.fields[field].label = label


class PortalPeriodicTaskAdmin(PeriodicTaskAdmin):
    form = PortalPeriodicTaskForm
    list_display = ("job_label", "enabled", "schedule_text", "last_ledger_run", "one_off")
    list_display_links = ("job_label",)
    list_filter = ["enabled", "one_off"]
    actions = ("enable_tasks", "disable_tasks", "run_now")
    fieldsets = (
        (None, {"fields": ("name", "regtask", "task", "enabled", "description"), "classes": ("wide",)}),
        (gettext_lazy("When it runs"), {
            "fields": ("interval", "crontab", "crontab_translation", "solar", "clocked", "start_time", "last_run_at",
                       "one_off"),
            "classes": ("wide",),
        }),
        (gettext_lazy("Arguments (for developers)"), {"fields": ("args", "kwargs"), "classes": ("wide", "collapse")}),
        (gettext_lazy("Execution options (for developers)"), {
            "fields": ("expires", "expire_seconds", "queue", "exchange", "routing_key", "priority", "headers"),
            "classes": ("wide", "collapse"),
        }),
    )

    def get_queryset(self, request):
        # The latest ledger row of the job each task runs: the task's args are exactly '["<job>"]' (schedules.job_args).
        latest = JobRun.objects.annotate(
            as_args=Concat(Value('["'), "job", Value('"]'), output_field=CharField())
        ).filter(as_args=OuterRef("args")).order_by("-started_at")
        return super().get_queryset(request).annotate(
            ledger_started=Subquery(latest.values("started_at")[:1]),
            ledger_finished=Subquery(latest.values("finished_at")[:1]),
            ledger_period=Subquery(latest.values("period")[:1]),
            ledger_done=Subquery(latest.values("done")[:1]),
        )

    @admin.display(description=gettext_lazy("Job"), ordering="name")
    def job_label(self, obj):
        return task_label(obj)

    @admin.display(description=gettext_lazy("When it runs"))
    def schedule_text(self, obj):
        if obj.crontab_id:
            return cron_in_words(obj.crontab)
        if obj.interval_id:
            return str(obj.interval)
        return str(obj.clocked or obj.solar or "—")

    @admin.display(description=gettext_lazy("Last run"), ordering="ledger_started")
    def last_ledger_run(self, obj):
        started = getattr(obj, "ledger_started", None)
        if started is None:
            if obj.last_run_at:  # not a ledger job (the relay): what beat noted
                return timezone.localtime(obj.last_run_at).strftime("%Y-%m-%d %H:%M")
            return "—"
        when = timezone.localtime(obj.ledger_finished or started).strftime("%Y-%m-%d %H:%M")
        state = _("done") if obj.ledger_done else _("waiting for data")
        return f"{when} · {obj.ledger_period} · {state}"

    @admin.display(description=gettext_lazy("Cron schedule in words"))
    def crontab_translation(self, obj):
        return cron_in_words(obj.crontab) if obj.crontab_id else "—"

    def action_checkbox(self, obj):
        # The checkbox's label names the job as the row does (the library's says the English name and crontab).
        box = forms.CheckboxInput({"class": "action-select", "aria-label": format_html(
            _(DJANGO_SELECT_LABEL), task_label(obj))}, lambda value: False)
        return box.render(helpers.ACTION_CHECKBOX_NAME, str(obj.pk))

    @admin.action(description=gettext_lazy("Run the selected jobs now (recorded in the job ledger)"),
                  permissions=["change"])
    def run_now(self, request, queryset):
        """Each selected schedule's job queued through jobs.queue (one transaction each); refusals per reason."""
        queued, refused = [], {}
        for task in queryset:
            try:
                with transaction.atomic():
                    schedule_run_now(actor=request.user, task=task)
                queued.append(task_label(task))
            except (ValidationError, PermissionDenied) as exc:
                refused.setdefault("; ".join(error_messages(exc)), []).append(task_label(task))
        for text, labels in refused.items():
            self.message_user(request, f"{text} ({'、'.join(labels)})", messages.ERROR)
        if queued:
            self.message_user(request, _("Queued to run now: %(jobs)s. The last-run column shows each run once done.")
                              % {"jobs": "、".join(queued)}, messages.SUCCESS)


class PortalCrontabScheduleAdmin(CrontabScheduleAdmin):
    list_display = ("__str__", "in_words")

    @admin.display(description=gettext_lazy("In words"))
    def in_words(self, obj):
        return cron_in_words(obj)


for model, model_admin in ((PeriodicTask, PortalPeriodicTaskAdmin), (CrontabSchedule, PortalCrontabScheduleAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
