"""The admin of member development: the steps' rules, the candidates (record the next step from their page)
and the street's list of stage filings to approve or send back."""

from django import forms as django_forms
from django.contrib import admin
from django.db import transaction
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scoping import ScopedAdminMixin
from core.admin_actions import BulkActionMixin
from core.errors import PermissionDenied, ValidationError
from core.forms import add_service_error
from grids.selectors import org_list
from members.admin_parts import CommunityFilter, ReadOnlyInline, StreetFilter
from core.counts import count_of
from members.records.masking import PERSONAL_FIELDS

from .models import Candidate, DevelopmentStep, FilingStatus, StageFiling, StepRecord
from .selectors import candidate_facts, candidate_list, stage_filing_list
from .services import (
    CANDIDATE_FIELDS,
    candidate_create,
    candidate_reveal,
    candidate_update,
    development_step_record,
    stage_filing_approve,
    stage_filing_return,
)


@admin.register(DevelopmentStep)
class DevelopmentStepAdmin(admin.ModelAdmin):
    """The 25 steps and their interval rules (district staff; seeded by a migration)."""

    list_display = ["number", "stage", "name", "after_step", "min_months", "max_months", "decides_stage"]
    list_filter = ["stage"]
    ordering = ["number"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StepRecordInline(ReadOnlyInline):
    model = StepRecord
    fields = ["step", "done_on", "reviewer", "opinion", "attachment", "recorded_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("step", "recorded_by")


class StageFilingInline(ReadOnlyInline):
    model = StageFiling
    fields = ["stage", "status", "community_by", "community_on", "street_by", "street_on", "street_opinion"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("community_by", "street_by")


class CandidateForm(django_forms.ModelForm):
    """The candidate's details; a new candidate also gives the application (step 1)."""

    applied_on = django_forms.DateField(label=_("date of the application"), required=False,
                                        widget=django_forms.DateInput(attrs={"type": "date"}))
    reviewer = django_forms.CharField(label=_("reviewer"), required=False, max_length=50)
    next_step_on = django_forms.DateField(label=_("date of the next step"), required=False,
                                          widget=django_forms.DateInput(attrs={"type": "date"}))
    next_step_reviewer = django_forms.CharField(label=_("reviewer of the next step"), required=False, max_length=50)
    next_step_opinion = django_forms.CharField(label=_("opinion"), required=False, widget=django_forms.Textarea(
        attrs={"rows": 2}))
    next_step_attachment = django_forms.FileField(label=_("attachment"), required=False)

    class Meta:
        model = Candidate
        fields = ["name", "gender", "ethnicity", "id_number", "phone", "education", "org"]

    def validate_unique(self):
        # A duplicate ID-card number is candidate_create's to report, and only to whoever may change the record
        # holding it: the model form's own "already exists" would tell anyone.
        pass


@admin.register(Candidate)
class CandidateAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Member development: the candidate, their steps (record the next one from here) and stage filings."""

    form = CandidateForm
    list_display = ["name", "gender", "masked_id", "org_label", "stage", "next_step", "completed_on"]
    list_filter = ["stage", StreetFilter, CommunityFilter]
    search_fields = ["name", "=id_number", "org__name", "=org__code"]
    private_search_fields = ("id_number",)
    masked_fields = PERSONAL_FIELDS
    list_select_related = ["org__parent__parent"]
    show_full_result_count = False
    autocomplete_fields = ["org"]
    inlines = [StepRecordInline, StageFilingInline]

    def scoped_queryset(self, request, write=False):
        return candidate_list(user=request.user, write=write)

    def node_of(self, obj):
        return obj.org

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(steps_done=count_of(StepRecord.objects.all(), to="candidate"))

    @admin.display(description=_("party branch"), ordering="org__path")
    def org_label(self, obj):
        return obj.org.label

    @admin.display(description=_("ID-card number"))
    def masked_id(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return obj.masked_phone

    @admin.display(description=_("next step"))
    def next_step(self, obj):
        done = getattr(obj, "steps_done", None)
        return "—" if done is None or done >= 25 else done + 1

    def get_fieldsets(self, request, obj=None):
        details = (None, {"fields": ["name", "gender", "ethnicity", "id_number", "phone", "education", "org"]})
        if obj is not None and not self.shows_in_full(request, obj):
            # Whoever may not change the candidate sees their ID-card number and phone masked, as a member's.
            return [(None, {"fields": ["name", "gender", "ethnicity", "masked_id", "masked_phone", "education",
                                       "org"]})]
        if obj is None:
            return [details, (_("Application (step 1)"), {"fields": ["applied_on", "reviewer"]})]
        if obj.completed_on:
            return [details]
        return [details, (_("Record the next step"), {"fields": [
            "next_step_on", "next_step_reviewer", "next_step_opinion", "next_step_attachment"]})]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["id_number"] if self.shows_in_full(request, obj) else ["masked_id", "masked_phone"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            candidate = self.get_object(request, object_id)
            if candidate is not None and self.shows_in_full(request, candidate):
                self.seen_in_full(request, candidate)
        return super().change_view(request, object_id, form_url, extra_context)

    def seen_in_full(self, request, obj):
        candidate_reveal(actor=request.user, candidate=obj, channel="admin")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "org":
            kwargs["queryset"] = org_list(user=request.user, write=True).filter(level__gte=2)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        org = form.base_fields.get("org")
        if org is not None:
            org.widget.can_add_related = org.widget.can_change_related = org.widget.can_delete_related = False
            org.widget.can_view_related = False
        admin_self = self

        class ServiceForm(form):
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                try:
                    admin_self._apply(request, self)
                except ValidationError as exc:
                    # The services name the step's fields; on this page they are the application's or the next
                    # step's.
                    renames = ({"done_on": "next_step_on", "reviewer": "next_step_reviewer"} if self.instance.pk
                               else {"done_on": "applied_on"})
                    add_service_error(self, exc, renames=renames)

        return ServiceForm

    def _apply(self, request, form):
        """Do the writes inside validation so that a refusal shows as a form error. On a candidate's page the
        details and the next step are written together, or neither."""
        data = form.cleaned_data
        if form.instance.pk is None:
            if not data.get("applied_on"):
                raise ValidationError({"applied_on": [_("Give the date of the application.")]})
            form._saved = candidate_create(
                actor=request.user, name=data["name"], gender=data["gender"], id_number=data["id_number"],
                org=data["org"], applied_on=data["applied_on"], reviewer=data.get("reviewer") or "",
                phone=data.get("phone") or "", education=data.get("education") or "",
                ethnicity=data.get("ethnicity") or "汉族",
            )
            return
        with transaction.atomic():
            form._saved = candidate = candidate_update(
                actor=request.user, candidate=form.instance,
                **{name: data[name] for name in CANDIDATE_FIELDS if name in data})
            if data.get("next_step_on"):
                done = candidate.steps.count()
                development_step_record(
                    actor=request.user, candidate=candidate, step_number=done + 1, done_on=data["next_step_on"],
                    reviewer=data.get("next_step_reviewer") or "", opinion=data.get("next_step_opinion") or "",
                    attachment=data.get("next_step_attachment"),
                )

    def save_model(self, request, obj, form, change):
        saved = getattr(form, "_saved", None)
        if saved is not None:
            obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        pass  # the inlines are read-only


class StageFilingStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return FilingStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(StageFiling)
class StageFilingAdmin(BulkActionMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    """Two-level filing: the street's to-do list of stages proposed by communities (approve or send back)."""

    list_display = ["candidate", "org_name", "stage", "status", "community_by", "community_on", "street_by",
                    "street_on"]
    list_filter = [StageFilingStatusFilter, "stage"]
    list_select_related = ["candidate__org__parent__parent", "community_by", "street_by"]
    search_fields = ["candidate__name"]
    show_full_result_count = False
    readonly_fields = ["candidate", "org_name", "stage", "status", "community_by", "community_on",
                       "community_opinion", "street_by", "street_on", "street_opinion", "candidate_steps",
                       "earlier_filings"]
    actions = ["approve", "send_back"]
    bulk_select_related = ["candidate"]

    def scoped_queryset(self, request, write=False):
        return stage_filing_list(user=request.user, write=write)

    def node_of(self, obj):
        return obj.candidate.org

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("party branch"), ordering="candidate__org__path")
    def org_name(self, obj):
        return obj.candidate.org.label

    @admin.display(description=_("steps done"))
    def candidate_steps(self, obj):
        """The candidate's record as the pre-review weighs it: each step with its stage, date, reviewer, opinion
        and materials."""
        steps, _filings = candidate_facts(candidate=obj.candidate)
        if not steps:
            return _("No step recorded yet.")
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (r.step.number, r.step.name, r.step.get_stage_display(), date_format(r.done_on, "Y-m-d"), r.reviewer,
             r.opinion or "—") for r in steps))
        links = format_html_join("", '<li><a href="{}">{}. {}</a></li>', (
            (reverse("members:step-attachment", args=[r.pk]), r.step.number, r.attachment.name.rsplit("/", 1)[-1])
            for r in steps if r.attachment))
        return format_html(
            '<table class="filing-steps"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
            '<th>{}</th></tr></thead><tbody>{}</tbody></table>{}',
            _("number"), _("step"), _("stage"), _("date"), _("reviewer"), _("opinion"), rows,
            format_html('<p>{}</p><ul class="filing-materials">{}</ul>', _("Materials:"), links) if links
            else format_html('<p class="help">{}</p>', _("No materials attached.")))

    @admin.display(description=_("filings of this candidate"))
    def earlier_filings(self, obj):
        _steps, filings = candidate_facts(candidate=obj.candidate)
        return format_html_join("", "<p>{} · {} · {} {} {}{}</p>", (
            (f.get_stage_display(), f.get_status_display(), date_format(f.community_on, "Y-m-d"), f.community_by,
             f.community_opinion or "", format_html("；{} {} {}", date_format(f.street_on, "Y-m-d"), f.street_by,
                                                   f.street_opinion) if f.street_on else "")
            for f in filings))

    @admin.action(description=_("Pre-review and file the selected stages (street)"))
    def approve(self, request, queryset):
        self.run_bulk(request, queryset.filter(status=FilingStatus.PROPOSED),
                      lambda f: stage_filing_approve(actor=request.user, filing=f),
                      _("%(count)s stages filed; they have taken effect."))

    @admin.action(description=_("Send the selected stages back to the community"))
    def send_back(self, request, queryset):
        opinion = str(_("Sent back from the list; see the street."))
        self.run_bulk(request, queryset.filter(status=FilingStatus.PROPOSED),
                      lambda f: stage_filing_return(actor=request.user, filing=f, opinion=opinion),
                      _("%(count)s stages sent back."))

    def get_fieldsets(self, request, obj=None):
        filed = (None, {"fields": ["candidate", "org_name", "stage", "status", "community_by", "community_on",
                                   "community_opinion"]})
        record = (_("The candidate's record"), {"fields": ["candidate_steps", "earlier_filings"]})
        if obj is not None and obj.status == FilingStatus.PROPOSED:
            return [filed, record, (_("Street pre-review"), {"fields": ["decision", "opinion"]})]
        return [filed, record, (_("Street pre-review"), {"fields": ["street_by", "street_on", "street_opinion"]})]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        kwargs["fields"] = []
        base = super().get_form(request, obj, **kwargs)

        class DecisionForm(base):
            # No default: the street decides after reading the record above (a radio that starts empty).
            decision = django_forms.ChoiceField(label=_("decision"), widget=django_forms.RadioSelect, choices=[
                ("approve", _("Pre-review and file: the stage takes effect")),
                ("return", _("Send back to the community")),
            ], error_messages={"required": _("Choose whether to file the stage or send it back.")})
            opinion = django_forms.CharField(label=_("street opinion"), required=False,
                                             widget=django_forms.Textarea(attrs={"rows": 3}))

            def _post_clean(self):
                super()._post_clean()
                if self.errors or self.instance.status != FilingStatus.PROPOSED:
                    return
                data = self.cleaned_data
                try:
                    if data["decision"] == "approve":
                        stage_filing_approve(actor=request.user, filing=self.instance,
                                             opinion=data.get("opinion", ""))
                    else:
                        stage_filing_return(actor=request.user, filing=self.instance,
                                            opinion=data.get("opinion", ""))
                except (ValidationError, PermissionDenied) as exc:
                    # Every refusal of the decision is shown by the opinion (the only field on the page).
                    add_service_error(self, exc, fields=(), fallback="opinion")

        return DecisionForm

    def save_model(self, request, obj, form, change):
        pass  # the decision was written by the service during validation
