"""Admin of the assessment app: district staff only (model permissions come from accounts.backends).

Configuration (departments, plans and indicators) is edited here. Scores, quarters and snapshots are
read-only here: scores are entered on the score-entry pages through services.score_enter, quarters are
published there, and snapshots never change. Inspection plans, publishing and interviews go through
assessment.services too.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.scopes import is_district
from core.admin_actions import BulkActionMixin
from core.errors import PermissionDenied, ValidationError
from core.forms import add_service_error

from . import services
from .models import (
    Department,
    Finding,
    Indicator,
    Inspection,
    InspectionPlan,
    Interview,
    InterviewStatus,
    Plan,
    Quarter,
    QuarterLog,
    RankingSnapshot,
    Score,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "secretary_name", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["position", "name", "max_score", "weight", "method"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["year", "level", "name", "party_building_share"]
    list_filter = ["year", "level"]
    inlines = [IndicatorInline]


@admin.register(Quarter)
class QuarterAdmin(BulkActionMixin, ReadOnlyAdmin):
    """Quarters' states. Publishing goes through the service (ended, every unit scored); a publication with units
    unscored (with its reason) and a reopening (with its reason) are made on the score-entry page."""

    list_display = ["key", "status", "changed_at", "changed_by"]
    list_filter = ["status"]
    actions = ["publish"]

    def has_change_permission(self, request, obj=None):
        return obj is None and is_district(request.user)  # the list's action, not the form

    @admin.action(description=_("Publish the selected quarters (ended, every unit scored)"))
    def publish(self, request, queryset):
        self.run_bulk(request, queryset, lambda quarter: services.quarter_publish(
            actor=request.user, quarter=quarter.key), gettext("Published: the ranking is being computed."))


@admin.register(QuarterLog)
class QuarterLogAdmin(ReadOnlyAdmin):
    """Who published or reopened each quarter, why, and the units a publication left unscored."""

    list_display = ["quarter", "action", "by", "at", "reason", "unscored_count"]
    list_filter = ["action", "quarter"]
    list_select_related = ["by"]

    @admin.display(description=_("units without scores"))
    def unscored_count(self, obj):
        return len(obj.unscored)


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ["quarter", "level", "unit", "indicator", "score", "max_score", "entered_by", "entered_at"]
    list_filter = ["quarter", "level"]
    search_fields = ["org__name", "org__code", "department__name", "indicator__name"]
    list_select_related = ["org", "department", "indicator", "entered_by"]
    show_full_result_count = False

    @admin.display(description=_("unit"))
    def unit(self, obj):
        return obj.org or obj.department


@admin.register(RankingSnapshot)
class RankingSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["quarter", "level", "taken_at", "ranked_count", "unscored_count", "superseded_at"]
    list_filter = ["level"]


class InspectionPlanForm(forms.ModelForm):
    class Meta:
        model = InspectionPlan
        fields = ["month", "org", "inspector"]


@admin.register(InspectionPlan)
class InspectionPlanAdmin(admin.ModelAdmin):
    form = InspectionPlanForm
    list_display = ["month", "org", "inspector"]
    list_filter = ["month"]
    list_select_related = ["org", "inspector"]
    raw_id_fields = ["org", "inspector"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        obj.pk = services.inspection_plan_add(actor=request.user, month=obj.month, org=obj.org,
                                              inspector=obj.inspector).pk

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        user = request.user

        class Checked(form):
            def clean(self):
                data = super().clean()
                try:
                    services.inspection_plan_check(actor=user, month=data.get("month"), org=data.get("org"),
                                                   inspector=data.get("inspector"))
                except ValidationError as exc:
                    add_service_error(self, exc, fields=())  # the form's own errors, above the fields
                return data

        return Checked


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    fields = ["description", "found_on", "deadline", "status", "closed_on", "escalated_on"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Inspection)
class InspectionAdmin(BulkActionMixin, ReadOnlyAdmin):
    list_display = ["visited_on", "org", "inspector", "published_at"]
    list_filter = ["month"]
    list_select_related = ["org", "inspector"]
    inlines = [FindingInline]
    actions = ["publish"]

    def has_change_permission(self, request, obj=None):
        return obj is None and is_district(request.user)  # the list's action, not the form

    @admin.action(description=_("Publish on the notice list"))
    def publish(self, request, queryset):
        self.run_bulk(request, queryset, lambda inspection: services.inspection_publish(
            actor=request.user, inspection=inspection), gettext("Published."))


class InterviewForm(forms.ModelForm):
    class Meta:
        model = Interview
        fields = ["org", "department", "interviewee", "reason", "detail", "held_on", "outcome", "follow_up_on"]


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    """Record an interview held (or complete a suggested one) through services.interview_record."""

    form = InterviewForm
    list_display = ["created_at", "unit", "interviewee", "reason", "status", "held_on", "follow_up_on"]
    list_filter = ["status", "reason", "quarter"]
    list_select_related = ["org", "department"]
    raw_id_fields = ["org"]

    @admin.display(description=_("unit"))
    def unit(self, obj):
        return obj.org or obj.department

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        user = request.user

        class Checked(form):
            def clean(self):
                data = super().clean()
                unit = data.get("org") or data.get("department")
                if obj is not None:
                    unit = obj.org or obj.department
                try:
                    services.interview_check(actor=user, unit=unit, reason=data.get("reason"),
                                             interviewee=data.get("interviewee"), held_on=data.get("held_on"),
                                             outcome=data.get("outcome"), follow_up_on=data.get("follow_up_on"))
                except (ValidationError, PermissionDenied) as exc:
                    add_service_error(self, exc, fields=())  # the form's own errors, above the fields
                return data

        return Checked

    def get_readonly_fields(self, request, obj=None):
        return ["org", "department"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.interview_record(
            actor=request.user, unit=obj.org or obj.department, reason=data["reason"],
            interviewee=data["interviewee"], held_on=data["held_on"], outcome=data["outcome"],
            follow_up_on=data.get("follow_up_on"), detail=data.get("detail", ""),
            interview=obj if change else None,
        )
        obj.pk = saved.pk
        obj.status = InterviewStatus.HELD
