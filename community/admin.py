"""Admin pages of the coverage and community records, for district staff and secretaries.

Every page is cut by the one scope (accounts.admin_scoping): lists come from the app's selectors, a
foreign record's URL answers 404, and saves go through community.services. List pages run a fixed number
of queries whatever the number of rows (tests/community/test_admin.py pins them).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.admin_scoping import ScopedAdminMixin
from grids.models import Level
from grids.selectors import org_list, under_visible_node
from jinshui.errors import PermissionDenied, ValidationError

from . import selectors, services
from .models import (
    Instructor,
    JointMeeting,
    Pairing,
    RedHome,
    ResidentIssue,
    ResidentUnit,
    ServiceStation,
    StarRating,
    TwoNewOrg,
    VillageVisit,
    WeakOrgFlag,
)


class StreetFilter(admin.SimpleListFilter):
    title = _("street")
    parameter_name = "street"

    def lookups(self, request, model_admin):
        return [(str(n.pk), n.name) for n in org_list(user=request.user).streets().order_by("code")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return under_visible_node(queryset, user=request.user, pk=self.value(), prefix="node__", level=Level.STREET)


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
        except PermissionDenied as exc:
            self.add_error("node", str(exc) or _("This organization is outside your area."))
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
            for field, messages in errors.items():
                self.add_error(field if field in self.fields else None, messages)


class RecordAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Base of every page here: scoped by the record's organization (`node`)."""

    form = RecordForm
    selector = None  # a function (*, user, write=False) -> queryset
    list_per_page = 50
    show_full_result_count = False
    autocomplete_fields = ["node"]
    list_filter = [StreetFilter]

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

    @admin.action(description=_("Move the selected issues to their next step"))
    def advance(self, request, queryset):
        done = 0
        for issue in queryset.select_related("node"):
            try:
                services.issue_advance(actor=request.user, issue=issue, resolution=issue.resolution)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{issue}: {'; '.join(getattr(exc, 'messages', [str(exc)]))}",
                                  level="warning")
        if done:
            self.message_user(request, _("%(count)d issues moved on.") % {"count": done})


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
