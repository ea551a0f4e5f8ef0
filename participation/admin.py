"""Residents taking part in the browser admin, cut to the user's scope (accounts.admin_scoping): a secretary sees
their communities' requests, teams, resources, needs and matches; another's answers 404. Changes go through the
services (the phone pages and the API are where requests are handled step by step)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scoping import HistoryWriteGuardMixin, ScopedAdminMixin
from accounts.scopes import resolve_scope

from . import selectors
from .models import (
    Activity,
    Match,
    Need,
    RequestStep,
    ResidentProfile,
    ResidentRequest,
    Resource,
    TeamMembership,
    VolunteerTeam,
)


class RequestStepInline(admin.TabularInline):
    model = RequestStep
    extra = 0
    can_delete = False
    fields = ["at", "status", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ReadOnlyScopedAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Scoped lists and detail pages; records are written through the services, not edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A foreign record's URL is 404 whatever the method: its existence is private.
        if object_id is not None:
            self._require_in_scope(request, object_id)
        return super().changeform_view(request, object_id, form_url, extra_context)


@admin.register(ResidentRequest)
class ResidentRequestAdmin(ReadOnlyScopedAdmin):
    list_display = ["created_at", "title", "kind", "service", "community", "status", "due_on", "rating"]
    list_filter = ["status", "kind", "service"]
    search_fields = ["title", "body"]
    list_select_related = ["community", "resident"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [RequestStepInline]
    exclude = []

    def scoped_queryset(self, request, write=False):
        return selectors.request_list(user=request.user).filter(
            resolve_scope(request.user).nodes_q(prefix="community__"))

    def node_of(self, obj):
        return obj.community


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "kind", "node", "leader", "founded_on", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    list_select_related = ["node", "leader"]

    def scoped_queryset(self, request, write=False):
        return VolunteerTeam.objects.filter(resolve_scope(request.user).nodes_q(write=write, prefix="node__"))

    def node_of(self, obj):
        return obj.node


@admin.register(TeamMembership)
class TeamMembershipAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "team", "joined_on", "left_on"]
    list_select_related = ["team"]

    def scoped_queryset(self, request, write=False):
        return TeamMembership.objects.filter(resolve_scope(request.user).nodes_q(write=write, prefix="team__node__"))

    def node_of(self, obj):
        return obj.team.node


@admin.register(Resource)
class ResourceAdmin(ReadOnlyScopedAdmin):
    list_display = ["title", "kind", "node", "unit", "partner", "available"]
    list_filter = ["kind", "available"]
    list_select_related = ["node", "unit", "partner"]

    def scoped_queryset(self, request, write=False):
        return selectors.resource_list(user=request.user)

    def node_of(self, obj):
        return obj.node


@admin.register(Need)
class NeedAdmin(ReadOnlyScopedAdmin):
    list_display = ["title", "kind", "node", "status", "posted_on"]
    list_filter = ["kind", "status"]
    list_select_related = ["node"]

    def scoped_queryset(self, request, write=False):
        return selectors.need_list(user=request.user)

    def node_of(self, obj):
        return obj.node


@admin.register(Match)
class MatchAdmin(ReadOnlyScopedAdmin):
    list_display = ["need", "resource", "distance", "status", "proposed_on", "agreed_on", "done_on"]
    list_filter = ["status"]
    list_select_related = ["need__node", "resource__node"]

    def scoped_queryset(self, request, write=False):
        return selectors.match_list(user=request.user)

    def node_of(self, obj):
        return obj.need.node


@admin.register(Activity)
class ActivityAdmin(HistoryWriteGuardMixin, SimpleHistoryAdmin):
    """District staff only (model permissions from accounts.backends); center staff publish on the phone."""

    list_display = ["starts_at", "title", "kind", "center", "capacity", "signed_up", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "center__name"]
    list_select_related = ["center"]
    readonly_fields = ["signed_up"]
    raw_id_fields = ["room", "team", "created_by"]


@admin.register(ResidentProfile)
class ResidentProfileAdmin(HistoryWriteGuardMixin, SimpleHistoryAdmin):
    """District staff change a resident's community here (residents choose it once on the phone)."""

    list_display = ["user", "community", "chosen_at"]
    list_select_related = ["user", "community"]
    raw_id_fields = ["user", "community"]
    search_fields = ["user__username"]
