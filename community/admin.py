"""Admin pages of the coverage and community records, for district staff and secretaries.

Every page is cut by the one scope (accounts.admin_scoping): lists come from the app's selectors, a
foreign record's URL answers 404, and saves go through community.services. List pages run a fixed number
of queries whatever the number of rows (tests/community/test_admin.py pins them).
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.widgets import AdminDateWidget
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scoping import ScopedAdminMixin
from core.admin_actions import BulkActionMixin
from core.dates import BoundedDateField
from core.downloads import csv_download, xlsx_download
from core.errors import PermissionDenied, ValidationError
from core.forms import add_service_error
from grids.admin_filters import tree_filter
from grids.models import Level

from . import selectors, services
from .models import (
    DuesRefund,
    Instructor,
    JointMeeting,
    Pairing,
    RedHome,
    RefundStatus,
    ResidentIssue,
    ResidentUnit,
    ServiceStation,
    StarRating,
    TwoNewOrg,
    VillageVisit,
    WeakOrgFlag,
)


#: The street a record's organization lies in (?street=<pk>).
StreetFilter = tree_filter(Level.STREET, prefix="node__")
#: The street a refund's two-new organization lies in (same parameter).
RefundStreetFilter = tree_filter(Level.STREET, prefix="org__node__")

OUTSIDE_YOUR_AREA = _("This organization is outside your area.")


class RecordForm(forms.ModelForm):
    """Runs the service's scope and level checks while validating, so that a refusal is a form error."""

    actor = None

    def _post_clean(self):
        super()._post_clean()
        if self.instance.node_id is None:
            return
        original = None
        if self.instance.pk:
            original = type(self.instance).objects.select_related("node").get(pk=self.instance.pk).node
        try:
            services.record_check(actor=self.actor, obj=self.instance, original_node=original)
        except (PermissionDenied, ValidationError) as exc:
            add_service_error(self, exc, permission_field="node", permission_message=OUTSIDE_YOUR_AREA)


class RecordAdmin(BulkActionMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Base of every page here: scoped by the record's organization (`node`)."""

    form = RecordForm
    selector = None  # a function (*, user, write=False) -> queryset
    list_per_page = 50
    show_full_result_count = False
    autocomplete_fields = ["node"]
    list_filter = [StreetFilter]
    bulk_select_related = ("node",)

    def scoped_queryset(self, request, write=False):
        return type(self).selector(user=request.user, write=write)

    def node_of(self, obj):
        return obj.node

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        for name in self.autocomplete_fields:
            widget = form.base_fields[name].widget if name in form.base_fields else None
            if widget is not None:
                widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
                widget.can_view_related = False
        return form

    def save_model(self, request, obj, form, change):
        original = type(obj).objects.get(pk=obj.pk).node if change else None
        services.record_save(actor=request.user, obj=obj, original_node=original)

    def delete_model(self, request, obj):
        services.record_delete(actor=request.user, obj=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset.select_related("node"):
                services.record_delete(actor=request.user, obj=obj)

    @admin.display(description=_("party organization"), ordering="node__path")
    def node_name(self, obj):
        return obj.node.name


@admin.register(Instructor)
class InstructorAdmin(RecordAdmin):
    selector = selectors.instructor_list
    list_display = ["name", "node_name", "full_time", "appointed_on", "organizations_count"]
    list_filter = [StreetFilter, "full_time"]
    search_fields = ["name", "=phone"]

    @admin.display(description=_("organizations guided"), ordering="organizations_count")
    def organizations_count(self, obj):
        return obj.organizations_count


class RuleFilter(admin.SimpleListFilter):
    title = _("must form its own organization")
    parameter_name = "rule_broken"

    def lookups(self, request, model_admin):
        return [("1", _("Yes, not formed yet")), ("0", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(selectors.RULE_BROKEN)
        if self.value() == "0":
            return queryset.exclude(selectors.RULE_BROKEN)
        return queryset


@admin.register(TwoNewOrg)
class TwoNewOrgAdmin(RecordAdmin):
    selector = selectors.two_new_org_list
    list_display = ["name", "kind", "node_name", "party_members", "coverage", "rule_flag", "instructor"]
    list_filter = [StreetFilter, "kind", "coverage", RuleFilter]
    search_fields = ["name", "=credit_code"]
    autocomplete_fields = ["node", "instructor"]
    fieldsets = [
        (None, {"fields": ["kind", "name", "credit_code", "registered_on", "address", "node"]}),
        (_("Party building"), {"fields": ["employees", "party_members", "coverage", "instructor"]}),
    ]

    @admin.display(description=_("3+ members rule met"), boolean=True, ordering="rule_broken")
    def rule_flag(self, obj):
        # A red cross when the rule is broken: 3 or more party members and no organization of its own.
        return not obj.rule_broken


@admin.register(ServiceStation)
class ServiceStationAdmin(RecordAdmin):
    selector = selectors.station_list
    list_display = ["name", "kind", "node_name", "host", "enterprises_covered", "opened_on"]
    list_filter = [StreetFilter, "kind"]
    search_fields = ["name"]
    autocomplete_fields = ["node", "host"]


@admin.register(RedHome)
class RedHomeAdmin(RecordAdmin):
    selector = selectors.red_home_list
    list_display = ["name", "node_name", "area_m2", "opened_on"]
    list_filter = []
    search_fields = ["name"]
    add_level = 1  # a red home belongs to a street: only those above a street (district staff) add one


@admin.register(ResidentUnit)
class ResidentUnitAdmin(RecordAdmin):
    selector = selectors.unit_list
    list_display = ["name", "node_name", "party_organization", "contact"]
    search_fields = ["name"]


@admin.register(Pairing)
class PairingAdmin(RecordAdmin):
    selector = selectors.pairing_list
    list_display = ["unit", "node_name", "started_on", "ended_on"]
    search_fields = ["unit__name"]
    autocomplete_fields = ["node", "unit"]


@admin.register(JointMeeting)
class JointMeetingAdmin(RecordAdmin):
    selector = selectors.meeting_list
    list_display = ["held_on", "topic", "node_name", "units_attending", "problems_raised", "problems_resolved",
                    "agreements_signed", "joint_services"]
    search_fields = ["topic"]


@admin.register(ResidentIssue)
class ResidentIssueAdmin(RecordAdmin):
    selector = selectors.issue_list
    list_display = ["title", "category", "node_name", "raised_on", "stage", "resolved_on"]
    list_filter = [StreetFilter, "stage", "category"]
    search_fields = ["title"]
    readonly_fields = ["stage", "resolved_on"]
    actions = ["advance"]

    @admin.action(description=_("Move the selected issues to their next step"), permissions=["change"])
    def advance(self, request, queryset):
        self.run_bulk(request, queryset, lambda issue: services.issue_advance(
            actor=request.user, issue=issue, resolution=issue.resolution), gettext("%(count)d issues moved on."))


@admin.register(VillageVisit)
class VillageVisitAdmin(RecordAdmin):
    selector = selectors.visit_list
    list_display = ["visited_on", "visitor", "matter", "node_name", "outcome", "completed_on"]
    list_filter = [StreetFilter, "outcome"]
    search_fields = ["visitor", "matter"]


@admin.register(StarRating)
class StarRatingAdmin(RecordAdmin):
    selector = selectors.rating_list
    list_display = ["node_name", "stars_display", "rated_on", "note", "rated_by"]
    list_filter = [StreetFilter, "stars"]
    search_fields = ["node__name", "=node__code"]
    exclude = ["rated_by"]

    @admin.display(description=_("stars"), ordering="stars")
    def stars_display(self, obj):
        return "★" * obj.stars

    def save_model(self, request, obj, form, change):
        if not change:
            obj.rated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(WeakOrgFlag)
class WeakOrgFlagAdmin(RecordAdmin):
    selector = selectors.weak_flag_list
    list_display = ["node_name", "flagged_on", "first_secretary", "deadline", "closed_on"]
    list_filter = [StreetFilter, ("closed_on", admin.EmptyFieldListFilter)]
    search_fields = ["node__name", "first_secretary"]


# --- party dues refunded to two-new organizations -----------------------------------------------


class RefundActionForm(ActionForm):
    """The list's action bar: what sending back and recording a payment need."""

    reason = forms.CharField(label=_("reason for sending back"), required=False, max_length=500)
    paid_on = BoundedDateField(label=_("refund paid on"), required=False, widget=AdminDateWidget)
    voucher_number = forms.CharField(label=_("voucher number"), required=False, max_length=50)


def _yuan(amount):
    return f"¥{amount:,.2f}"


@admin.register(DuesRefund)
class DuesRefundAdmin(BulkActionMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    """Party dues returned to two-new organizations: the community proposes (add), the street approves or sends
    back, the district records the payment (list actions or the refund's page). Every write is a service call;
    a refusal is a message or a form error."""

    list_display = ["org", "node_name", "year", "dues_collected", "amount", "status", "proposed_by",
                    "reviewed_by", "paid_on", "voucher_number"]
    list_filter = ["year", "status", RefundStreetFilter]
    search_fields = ["org__name", "=org__credit_code", "=voucher_number"]
    list_per_page = 50
    show_full_result_count = False
    autocomplete_fields = ["org"]
    action_form = RefundActionForm
    bulk_select_related = ("org__node",)
    actions = ["approve", "send_back", "record_payment", "export_csv", "export_xlsx"]
    add_level = 3  # proposed by a community (or a street, or the district), not by a grid
    add_fields = ["org", "year", "dues_collected", "amount", "purpose"]
    shown_fields = ["org", "year", "dues_collected", "amount", "purpose", "status", "proposed_by", "proposed_at",
                    "reviewed_by", "reviewed_at", "return_reason", "paid_by", "payment_recorded_at", "paid_on",
                    "voucher_number"]

    def scoped_queryset(self, request, write=False):
        return selectors.dues_refund_list(user=request.user, write=write)

    def node_of(self, obj):
        return obj.org.node

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status in (RefundStatus.PAID, RefundStatus.RETURNED):
            return False  # done: its page only shows it
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # a refund is never deleted: sent back, it stays on file

    @admin.display(description=_("party organization"), ordering="org__node__path")
    def node_name(self, obj):
        return obj.org.node.name

    def get_changeform_initial_data(self, request):
        from django.utils import timezone

        return {"year": timezone.localdate().year, **super().get_changeform_initial_data(request)}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "org":
            kwargs["queryset"] = selectors.two_new_org_list(user=request.user, write=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # --- the pages ---

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.add_fields
        fields = list(self.shown_fields)
        if obj.status in (RefundStatus.PROPOSED, RefundStatus.APPROVED):
            fields += ["decision", "decision_reason", "decision_paid_on", "decision_voucher_number"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.shown_fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            form = super().get_form(request, obj, **kwargs)
            org = form.base_fields.get("org")
            if org is not None:
                org.widget.can_add_related = org.widget.can_change_related = False
                org.widget.can_delete_related = org.widget.can_view_related = False

            class ProposeForm(form):
                def _post_clean(self):
                    # No model validation here: the service checks every rule (the constraints' own messages
                    # would name the constraint) and says so in the user's words.
                    if self.errors:
                        return
                    data = self.cleaned_data
                    try:
                        self._saved = services.dues_refund_propose(
                            actor=request.user, org=data["org"], year=data["year"],
                            dues_collected=data["dues_collected"], amount=data["amount"], purpose=data["purpose"])
                    except (ValidationError, PermissionDenied) as exc:
                        add_service_error(self, exc, permission_message=OUTSIDE_YOUR_AREA)

            return ProposeForm

        kwargs["fields"] = []
        base = super().get_form(request, obj, **kwargs)
        if obj.status == RefundStatus.PROPOSED:
            choices = [("approve", _("Approve (street)")), ("send_back", _("Send back to the community"))]
        else:
            choices = [("pay", _("Record the payment (district)"))]

        class DecisionForm(base):
            decision = forms.ChoiceField(label=_("decision"), choices=choices)
            decision_reason = forms.CharField(label=_("reason for sending back"), required=False,
                                              widget=forms.Textarea(attrs={"rows": 3}))
            decision_paid_on = BoundedDateField(label=_("refund paid on"), required=False, widget=AdminDateWidget)
            decision_voucher_number = forms.CharField(label=_("voucher number"), required=False, max_length=50)

            def _post_clean(self):
                super()._post_clean()
                if self.errors or obj.status not in (RefundStatus.PROPOSED, RefundStatus.APPROVED):
                    return
                data = self.cleaned_data
                try:
                    if data["decision"] == "approve":
                        services.dues_refund_approve(actor=request.user, refund=obj)
                    elif data["decision"] == "send_back":
                        services.dues_refund_send_back(actor=request.user, refund=obj,
                                                       reason=data.get("decision_reason", ""))
                    else:
                        services.dues_refund_record_payment(
                            actor=request.user, refund=obj, paid_on=data.get("decision_paid_on"),
                            voucher_number=data.get("decision_voucher_number", ""))
                except (ValidationError, PermissionDenied) as exc:
                    add_service_error(self, exc, permission_message=OUTSIDE_YOUR_AREA, renames={
                        "return_reason": "decision_reason", "paid_on": "decision_paid_on",
                        "voucher_number": "decision_voucher_number"})

        return DecisionForm

    def save_model(self, request, obj, form, change):
        saved = getattr(form, "_saved", None)
        if saved is not None:
            for field in saved._meta.concrete_fields:
                setattr(obj, field.attname, getattr(saved, field.attname))
        # A decision was written by the service while the form validated.

    def save_related(self, request, form, formsets, change):
        pass

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = getattr(response, "context_data", {}).get("cl") if hasattr(response, "context_data") else None
        if cl is not None:
            response.context_data["refund_totals"] = [
                gettext("%(year)s: %(paid)s refunds paid, %(paid_amount)s; %(pending)s in progress, "
                        "%(pending_amount)s")
                % {"year": row["year"], "paid": row["paid"], "paid_amount": _yuan(row["paid_amount"]),
                   "pending": row["pending"], "pending_amount": _yuan(row["pending_amount"])}
                for row in selectors.dues_refund_year_totals(cl.queryset)
            ]
        return response

    # --- the list's actions ---

    def _action_data(self, request):
        form = self.action_form(request.POST)
        form.fields["action"].choices = self.get_action_choices(request)
        return form.cleaned_data if form.is_valid() else {}

    @admin.action(description=_("Approve the selected refunds (street)"), permissions=["change"])
    def approve(self, request, queryset):
        self.run_bulk(request, queryset, lambda r: services.dues_refund_approve(actor=request.user, refund=r),
                   gettext("%(count)s refunds approved."))

    @admin.action(description=_("Send the selected refunds back to the community (give the reason)"),
                  permissions=["change"])
    def send_back(self, request, queryset):
        reason = self._action_data(request).get("reason", "")
        self.run_bulk(request, queryset,
                   lambda r: services.dues_refund_send_back(actor=request.user, refund=r, reason=reason),
                   gettext("%(count)s refunds sent back."))

    @admin.action(description=_("Record the payment of the selected refunds (district; give the date and the "
                                "voucher number)"), permissions=["change"])
    def record_payment(self, request, queryset):
        data = self._action_data(request)
        self.run_bulk(request, queryset, lambda r: services.dues_refund_record_payment(
            actor=request.user, refund=r, paid_on=data.get("paid_on"), voucher_number=data.get("voucher_number", "")),
            gettext("%(count)s refund payments recorded."))

    @admin.action(description=_("Export the selected refunds (CSV)"))
    def export_csv(self, request, queryset):
        return csv_download(services.dues_refund_export(actor=request.user, queryset=queryset), "dues-refunds.csv")

    @admin.action(description=_("Export the selected refunds (Excel)"))
    def export_xlsx(self, request, queryset):
        return xlsx_download(services.dues_refund_export(actor=request.user, queryset=queryset, file_format="xlsx"),
                             "dues-refunds.xlsx")
