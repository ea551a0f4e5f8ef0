"""The service centers in the browser admin, for district staff only (model permissions from
accounts.backends; center staff work on their own center through the phone staff pages)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scoping import HistoryWriteGuardMixin
from .models import (
    Booking,
    BookingSeries,
    ClosedDay,
    OpeningHours,
    PartnerEvaluation,
    PartnerOrganization,
    Room,
    RoomBlock,
    ServiceCenter,
    WaitlistEntry,
)


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosedDayInline(admin.TabularInline):
    model = ClosedDay
    extra = 0


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0
    fields = ["kind", "name", "capacity", "bookable", "needs_approval", "min_minutes", "max_minutes",
              "max_days_ahead"]


@admin.register(ServiceCenter)
class ServiceCenterAdmin(HistoryWriteGuardMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "street", "node", "floor_area", "opened_on"]
    search_fields = ["code", "name", "address"]
    list_select_related = ["street", "node"]
    autocomplete_fields = ["street", "node"]
    inlines = [OpeningHoursInline, ClosedDayInline, RoomInline]


@admin.register(Room)
class RoomAdmin(HistoryWriteGuardMixin, SimpleHistoryAdmin):
    list_display = ["name", "center", "kind", "capacity", "bookable", "needs_approval"]
    list_filter = ["kind", "bookable", "needs_approval"]
    search_fields = ["name", "center__name", "center__code"]
    list_select_related = ["center"]
    show_full_result_count = False


@admin.register(Booking)
class BookingAdmin(HistoryWriteGuardMixin, SimpleHistoryAdmin):
    list_display = ["code", "start", "end", "room", "resident", "attendees", "status"]
    list_filter = ["status", "room__kind"]
    search_fields = ["=code", "resident__username", "resident__first_name", "room__name", "room__center__name",
                     "purpose"]
    list_select_related = ["room__center", "resident"]
    raw_id_fields = ["room", "resident", "series", "decided_by"]
    date_hierarchy = "start"
    show_full_result_count = False
    readonly_fields = ["code", "created_at"]


@admin.register(BookingSeries)
class BookingSeriesAdmin(admin.ModelAdmin):
    list_display = ["room", "resident", "first_start", "weeks", "on_clash"]
    list_select_related = ["room__center", "resident"]
    raw_id_fields = ["room", "resident"]


@admin.register(RoomBlock)
class RoomBlockAdmin(admin.ModelAdmin):
    list_display = ["room", "start", "end", "reason", "created_by"]
    list_select_related = ["room__center", "created_by"]
    raw_id_fields = ["room", "created_by"]


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = ["room", "resident", "start", "end", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["room__center", "resident"]
    raw_id_fields = ["room", "resident"]


class PartnerEvaluationInline(admin.TabularInline):
    model = PartnerEvaluation
    extra = 0


@admin.register(PartnerOrganization)
class PartnerOrganizationAdmin(HistoryWriteGuardMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "center", "social_workers", "admitted_on", "exited_on"]
    list_filter = ["kind"]
    search_fields = ["name", "center__name"]
    list_select_related = ["center"]
    inlines = [PartnerEvaluationInline]


@admin.register(PartnerEvaluation)
class PartnerEvaluationAdmin(admin.ModelAdmin):
    list_display = ["partner", "year", "evaluator", "score", "outcome"]
    list_filter = ["year", "outcome"]
    list_select_related = ["partner__center"]
