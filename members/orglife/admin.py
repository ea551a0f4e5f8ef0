"""The admin of organizational life (meetings with their attendance, reviewed by the level above) and of the
duty checklist (items, what the branches did, the quarterly compliance)."""

from django import forms as django_forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scoping import ScopedAdminMixin
from accounts.scopes import writes_above
from grids.forms import org_choice_labels
from grids.models import label_related
from grids.selectors import org_list
from members.admin_parts import (
    CommunityFilter,
    ReadOnlyInline,
    ServiceFormMixin,
    StreetFilter,
    xlsx_response,
)
from members.records.exports import id_number_shown
from members.records.selectors import member_list

from .forms import AttendanceField
from .models import Attendance, ComplianceSnapshot, DutyDone, DutyItem, Meeting
from .selectors import duty_done_list, meeting_list
from .services import duty_mark_done, duty_redate, meeting_record, meeting_review


class AttendanceInline(ReadOnlyInline):
    model = Attendance
    fields = ["member", "present", "absence_reason"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member")


class MeetingForm(django_forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["kind", "held_on", "topic", "minutes"]
        widgets = {"held_on": django_forms.DateInput(attrs={"type": "date"})}


@admin.register(Meeting)
class MeetingAdmin(ServiceFormMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    """三会一课: the branch records a meeting in two steps (the branch, then its members ticked present or given a
    reason for their absence; points follow); someone at the level above, not the recorder, reviews it."""

    list_display = ["held_on", "org_label", "kind", "topic", "present_count", "absent_count", "reviewed_by",
                    "reviewed_on"]
    list_filter = ["kind", StreetFilter, CommunityFilter]
    list_select_related = ["org__parent__parent", "reviewed_by"]
    search_fields = ["topic", "org__name"]
    show_full_result_count = False
    inlines = [AttendanceInline]
    form = MeetingForm
    actions = ["export_attendance_xlsx"]

    def scoped_queryset(self, request, write=False):
        return meeting_list(user=request.user, write=write).select_related(label_related("org__"))

    @admin.action(description=_("Export the attendance of the selected meetings (Excel)"))
    def export_attendance_xlsx(self, request, queryset):
        attendance = list(Attendance.objects.filter(meeting__in=queryset.values("pk")).select_related(
            "meeting__org", "member__org").order_by("meeting__held_on", "meeting_id", "member__name"))
        id_number = id_number_shown(request, [a.member for a in attendance])
        rows = [(a.meeting.org.code, a.meeting.held_on, a.meeting.get_kind_display(), a.meeting.topic,
                 id_number(a.member), a.member.name, a.member.org.name, _("present") if a.present else _("absent"),
                 a.absence_reason) for a in attendance]
        headers = [_("organization code"), _("held on"), _("kind"), _("topic"), _("ID-card number"), _("full name"),
                   _("party organization"), _("present"), _("reason for absence")]
        return xlsx_response("attendance", headers, rows, "attendance.xlsx")

    def node_of(self, obj):
        return obj.org

    @admin.display(description=_("party branch"), ordering="org__path")
    def org_label(self, obj):
        return obj.org.label

    @admin.display(description=_("present"), ordering="present_count")
    def present_count(self, obj):
        return obj.present_count

    @admin.display(description=_("absent"), ordering="absent_count")
    def absent_count(self, obj):
        return obj.absent_count

    # --- recording: choose the branch, then tick its members -------------------------------------------

    def _branches(self, request):
        return org_list(user=request.user, write=True).filter(level__gte=2)

    def _chosen_branch(self, request):
        value = request.GET.get("org", "")
        if not value.isdigit():
            return None
        return self._branches(request).select_related(label_related()).filter(pk=value).first()

    def add_view(self, request, form_url="", extra_context=None):
        """Step 1 (no branch chosen, or one outside the user's area): the branch. Step 2: the meeting's form with
        that branch's members as a checklist."""
        if not self.has_add_permission(request):
            return super().add_view(request, form_url, extra_context)
        branch = self._chosen_branch(request)
        if branch is None:
            error = _("Choose a party branch in your area.") if request.GET.get("org") else None
            branches = self._branches(request).select_related(label_related()).order_by("path").only(
                "pk", "name", "level", "parent__name", "parent__level", "parent__parent__name")
            return TemplateResponse(request, "admin/members/meeting/choose_branch.html", {
                **self.admin_site.each_context(request), "opts": self.opts, "title": _("Record a meeting"),
                "branches": branches, "error": error})
        request._meeting_branch = branch
        return super().add_view(request, form_url, {**(extra_context or {}), "subtitle": branch.label})

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # the attendance is the checklist while recording

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            branch = getattr(request, "_meeting_branch", None)
            title = _("Meeting of %(branch)s") % {"branch": branch.label} if branch else None
            return [(title, {"fields": ["kind", "held_on", "topic", "minutes"]}),
                    (_("Attendance"), {"fields": ["attendance"]})]
        fields = ["org_label", "kind", "held_on", "topic", "minutes", "recorded_by"]
        if obj.reviewed_on:
            return [(None, {"fields": fields}),
                    (pgettext_lazy("meeting", "Review"), {"fields": ["reviewed_by", "reviewed_on", "review_opinion"]})]
        if self._may_review(request, obj):
            return [(None, {"fields": fields}), (pgettext_lazy("meeting", "Review"), {"fields": ["opinion"]})]
        own = obj.recorded_by_id == request.user.pk
        return [(None, {"fields": fields + ["review_state_own" if own else "review_state"]})]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["org_label", "kind", "held_on", "topic", "minutes", "recorded_by", "reviewed_by", "reviewed_on",
                "review_opinion", "review_state", "review_state_own"]

    @admin.display(description=pgettext_lazy("meeting", "review"))
    def review_state(self, obj):
        return _("Not reviewed yet: the level above the branch reviews it.")

    @admin.display(description=pgettext_lazy("meeting", "review"))
    def review_state_own(self, obj):
        return _("Not reviewed yet. You recorded this meeting: someone else at the level above reviews it.")

    def _may_review(self, request, obj):
        return obj.recorded_by_id != request.user.pk and writes_above(request.user, obj.org, obj.org.level - 1)

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            kwargs["fields"] = []
            base = super().get_form(request, obj, **kwargs)
            if obj.reviewed_on or not self._may_review(request, obj):
                return base

            class ReviewForm(base):
                opinion = django_forms.CharField(label=_("review opinion"), widget=django_forms.Textarea(
                    attrs={"rows": 3}))

            return self._service_form(ReviewForm, request, lambda f: meeting_review(
                actor=request.user, meeting=obj, opinion=f.cleaned_data["opinion"]))
        kwargs["fields"] = ["kind", "held_on", "topic", "minutes"]
        base = super().get_form(request, obj, **kwargs)
        branch = getattr(request, "_meeting_branch", None) or self._chosen_branch(request)
        members = list(member_list(user=request.user, write=True).filter(org__path__startswith=branch.path)
                       .select_related(label_related("org__")).order_by("org__path", "name", "pk")) if branch else []

        class RecordForm(base):
            attendance = AttendanceField(label=_("Attendance"), members=members)

        def record(f):
            data = f.cleaned_data
            present, absent = data["attendance"]
            return meeting_record(actor=request.user, org=branch, kind=data["kind"], held_on=data["held_on"],
                                  topic=data["topic"], minutes=data["minutes"], present=present, absent=absent)

        return self._service_form(RecordForm, request, record, renames={"present": "attendance",
                                                                         "absent": "attendance",
                                                                         "org": "attendance"})


@admin.register(DutyItem)
class DutyItemAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "frequency", "meeting_kind"]
    ordering = ["number"]


@admin.register(ComplianceSnapshot)
class ComplianceSnapshotAdmin(admin.ModelAdmin):
    """Quarterly compliance of every branch (district staff; each branch sees its own on its branch page)."""

    list_display = ["quarter", "org", "due", "done", "on_time", "rate"]
    list_filter = ["quarter"]
    list_select_related = ["org"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DutyDoneForm(django_forms.ModelForm):
    class Meta:
        model = DutyDone
        fields = ["org", "item", "period", "done_on"]
        widgets = {"done_on": django_forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "period" in self.fields:
            self.fields["period"].required = False
            self.fields["period"].help_text = _("Empty: the period the date falls in (2026-W14, 2026-04, 2026Q2 …).")


@admin.register(DutyDone)
class DutyDoneAdmin(ServiceFormMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Checklist items ticked off by the branches (meetings tick theirs by themselves)."""

    form = DutyDoneForm
    list_display = ["org_label", "item", "period", "done_on", "on_time", "meeting"]
    list_filter = ["on_time", "item__frequency", StreetFilter, CommunityFilter]
    list_select_related = ["org__parent__parent", "item", "meeting"]
    search_fields = ["org__name", "item__name", "period"]
    show_full_result_count = False

    def scoped_queryset(self, request, write=False):
        return duty_done_list(user=request.user, write=write)

    @admin.display(description=_("party branch"), ordering="org__path")
    def org_label(self, obj):
        return obj.org.label

    def node_of(self, obj):
        return obj.org

    def get_fields(self, request, obj=None):
        return ["org", "item", "period", "done_on"] if obj is None else ["org", "item", "period", "on_time", "done_on"]

    def get_readonly_fields(self, request, obj=None):
        return ["org", "item", "period", "on_time"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "org":
            kwargs["queryset"] = org_list(user=request.user, write=True).filter(level__gte=2)
            return org_choice_labels(super().formfield_for_foreignkey(db_field, request, **kwargs))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            def redate(f):
                return duty_redate(actor=request.user, duty=obj, done_on=f.cleaned_data["done_on"])
        else:
            def redate(f):
                data = f.cleaned_data
                return duty_mark_done(actor=request.user, org=data["org"], item=data["item"],
                                      done_on=data["done_on"], period=data.get("period") or None)
        return self._service_form(form, request, redate)
