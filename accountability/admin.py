"""Admin of accountability. Configuration (standing-committee members and their contact points) is kept by district
staff here; the year's cycles and the stored evaluation are read-only lists (their writes are the pages' services);
committees are a scoped read-only list (accounts.admin_scoping); the reserve-cadre pool here is the district's whole
pool (the streets keep their own on the pages)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scoping import HistoryWriteGuardMixin, ScopedAdminMixin
from accounts.scopes import keeps_unit_records
from core.errors import PermissionDenied
from grids.admin_filters import tree_filter

from . import selectors
from .models import (
    Committee,
    CommitteeMember,
    ContactPoint,
    DutyCycle,
    EvaluationRow,
    ReserveCadre,
    StandingMember,
)


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    extra = 0
    raw_id_fields = ["org"]


@admin.register(StandingMember)
class StandingMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "post", "active"]
    list_filter = ["active"]
    inlines = [ContactPointInline]


@admin.register(DutyCycle)
class DutyCycleAdmin(HistoryWriteGuardMixin, ReadOnly, SimpleHistoryAdmin):
    list_display = ["year", "level", "status", "due_on", "published_at"]
    list_filter = ["year", "level", "status"]


@admin.register(EvaluationRow)
class EvaluationRowAdmin(HistoryWriteGuardMixin, ReadOnly, SimpleHistoryAdmin):
    list_display = ["year", "level", "unit_code", "unit_name", "computed_score", "adjustment", "score", "rank",
                    "grade"]
    list_filter = ["year", "level", "grade"]
    search_fields = ["unit_code", "unit_name"]
    list_select_related = ["evaluation"]
    show_full_result_count = False


class CommitteeMemberInline(admin.TabularInline):
    model = CommitteeMember
    extra = 0
    fields = ["name", "post", "phone"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Committee)
class CommitteeAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Committees in the user's area (read here; recorded through the committee pages' services)."""

    list_display = ["org", "term_start", "term_years", "term_end", "ended_on"]
    list_filter = [tree_filter(1, prefix="org__"), "term_years"]
    list_select_related = ["org"]
    search_fields = ["org__name", "=org__code"]
    inlines = [CommitteeMemberInline]
    readonly_fields = ["org", "term_start", "term_years", "term_end", "ended_on"]
    show_full_result_count = False

    def scoped_queryset(self, request, write=False):
        return selectors.committees(user=request.user, current=False)

    def node_of(self, obj):
        return obj.org

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is not None:
            self._require_in_scope(request, object_id)  # a foreign committee is 404, even for a write
        return super().changeform_view(request, object_id, form_url, extra_context)


@admin.register(ReserveCadre)
class ReserveCadreAdmin(HistoryWriteGuardMixin, SimpleHistoryAdmin):
    """The whole district's reserve-cadre pool (district staff; the streets keep theirs on the pages)."""

    list_display = ["name", "street", "gender", "birth_date", "education", "source", "status"]
    list_filter = [tree_filter(1, prefix="street__"), "source", "status", "education"]
    list_select_related = ["street"]
    search_fields = ["name"]
    raw_id_fields = ["street"]
    list_per_page = 50
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if obj.street.level != 1 or not keeps_unit_records(request.user, obj.street):
            raise PermissionDenied(_("This organization is outside your area."))
        obj._history_user = request.user
        obj.save()
