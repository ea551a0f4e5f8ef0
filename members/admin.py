from django import forms as django_forms
from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse as _reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scoping import ScopedAdminMixin
from grids.models import Level
from grids.selectors import org_list, under_visible_node
from core.downloads import csv_download, xlsx_download
from core.errors import PermissionDenied as ServicePermissionDenied
from core.errors import ValidationError as ServiceValidationError

from . import services
from .forms import MemberForm
from .models import (
    Attendance,
    BirthdayGreeting,
    Candidate,
    ComplianceSnapshot,
    DevelopmentStep,
    DuesPayment,
    DuesReview,
    DutyDone,
    DutyItem,
    Enrolment,
    FilingStatus,
    Meeting,
    Member,
    MemberAccount,
    MemberImport,
    PersonalDataReveal,
    PointEntry,
    Question,
    Quiz,
    QuizAttempt,
    StageFiling,
    StepRecord,
    TrainingClass,
    Transfer,
    TransferStatus,
)
from .selectors import (
    candidate_list,
    dues_list,
    enrolment_list,
    meeting_list,
    member_account_list,
    member_can_reveal,
    member_list,
    point_entry_list,
    quiz_attempt_list,
    quiz_list,
    stage_filing_list,
    training_class_list,
    transfer_list,
)


def _xlsx_response(title, headers, rows, file_name):
    """An Excel download of already-scoped rows (the admin action's queryset is the user's changelist)."""
    import tablib

    data = tablib.Dataset(*rows, headers=[str(h) for h in headers], title=title)
    return xlsx_download(data.export("xlsx"), file_name)


def _id_number_shown(request, members):
    """ID-card numbers in an export: in full where the user may change the member (the reveal is recorded),
    masked elsewhere, so a secretary's own export can be imported back."""
    from .masking import mask_id_number

    revealed = services.member_reveal_for_export(actor=request.user, members={m.pk: m for m in members}.values())
    return lambda member: member.id_number if member.pk in revealed else mask_id_number(member.id_number)


class StreetFilter(admin.SimpleListFilter):
    title = _("street")
    parameter_name = "street"

    def lookups(self, request, model_admin):
        return [(str(n.pk), n.name) for n in org_list(user=request.user).streets().order_by("code")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return under_visible_node(queryset, user=request.user, pk=self.value(), prefix="org__", level=Level.STREET)


class CommunityFilter(admin.SimpleListFilter):
    title = _("community or village")
    parameter_name = "community"

    def lookups(self, request, model_admin):
        communities = org_list(user=request.user).communities().order_by("code")
        street = request.GET.get("street")
        if street:
            communities = communities.filter(parent_id=street) if street.isdigit() else communities.none()
        return [(str(n.pk), n.name) for n in communities]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return under_visible_node(
            queryset, user=request.user, pk=self.value(), prefix="org__", level=Level.COMMUNITY
        )


class SubtreeFilter(admin.SimpleListFilter):
    """Reached from the organization list's member counts: members anywhere under one node."""

    title = _("party organization")
    parameter_name = "org_subtree"

    def lookups(self, request, model_admin):
        # Shown only while in use, naming the chosen organization (Django applies only shown filters).
        value = request.GET.get(self.parameter_name, "")
        if not value.isdigit():
            return []
        return [(str(n.pk), n.name) for n in org_list(user=request.user).filter(pk=value)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return under_visible_node(queryset, user=request.user, pk=self.value(), prefix="org__")


@admin.register(Member)
class MemberAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    form = MemberForm
    list_display = [
        "name", "gender", "masked_id_number_display", "masked_phone_display", "org_name",
        "status", "category", "joined_on",
    ]
    list_filter = [StreetFilter, CommunityFilter, SubtreeFilter, "status", "category", "gender"]
    search_fields = ["name", "=id_number", "=phone", "org__name", "=org__code"]
    list_select_related = ["org"]
    list_per_page = 50
    show_full_result_count = False
    autocomplete_fields = ["org"]
    date_hierarchy = None
    fieldsets = [
        (None, {"fields": ["name", "gender", "ethnicity", "id_number", "birth_date", "phone", "education"]}),
        (_("Party membership"), {"fields": ["org", "joined_on", "full_member_on", "status", "category"]}),
    ]

    actions = ["export_masked_csv", "export_masked_xlsx", "delete_selected"]

    def scoped_queryset(self, request, write=False):
        return member_list(user=request.user, write=write)

    @admin.action(description=_("Export selected members (CSV, ID numbers and phones masked)"))
    def export_masked_csv(self, request, queryset):
        return csv_download(services.member_export(actor=request.user, queryset=queryset), "members.csv")

    @admin.action(description=_("Export selected members (Excel, ID numbers and phones masked)"))
    def export_masked_xlsx(self, request, queryset):
        return xlsx_download(services.member_export(actor=request.user, queryset=queryset, file_format="xlsx"),
                             "members.xlsx")

    def node_of(self, obj):
        return obj.org

    @admin.display(description=_("party organization"), ordering="org__path")
    def org_name(self, obj):
        return obj.org.name

    @admin.display(description=_("ID-card number"))
    def masked_id_number_display(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("phone"))
    def masked_phone_display(self, obj):
        return obj.masked_phone

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not member_can_reveal(user=request.user, member=obj):
            return ["masked_id_number_display", "masked_phone_display"]
        return []

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not member_can_reveal(user=request.user, member=obj):
            swap = {"id_number": "masked_id_number_display", "phone": "masked_phone_display"}
            return [(name, {**opts, "fields": [swap.get(f, f) for f in opts["fields"]]}) for name, opts in fieldsets]
        return fieldsets

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        org = form.base_fields.get("org")
        if org is not None:
            # Organizations are kept in their own pages; no "+" or pencil next to the member's organization.
            org.widget.can_add_related = org.widget.can_change_related = org.widget.can_delete_related = False
            org.widget.can_view_related = False
        return form

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            member = self.get_object(request, object_id)
            if member is not None and member_can_reveal(user=request.user, member=member):
                services.member_reveal(actor=request.user, member=member, channel="admin")
        return super().change_view(request, object_id, form_url, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "org":
            kwargs["queryset"] = org_list(user=request.user, write=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data.get(name) for name in form.Meta.fields if name in form.cleaned_data}
        if change:
            original = Member.objects.select_related("org").get(pk=obj.pk)
            saved = services.member_update(actor=request.user, member=original, **fields)
        else:
            saved = services.member_create(actor=request.user, **fields)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.member_delete(actor=request.user, member=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for member in queryset.select_related("org"):
                services.member_delete(actor=request.user, member=member)


@admin.register(PersonalDataReveal)
class PersonalDataRevealAdmin(admin.ModelAdmin):
    """Who saw which member's full ID number and phone, and when (read-only, district staff)."""

    list_display = ["at", "user", "member", "channel"]
    list_filter = ["channel"]
    search_fields = ["user__username", "member__name"]
    list_select_related = ["user", "member"]
    show_full_result_count = False
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------------------------------------------------------
# Member development, points, greetings
# ---------------------------------------------------------------------------------------------------------------


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


class ReadOnlyInline(admin.TabularInline):
    """Rows written by services (steps, filings, attendance, enrolments): shown on the parent page, not edited."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
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


@admin.register(Candidate)
class CandidateAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Member development: the candidate, their steps (record the next one from here) and stage filings."""

    form = CandidateForm
    list_display = ["name", "gender", "masked_id", "org", "stage", "next_step", "completed_on"]
    list_filter = ["stage", StreetFilter, CommunityFilter]
    search_fields = ["name", "=id_number", "org__name", "=org__code"]
    list_select_related = ["org"]
    show_full_result_count = False
    autocomplete_fields = ["org"]
    inlines = [StepRecordInline, StageFilingInline]

    def scoped_queryset(self, request, write=False):
        return candidate_list(user=request.user, write=write)

    def node_of(self, obj):
        return obj.org

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(steps_done=Count("steps"))

    @admin.display(description=_("ID-card number"))
    def masked_id(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("next step"))
    def next_step(self, obj):
        done = getattr(obj, "steps_done", None)
        return "—" if done is None or done >= 25 else done + 1

    def get_fieldsets(self, request, obj=None):
        details = (None, {"fields": ["name", "gender", "ethnicity", "id_number", "phone", "education", "org"]})
        if obj is None:
            return [details, (_("Application (step 1)"), {"fields": ["applied_on", "reviewer"]})]
        if obj.completed_on:
            return [details]
        return [details, (_("Record the next step"), {"fields": [
            "next_step_on", "next_step_reviewer", "next_step_opinion", "next_step_attachment"]})]

    def get_readonly_fields(self, request, obj=None):
        return ["id_number"] if obj is not None else []

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
                except ServiceValidationError as exc:
                    for field, msgs in exc.message_dict.items():
                        target = {"done_on": "next_step_on", "reviewer": "next_step_reviewer"}.get(field, field) \
                            if self.instance.pk else {"done_on": "applied_on"}.get(field, field)
                        for message in msgs:
                            self.add_error(target if target in self.fields else None, message)

        return ServiceForm

    def _apply(self, request, form):
        """Do the write inside validation so that a refused step shows as a form error."""
        data = form.cleaned_data
        if form.instance.pk is None:
            if not data.get("applied_on"):
                raise ServiceValidationError({"applied_on": [_("Give the date of the application.")]})
            form._saved = services.candidate_create(
                actor=request.user, name=data["name"], gender=data["gender"], id_number=data["id_number"],
                org=data["org"], applied_on=data["applied_on"], reviewer=data.get("reviewer") or "",
                phone=data.get("phone") or "", education=data.get("education") or "",
                ethnicity=data.get("ethnicity") or "汉族",
            )
            return
        candidate = form.instance
        if data.get("next_step_on"):
            done = candidate.steps.count()
            services.development_step_record(
                actor=request.user, candidate=candidate, step_number=done + 1, done_on=data["next_step_on"],
                reviewer=data.get("next_step_reviewer") or "", opinion=data.get("next_step_opinion") or "",
                attachment=data.get("next_step_attachment"),
            )

    def save_model(self, request, obj, form, change):
        saved = getattr(form, "_saved", None)
        if saved is not None:
            obj.pk = saved.pk
            return
        obj._history_user = request.user
        obj.save()

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
class StageFilingAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Two-level filing: the street's to-do list of stages proposed by communities (approve or send back)."""

    list_display = ["candidate", "org_name", "stage", "status", "community_by", "community_on", "street_by",
                    "street_on"]
    list_filter = [StageFilingStatusFilter, "stage"]
    list_select_related = ["candidate__org", "community_by", "street_by"]
    search_fields = ["candidate__name"]
    show_full_result_count = False
    readonly_fields = ["candidate", "stage", "status", "community_by", "community_on", "community_opinion",
                       "street_by", "street_on", "street_opinion"]
    actions = ["approve", "send_back"]

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
        return obj.candidate.org.name

    def _decide(self, request, queryset, fn, done_message):
        count = 0
        try:
            with transaction.atomic():
                for filing in queryset.filter(status=FilingStatus.PROPOSED):
                    fn(filing)
                    count += 1
        except (ServiceValidationError, ServicePermissionDenied) as exc:
            self.message_user(request, "; ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)
            return
        self.message_user(request, done_message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Pre-review and file the selected stages (street)"))
    def approve(self, request, queryset):
        self._decide(request, queryset, lambda f: services.stage_filing_approve(actor=request.user, filing=f),
                     _("%(count)s stages filed; they have taken effect."))

    @admin.action(description=_("Send the selected stages back to the community"))
    def send_back(self, request, queryset):
        self._decide(
            request, queryset,
            lambda f: services.stage_filing_return(actor=request.user, filing=f,
                                                   opinion=str(_("Sent back from the list; see the street."))),
            _("%(count)s stages sent back."),
        )

    def get_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.status == FilingStatus.PROPOSED:
            fields += ["decision", "opinion"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        kwargs["fields"] = []
        base = super().get_form(request, obj, **kwargs)

        class DecisionForm(base):
            decision = django_forms.ChoiceField(label=_("decision"), choices=[
                ("approve", _("Pre-review and file: the stage takes effect")),
                ("return", _("Send back to the community")),
            ])
            opinion = django_forms.CharField(label=_("street opinion"), required=False,
                                             widget=django_forms.Textarea(attrs={"rows": 3}))

            def _post_clean(self):
                super()._post_clean()
                if self.errors or self.instance.status != FilingStatus.PROPOSED:
                    return
                data = self.cleaned_data
                try:
                    if data["decision"] == "approve":
                        services.stage_filing_approve(actor=request.user, filing=self.instance,
                                                      opinion=data.get("opinion", ""))
                    else:
                        services.stage_filing_return(actor=request.user, filing=self.instance,
                                                     opinion=data.get("opinion", ""))
                except ServicePermissionDenied as exc:
                    self.add_error(None, str(exc))
                except ServiceValidationError as exc:
                    for msgs in exc.message_dict.values():
                        for message in msgs:
                            self.add_error("opinion", message)

        return DecisionForm

    def save_model(self, request, obj, form, change):
        pass  # the decision was written by the service during validation


class PointEntryForm(django_forms.ModelForm):
    class Meta:
        model = PointEntry
        fields = ["member", "on", "category", "points", "reason"]
        widgets = {"on": django_forms.DateInput(attrs={"type": "date"})}


@admin.register(PointEntry)
class PointEntryAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    form = PointEntryForm
    list_display = ["on", "member", "org_name", "category", "points", "reason", "recorded_by"]
    list_filter = ["category", StreetFilter, CommunityFilter]
    search_fields = ["member__name", "reason"]
    list_select_related = ["member__org", "recorded_by"]
    autocomplete_fields = ["member"]
    show_full_result_count = False
    actions = ["export_xlsx"]

    def scoped_queryset(self, request, write=False):
        return point_entry_list(user=request.user, write=write)

    @admin.action(description=_("Export selected entries (Excel)"))
    def export_xlsx(self, request, queryset):
        entries = list(queryset.select_related("member__org", "recorded_by"))
        id_number = _id_number_shown(request, [e.member for e in entries])
        rows = [(e.on, id_number(e.member), e.member.name, e.member.org.name, e.get_category_display(), e.points,
                 e.reason, e.recorded_by.username) for e in entries]
        headers = [_("date"), _("ID-card number"), _("full name"), _("party organization"),
                   PointEntry._meta.get_field("category").verbose_name, _("points"), _("reason"), _("recorded by")]
        return _xlsx_response("points", headers, rows, "points.xlsx")

    def node_of(self, obj):
        return obj.member.org

    @admin.display(description=_("party organization"), ordering="member__org__path")
    def org_name(self, obj):
        return obj.member.org.name

    def get_readonly_fields(self, request, obj=None):
        return ["member"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "member":
            kwargs["queryset"] = member_list(user=request.user, write=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class ServiceForm(form):
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                data = self.cleaned_data
                values = {k: data[k] for k in ("on", "category", "points", "reason")}
                try:
                    if obj is not None:
                        self._saved = services.point_entry_update(actor=request.user, entry=obj, **values)
                    else:
                        self._saved = services.point_entry_create(actor=request.user, member=data["member"],
                                                                  **values)
                except ServiceValidationError as exc:
                    for field, msgs in exc.message_dict.items():
                        for message in msgs:
                            self.add_error(field if field in self.fields else None, message)

        return ServiceForm

    def save_model(self, request, obj, form, change):
        saved = getattr(form, "_saved", None)
        if saved is not None:
            obj.pk = saved.pk


@admin.register(BirthdayGreeting)
class BirthdayGreetingAdmin(admin.ModelAdmin):
    """Which members were greeted on their political birthday (district staff; written by the daily job)."""

    list_display = ["on", "member", "party_years", "sent_at"]
    list_select_related = ["member"]
    search_fields = ["member__name"]
    date_hierarchy = "on"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------------------------------------------------------
# Transfers, meetings, dues
# ---------------------------------------------------------------------------------------------------------------


class _ServiceFormMixin:
    """Admin forms whose write is a service call made during validation (so its refusals are form errors)."""

    def _service_form(self, form, request, call):
        class ServiceForm(form):
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                try:
                    self._saved = call(self)
                except ServicePermissionDenied as exc:
                    self.add_error(None, str(exc))
                except ServiceValidationError as exc:
                    for field, msgs in exc.message_dict.items():
                        for message in msgs:
                            self.add_error(field if field in self.fields else None, message)

        return ServiceForm

    def save_model(self, request, obj, form, change):
        saved = getattr(form, "_saved", None)
        if saved is not None:
            obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        pass


@admin.register(Transfer)
class TransferAdmin(_ServiceFormMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    """Transfers sent from or to the user's branches; the receiving branch accepts or sends back."""

    list_display = ["member", "from_org", "to_org", "destination", "status", "sent_on", "decided_on", "letter"]
    list_filter = ["status"]
    list_select_related = ["member", "from_org", "to_org"]
    search_fields = ["member__name", "letter_number"]
    show_full_result_count = False
    autocomplete_fields = ["member"]

    def scoped_queryset(self, request, write=False):
        qs = transfer_list(user=request.user)
        if write:
            scope = self._scope(request)
            qs = qs.filter(scope.nodes_q(write=True, prefix="from_org__")
                           | scope.nodes_q(write=True, prefix="to_org__"))
        return qs

    def node_of(self, obj):
        return obj.from_org

    def _covers_either(self, request, obj, write):
        scope = self._scope(request)
        return scope.covers(obj.from_org, write=write) or (obj.to_org is not None and scope.covers(obj.to_org,
                                                                                                    write=write))

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request) if obj is None else self._covers_either(request, obj, False)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request) if obj is None else self._covers_either(request, obj, True)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("introduction letter"))
    def letter(self, obj):
        if not obj.letter_number:
            return "—"
        return format_html('<a href="{}">{}</a>', _reverse("members:transfer-letter", args=[obj.pk]),
                           obj.letter_number)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["member", "to_org", "destination", "reason"]
        fields = ["member", "from_org", "to_org", "destination", "reason", "status", "letter_number", "sent_by",
                  "sent_on", "decided_by", "decided_on", "note"]
        if obj.status in (TransferStatus.SENT, TransferStatus.LETTER):
            fields += ["decision", "decision_note"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["member", "from_org", "to_org", "destination", "reason", "status", "letter_number", "sent_by",
                "sent_on", "decided_by", "decided_on", "note"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "member":
            kwargs["queryset"] = member_list(user=request.user, write=True)
        if db_field.name == "to_org":
            from grids.models import OrgNode

            kwargs["queryset"] = OrgNode.objects.filter(level__gte=2)  # any branch of the district receives
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            form = super().get_form(request, obj, **kwargs)
            return self._service_form(form, request, lambda f: services.transfer_send(
                actor=request.user, member=f.cleaned_data["member"], to_org=f.cleaned_data.get("to_org"),
                destination=f.cleaned_data.get("destination", ""), reason=f.cleaned_data.get("reason", "")))
        kwargs["fields"] = []
        base = super().get_form(request, obj, **kwargs)

        class DecisionForm(base):
            decision = django_forms.ChoiceField(label=_("decision"), choices=(
                [("accept", _("Accept into the receiving branch")), ("return", _("Send back"))]
                if obj.status == TransferStatus.SENT else [("complete", _("Receipt returned: the member has left"))]))
            decision_note = django_forms.CharField(label=_("note"), required=False, max_length=200)

        def decide(f):
            choice, note = f.cleaned_data["decision"], f.cleaned_data.get("decision_note", "")
            if choice == "accept":
                return services.transfer_accept(actor=request.user, transfer=obj)
            if choice == "return":
                return services.transfer_return(actor=request.user, transfer=obj, note=note)
            return services.transfer_complete_out(actor=request.user, transfer=obj)

        return self._service_form(DecisionForm, request, decide)


class AttendanceInline(ReadOnlyInline):
    model = Attendance
    fields = ["member", "present", "absence_reason"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member")


class MeetingForm(django_forms.ModelForm):
    present = django_forms.ModelMultipleChoiceField(label=_("present"), queryset=Member.objects.none(),
                                                    required=False)
    absent = django_forms.CharField(
        label=_("absent"), required=False, widget=django_forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line: ID-card number or name, a colon, the reason (王明: 出差)."))

    class Meta:
        model = Meeting
        fields = ["org", "kind", "held_on", "topic", "minutes"]
        widgets = {"held_on": django_forms.DateInput(attrs={"type": "date"})}


@admin.register(Meeting)
class MeetingAdmin(_ServiceFormMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    """三会一课: the branch records a meeting with attendance (points follow); the level above reviews it."""

    list_display = ["held_on", "org", "kind", "topic", "present_count", "absent_count", "reviewed_by", "reviewed_on"]
    list_filter = ["kind", StreetFilter, CommunityFilter]
    list_select_related = ["org", "reviewed_by"]
    search_fields = ["topic", "org__name"]
    show_full_result_count = False
    inlines = [AttendanceInline]
    form = MeetingForm
    actions = ["export_attendance_xlsx"]

    def scoped_queryset(self, request, write=False):
        return meeting_list(user=request.user, write=write)

    @admin.action(description=_("Export the attendance of the selected meetings (Excel)"))
    def export_attendance_xlsx(self, request, queryset):
        attendance = list(Attendance.objects.filter(meeting__in=queryset.values("pk")).select_related(
            "meeting__org", "member__org").order_by("meeting__held_on", "meeting_id", "member__name"))
        id_number = _id_number_shown(request, [a.member for a in attendance])
        rows = [(a.meeting.org.code, a.meeting.held_on, a.meeting.get_kind_display(), a.meeting.topic,
                 id_number(a.member), a.member.name, a.member.org.name, _("present") if a.present else _("absent"),
                 a.absence_reason) for a in attendance]
        headers = [_("organization code"), _("held on"), _("kind"), _("topic"), _("ID-card number"), _("full name"),
                   _("party organization"), _("present"), _("reason for absence")]
        return _xlsx_response("attendance", headers, rows, "attendance.xlsx")

    def node_of(self, obj):
        return obj.org

    @admin.display(description=_("present"), ordering="present_count")
    def present_count(self, obj):
        return obj.present_count

    @admin.display(description=_("absent"), ordering="absent_count")
    def absent_count(self, obj):
        return obj.absent_count

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["org", "kind", "held_on", "topic", "minutes", "present", "absent"]
        fields = ["org", "kind", "held_on", "topic", "minutes", "recorded_by", "reviewed_by", "reviewed_on",
                  "review_opinion"]
        return fields + (["opinion"] if obj.reviewed_on is None else [])

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["org", "kind", "held_on", "topic", "minutes", "recorded_by", "reviewed_by", "reviewed_on",
                "review_opinion"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "org":
            kwargs["queryset"] = org_list(user=request.user, write=True).filter(level__gte=2)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            kwargs["fields"] = []
            base = super().get_form(request, obj, **kwargs)

            class ReviewForm(base):
                opinion = django_forms.CharField(label=_("review opinion"), widget=django_forms.Textarea(
                    attrs={"rows": 3}))

            return self._service_form(ReviewForm, request, lambda f: services.meeting_review(
                actor=request.user, meeting=obj, opinion=f.cleaned_data["opinion"]))
        base = super().get_form(request, obj, **kwargs)
        writable = member_list(user=request.user, write=True)

        class RecordForm(base):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                self.fields["present"].queryset = writable

        def record(f):
            data = f.cleaned_data
            members = {m.id_number: m for m in writable.filter(org__path__startswith=data["org"].path)}
            by_name = {m.name: m for m in members.values()}
            absent = {}
            for line in (data.get("absent") or "").splitlines():
                if not line.strip():
                    continue
                who, _sep, reason = line.replace("：", ":").partition(":")
                member = members.get(who.strip()) or by_name.get(who.strip())
                if member is None:
                    raise ServiceValidationError({"absent": [_("No member “%(who)s” in this branch.") % {
                        "who": who.strip()}]})
                absent[member] = reason
            return services.meeting_record(actor=request.user, org=data["org"], kind=data["kind"],
                                           held_on=data["held_on"], topic=data["topic"], minutes=data["minutes"],
                                           present=list(data.get("present") or []), absent=absent)

        return self._service_form(RecordForm, request, record)


class DuesForm(django_forms.ModelForm):
    class Meta:
        model = DuesPayment
        fields = ["member", "month", "kind", "income_base", "amount_paid", "paid_on", "paid_by"]
        widgets = {"month": django_forms.DateInput(attrs={"type": "date"}),
                   "paid_on": django_forms.DateInput(attrs={"type": "date"})}


@admin.register(DuesPayment)
class DuesPaymentAdmin(_ServiceFormMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    """Dues by member and month: the amount due from the brackets, payments, arrears."""

    form = DuesForm
    list_display = ["month", "member", "org_name", "kind", "income_base", "amount_due", "amount_paid", "arrears",
                    "paid_by"]
    list_filter = ["kind", StreetFilter, CommunityFilter]
    list_select_related = ["member__org"]
    search_fields = ["member__name"]
    show_full_result_count = False
    autocomplete_fields = ["member"]
    readonly_fields = ["amount_due"]
    actions = ["export_xlsx"]

    def scoped_queryset(self, request, write=False):
        return dues_list(user=request.user, write=write)

    @admin.action(description=_("Export selected dues (Excel)"))
    def export_xlsx(self, request, queryset):
        payments = list(queryset.select_related("member__org"))
        id_number = _id_number_shown(request, [p.member for p in payments])
        rows = [(f"{p.month:%Y-%m}", id_number(p.member), p.member.name, p.member.org.name, p.get_kind_display(),
                 p.income_base, p.amount_due, p.amount_paid, p.arrears, p.paid_on, p.paid_by) for p in payments]
        headers = [_("month"), _("ID-card number"), _("full name"), _("party organization"), _("kind of income"),
                   _("income base"), _("amount due"), _("amount paid"), _("arrears"), _("paid on"),
                   _("paid by someone else")]
        return _xlsx_response("dues", headers, rows, "dues.xlsx")

    def node_of(self, obj):
        return obj.member.org

    @admin.display(description=_("party organization"), ordering="member__org__path")
    def org_name(self, obj):
        return obj.member.org.name

    def get_readonly_fields(self, request, obj=None):
        return ["member", "month", "amount_due"] if obj is not None else ["amount_due"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "member":
            kwargs["queryset"] = member_list(user=request.user, write=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        def record(f):
            data = f.cleaned_data
            return services.dues_record(
                actor=request.user, member=obj.member if obj else data["member"],
                month=obj.month if obj else data["month"], kind=data["kind"], income_base=data["income_base"],
                amount_paid=data.get("amount_paid") or 0, paid_on=data.get("paid_on"),
                paid_by=data.get("paid_by") or "")

        return self._service_form(form, request, record)


# ---------------------------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------------------------


class EnrolmentInline(ReadOnlyInline):
    model = Enrolment
    fields = ["member", "hours", "quiz_score"]

    def get_queryset(self, request):
        return enrolment_list(user=request.user)


@admin.register(TrainingClass)
class TrainingClassAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Party-school classes organized in the user's area or above it (their members attend)."""

    list_display = ["name", "organizer", "starts_on", "ends_on", "planned_hours", "enrolled"]
    list_select_related = ["organizer"]
    search_fields = ["name"]
    show_full_result_count = False
    fields = ["name", "organizer", "starts_on", "ends_on", "planned_hours"]
    inlines = [EnrolmentInline]

    def scoped_queryset(self, request, write=False):
        qs = training_class_list(user=request.user)
        return qs.filter(self._scope(request).nodes_q(write=True, prefix="organizer__")) if write else qs

    def node_of(self, obj):
        return obj.organizer

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return super().has_view_permission(request)
        return training_class_list(user=request.user).filter(pk=obj.pk).exists()

    @admin.display(description=_("enrolled"), ordering="enrolled")
    def enrolled(self, obj):
        return obj.enrolled

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organizer":
            kwargs["queryset"] = org_list(user=request.user, write=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            obj._history_user = request.user
            obj.save()
            return
        saved = services.training_class_create(
            actor=request.user, organizer=obj.organizer, name=obj.name, starts_on=obj.starts_on, ends_on=obj.ends_on,
            planned_hours=obj.planned_hours)
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        pass


class EnrolmentAddForm(django_forms.ModelForm):
    class Meta:
        model = Enrolment
        fields = ["training_class", "member"]


@admin.register(Enrolment)
class EnrolmentAdmin(_ServiceFormMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Members' enrolments: sign-ins with hours (to 0.1 h) and quiz scores."""

    list_display = ["member", "training_class", "hours", "quiz_score"]
    list_select_related = ["member__org", "training_class"]
    search_fields = ["member__name", "training_class__name"]
    show_full_result_count = False
    autocomplete_fields = ["member"]
    form = EnrolmentAddForm

    def scoped_queryset(self, request, write=False):
        qs = enrolment_list(user=request.user)
        return qs.filter(self._scope(request).nodes_q(write=True, prefix="member__org__")) if write else qs

    def node_of(self, obj):
        return obj.member.org

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["training_class", "member"]
        return ["training_class", "member", "hours", "quiz_score", "what", "on", "value"]

    def get_readonly_fields(self, request, obj=None):
        return ["training_class", "member", "hours", "quiz_score"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "member":
            kwargs["queryset"] = member_list(user=request.user, write=True)
        if db_field.name == "training_class":
            kwargs["queryset"] = training_class_list(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            form = super().get_form(request, obj, **kwargs)
            return self._service_form(form, request, lambda f: services.training_enrol(
                actor=request.user, training_class=f.cleaned_data["training_class"],
                members=[f.cleaned_data["member"]]).get())
        kwargs["fields"] = []
        base = super().get_form(request, obj, **kwargs)

        class RecordForm(base):
            what = django_forms.ChoiceField(label=_("record"), choices=[("sign_in", _("Sign-in (hours)")),
                                                                       ("quiz", _("Quiz score"))])
            on = django_forms.DateField(label=_("date"), required=False,
                                        widget=django_forms.DateInput(attrs={"type": "date"}))
            value = django_forms.DecimalField(label=_("hours or score"), max_digits=4, decimal_places=1)

        def record(f):
            data = f.cleaned_data
            if data["what"] == "quiz":
                return services.training_quiz_score(actor=request.user, enrolment=obj, score=data["value"])
            if not data.get("on"):
                raise ServiceValidationError({"on": [_("Give the date of the sign-in.")]})
            return services.training_sign_in(actor=request.user, enrolment=obj, on=data["on"], hours=data["value"])

        return self._service_form(RecordForm, request, record)


# ---------------------------------------------------------------------------------------------------------------
# Duty checklist
# ---------------------------------------------------------------------------------------------------------------


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
class DutyDoneAdmin(_ServiceFormMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Checklist items ticked off by the branches (meetings tick theirs by themselves)."""

    form = DutyDoneForm
    list_display = ["org", "item", "period", "done_on", "on_time", "meeting"]
    list_filter = ["on_time", "item__frequency", StreetFilter, CommunityFilter]
    list_select_related = ["org", "item", "meeting"]
    search_fields = ["org__name", "item__name", "period"]
    show_full_result_count = False

    def scoped_queryset(self, request, write=False):
        from .selectors import resolve_scope

        return DutyDone.objects.filter(resolve_scope(request.user).nodes_q(write=write, prefix="org__"))

    def node_of(self, obj):
        return obj.org

    def get_fields(self, request, obj=None):
        return ["org", "item", "period", "done_on"] if obj is None else ["org", "item", "period", "on_time", "done_on"]

    def get_readonly_fields(self, request, obj=None):
        return ["org", "item", "period", "on_time"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "org":
            kwargs["queryset"] = org_list(user=request.user, write=True).filter(level__gte=2)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            def redate(f):
                return services.duty_redate(actor=request.user, duty=obj, done_on=f.cleaned_data["done_on"])
        else:
            def redate(f):
                data = f.cleaned_data
                return services.duty_mark_done(actor=request.user, org=data["org"], item=data["item"],
                                               done_on=data["done_on"], period=data.get("period") or None)
        return self._service_form(form, request, redate)


@admin.register(MemberImport)
class MemberImportAdmin(admin.ModelAdmin):
    """Background imports (district staff)."""

    list_display = ["created_at", "created_by", "kind", "file_name", "status", "total", "created", "updated",
                    "written"]
    list_filter = ["status", "kind"]
    list_select_related = ["created_by"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DuesReview)
class DuesReviewAdmin(admin.ModelAdmin):
    """Reviews of the communities' monthly dues (district staff)."""

    list_display = ["month", "org", "level", "members", "due", "paid", "reviewed_by", "reviewed_at"]
    list_filter = ["level"]
    list_select_related = ["org", "reviewed_by"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------------------------------------------------------
# Members on their phone: account links and online quizzes
# ---------------------------------------------------------------------------------------------------------------


class MemberAccountAddForm(django_forms.ModelForm):
    username = django_forms.CharField(label=_("user name"), max_length=150,
                                      help_text=_("The user name the member signs in with on the phone pages."))

    class Meta:
        model = MemberAccount
        fields = ["member"]


@admin.register(MemberAccount)
class MemberAccountAdmin(_ServiceFormMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    """Which user account belongs to which member record (members link themselves on the phone; staff may link
    one after checking the person, or unlink)."""

    form = MemberAccountAddForm
    list_display = ["member", "org_name", "user", "method", "linked_at", "linked_by"]
    list_filter = ["method"]
    list_select_related = ["member__org", "user", "linked_by"]
    search_fields = ["member__name", "user__username"]
    show_full_result_count = False
    autocomplete_fields = ["member"]

    def scoped_queryset(self, request, write=False):
        return member_account_list(user=request.user, write=write)

    def node_of(self, obj):
        return obj.member.org

    @admin.display(description=_("party organization"), ordering="member__org__path")
    def org_name(self, obj):
        return obj.member.org.name

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["member", "username"]
        return ["member", "org_name", "user", "method", "linked_at", "linked_by", "unlink"]

    def get_readonly_fields(self, request, obj=None):
        return ["member", "org_name", "user", "method", "linked_at", "linked_by"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "member":
            kwargs["queryset"] = member_list(user=request.user, write=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        from django.contrib.auth import get_user_model

        if obj is None:
            form = super().get_form(request, obj, **kwargs)
            return self._service_form(form, request, lambda f: services.member_account_link(
                actor=request.user, member=f.cleaned_data["member"],
                user=get_user_model().objects.filter(username=f.cleaned_data["username"].strip()).first()))
        kwargs["fields"], kwargs["form"] = [], django_forms.ModelForm
        base = super().get_form(request, obj, **kwargs)

        class UnlinkForm(base):
            unlink = django_forms.BooleanField(label=_("Unlink this account from the member record"))

        return self._service_form(UnlinkForm, request, lambda f: services.member_account_unlink(
            actor=request.user, account=obj))

    def save_model(self, request, obj, form, change):
        saved = getattr(form, "_saved", None)
        if saved is not None:  # the link the service made (the log entry names it)
            obj.pk, obj.user_id, obj.member_id, obj.method = saved.pk, saved.user_id, saved.member_id, saved.method

    def response_change(self, request, obj):
        from django.http import HttpResponseRedirect

        self.message_user(request, _("The account was unlinked from %(member)s.") % {"member": obj.member.name},
                          messages.SUCCESS)
        return HttpResponseRedirect(_reverse("admin:members_memberaccount_changelist"))

    def delete_model(self, request, obj):
        services.member_account_unlink(actor=request.user, account=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for account in queryset:
                services.member_account_unlink(actor=request.user, account=account)


CHOICE_LETTERS = "ABCD"


class QuestionForm(django_forms.ModelForm):
    """A question with its (up to four) choices and which one is correct, edited on one line."""

    choice_a = django_forms.CharField(label=_("choice A"), max_length=200, required=False)
    choice_b = django_forms.CharField(label=_("choice B"), max_length=200, required=False)
    choice_c = django_forms.CharField(label=_("choice C"), max_length=200, required=False)
    choice_d = django_forms.CharField(label=_("choice D"), max_length=200, required=False)
    correct = django_forms.ChoiceField(label=_("correct choice"), required=False,
                                       choices=[("", "—")] + [(c, c) for c in CHOICE_LETTERS])

    class Meta:
        model = Question
        fields = ["order", "text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for letter, choice in zip(CHOICE_LETTERS, self.instance.choices.all()):
                self.initial[f"choice_{letter.lower()}"] = choice.text
                if choice.correct:
                    self.initial["correct"] = letter

    def question_data(self):
        data = self.cleaned_data
        return {"text": data.get("text") or "", "order": data.get("order"),
                "choices": [(data.get(f"choice_{letter.lower()}") or "", data.get("correct") == letter)
                            for letter in CHOICE_LETTERS]}


class QuestionFormSet(django_forms.BaseInlineFormSet):
    locked = False

    def clean(self):
        super().clean()
        self.questions_data = None
        if self.locked or any(self.errors):
            return
        data = [form.question_data() for form in self.forms
                if form.cleaned_data and not self._should_delete_form(form)]
        try:
            services.quiz_check_questions(data)
        except ServiceValidationError as exc:
            raise django_forms.ValidationError(exc.messages) from None
        self.questions_data = data


class QuestionInline(admin.TabularInline):
    """The quiz's questions; fixed (read-only) once a member has made an attempt."""

    model = Question
    form = QuestionForm
    formset = QuestionFormSet
    extra = 3

    def _locked(self, obj):
        if obj is None:
            return False
        if not hasattr(obj, "_questions_locked"):  # asked by several admin hooks in one request
            obj._questions_locked = obj.attempts.exists()
        return obj._questions_locked

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("choices")

    def get_fields(self, request, obj=None):
        if self._locked(obj):
            return ["order", "text", "choices_display"]
        return ["order", "text", "choice_a", "choice_b", "choice_c", "choice_d", "correct"]

    def get_readonly_fields(self, request, obj=None):
        return ["order", "text", "choices_display"] if self._locked(obj) else []

    @admin.display(description=_("choices"))
    def choices_display(self, obj):
        return " / ".join(f"{letter}. {c.text}{' ✓' if c.correct else ''}"
                          for letter, c in zip(CHOICE_LETTERS, obj.choices.all()))

    def get_formset(self, request, obj=None, **kwargs):
        locked = self._locked(obj)
        if locked:
            kwargs["form"] = django_forms.ModelForm
        formset = super().get_formset(request, obj, **kwargs)
        formset.locked = locked
        return formset

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj is not None else self.extra

    def has_view_permission(self, request, obj=None):
        return True  # the quiz's own admin has already decided who sees the quiz

    def has_add_permission(self, request, obj=None):
        return not self._locked(obj)

    def has_change_permission(self, request, obj=None):
        return not self._locked(obj)

    def has_delete_permission(self, request, obj=None):
        return not self._locked(obj)


@admin.register(Quiz)
class QuizAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Online quizzes of party-school classes, built by the class organizer's area: single-choice questions,
    open for a window; members take them on their phone and the server scores them."""

    list_display = ["title", "training_class", "opens_at", "closes_at", "attempts_allowed", "pass_mark",
                    "question_count", "attempt_count"]
    list_select_related = ["training_class__organizer"]
    search_fields = ["title", "training_class__name"]
    show_full_result_count = False
    fields = ["training_class", "title", "opens_at", "closes_at", "attempts_allowed", "pass_mark"]
    inlines = [QuestionInline]

    def scoped_queryset(self, request, write=False):
        return quiz_list(user=request.user, write=write)

    def node_of(self, obj):
        return obj.training_class.organizer

    @admin.display(description=_("questions"), ordering="question_count")
    def question_count(self, obj):
        return obj.question_count

    @admin.display(description=_("attempts"), ordering="attempt_count")
    def attempt_count(self, obj):
        return obj.attempt_count

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "training_class":
            kwargs["queryset"] = training_class_list(user=request.user).filter(
                self._scope(request).nodes_q(write=True, prefix="organizer__"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["training_class"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        # Attempts count towards enrolments' scores: a quiz taken by anyone stays.
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.attempts.exists())

    def save_model(self, request, obj, form, change):
        pass  # saved with its questions in save_related, through the service

    def save_related(self, request, form, formsets, change):
        questions = next((fs.questions_data for fs in formsets if isinstance(fs, QuestionFormSet)), None)
        services.quiz_save(actor=request.user, quiz=form.instance, questions=questions)
        for formset in formsets:  # written by the service, not formset.save(): nothing for the change message
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request, obj):
        obj._history_user = request.user
        super().delete_model(request, obj)


@admin.register(QuizAttempt)
class QuizAttemptAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Members' quiz attempts with their scores, for the secretaries of their area (read-only: the server scored
    them when the member submitted)."""

    list_display = ["submitted_at", "member_name", "org_name", "quiz", "number", "score", "passed"]
    search_fields = ["enrolment__member__name", "quiz__title"]
    show_full_result_count = False
    date_hierarchy = "submitted_at"
    ordering = ["-submitted_at", "-pk"]
    fields = ["quiz", "member_name", "org_name", "number", "score", "passed", "submitted_at"]
    readonly_fields = fields

    def scoped_queryset(self, request, write=False):
        return quiz_attempt_list(user=request.user)

    def node_of(self, obj):
        return obj.enrolment.member.org

    @admin.display(description=_("party member"), ordering="enrolment__member__name")
    def member_name(self, obj):
        return obj.enrolment.member.name

    @admin.display(description=_("party organization"), ordering="enrolment__member__org__path")
    def org_name(self, obj):
        return obj.enrolment.member.org.name

    @admin.display(description=_("Passed"), boolean=True)
    def passed(self, obj):
        return obj.score >= obj.quiz.pass_mark

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Nobody may change an attempt, so Django would answer a foreign one's POST with 403 and so confirm it
        # exists: look it up in the user's scope first (404).
        self._require_in_scope(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
