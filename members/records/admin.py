"""The admin of member records, who saw them in full, and the political-birthday greetings sent."""

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scoping import ScopedAdminMixin
from core.downloads import csv_download, xlsx_download
from grids.selectors import org_list
from members.admin_parts import CommunityFilter, StreetFilter, SubtreeFilter

from .forms import MemberForm
from .masking import PERSONAL_FIELDS
from .models import BirthdayGreeting, Member, PersonalDataReveal, RegistrationConflict
from .selectors import member_list, member_search_extra
from .services import member_create, member_delete, member_export, member_reveal, member_update


@admin.register(Member)
class MemberAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    form = MemberForm
    list_display = [
        "name", "gender", "masked_id_number_display", "masked_phone_display", "org_name",
        "status", "category", "joined_on",
    ]
    list_filter = [StreetFilter, CommunityFilter, SubtreeFilter, "status", "category", "gender"]
    search_fields = ["name", "=id_number", "=phone", "org__name", "=org__code"]
    private_search_fields = ("id_number", "phone")
    masked_fields = PERSONAL_FIELDS
    list_select_related = ["org__parent__parent"]
    list_per_page = 50
    show_full_result_count = False
    autocomplete_fields = ["org"]
    date_hierarchy = None
    fieldsets = [
        (None, {"fields": ["name", "gender", "ethnicity", "id_number", "birth_date", "phone", "education"]}),
        (_("Party membership"), {"fields": ["org", "joined_on", "full_member_on", "status", "category"]}),
    ]

    actions = ["export_masked_csv", "export_masked_xlsx", "delete_selected"]

    class Media:
        # Fills the date of birth and the gender from a whole ID-card number as it is typed (the service reads and
        # checks them again on save).
        js = ["members/member_form.js"]

    def scoped_queryset(self, request, write=False):
        # The branch's community too (its label); the admin adds list_select_related only when nothing is.
        return member_list(user=request.user, write=write).select_related("org__parent__parent")

    @admin.action(description=_("Export selected members (CSV, ID numbers and phones masked)"))
    def export_masked_csv(self, request, queryset):
        return csv_download(member_export(actor=request.user, queryset=queryset), "members.csv")

    @admin.action(description=_("Export selected members (Excel, ID numbers and phones masked)"))
    def export_masked_xlsx(self, request, queryset):
        return xlsx_download(member_export(actor=request.user, queryset=queryset, file_format="xlsx"),
                             "members.xlsx")

    def node_of(self, obj):
        return obj.org

    def get_search_results(self, request, queryset, search_term):
        # Besides name, organization and a full number: a community's whole subtree, and part of an ID-card
        # number or phone among the members the user may change (member_search_extra).
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found = found | queryset.filter(pk__in=member_search_extra(user=request.user, term=search_term))
        return found, may_have_duplicates

    @admin.display(description=_("party organization"), ordering="org__path")
    def org_name(self, obj):
        return obj.org.label  # "龙子湖社区 · 第二网格": the community read with the row (list_select_related)

    @admin.display(description=_("ID-card number"))
    def masked_id_number_display(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("phone"))
    def masked_phone_display(self, obj):
        return obj.masked_phone

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.shows_in_full(request, obj):
            return ["masked_id_number_display", "masked_phone_display"]
        return []

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.shows_in_full(request, obj):
            # Masked, and without the date of birth: it is digits 7–14 of the ID-card number.
            swap = {"id_number": "masked_id_number_display", "phone": "masked_phone_display"}
            return [(name, {**opts, "fields": [swap.get(f, f) for f in opts["fields"] if f != "birth_date"]})
                    for name, opts in fieldsets]
        return fieldsets

    def get_form(self, request, obj=None, **kwargs):
        form = type("MemberForm", (super().get_form(request, obj, **kwargs),), {"actor": request.user})
        org = form.base_fields.get("org")
        if org is not None:
            # Organizations are kept in their own pages; no "+" or pencil next to the member's organization.
            org.widget.can_add_related = org.widget.can_change_related = org.widget.can_delete_related = False
            org.widget.can_view_related = False
        return form

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            member = self.get_object(request, object_id)
            if member is not None and self.shows_in_full(request, member):
                self.seen_in_full(request, member)
        return super().change_view(request, object_id, form_url, extra_context)

    def seen_in_full(self, request, obj):
        member_reveal(actor=request.user, member=obj, channel="admin")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "org":
            kwargs["queryset"] = org_list(user=request.user, write=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data.get(name) for name in form.Meta.fields if name in form.cleaned_data}
        if change:
            original = Member.objects.select_related("org").get(pk=obj.pk)
            saved = member_update(actor=request.user, member=original, **fields)
        else:
            saved = member_create(actor=request.user, **fields)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        member_delete(actor=request.user, member=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for member in queryset.select_related("org"):
                member_delete(actor=request.user, member=member)


@admin.register(PersonalDataReveal)
class PersonalDataRevealAdmin(admin.ModelAdmin):
    """Who saw which member's full ID number and phone, and when (read-only, district staff)."""

    list_display = ["at", "user", "member", "candidate", "channel"]
    list_filter = ["channel"]
    search_fields = ["user__username", "member__name", "candidate__name"]
    list_select_related = ["user", "member", "candidate"]
    show_full_result_count = False
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RegistrationConflict)
class RegistrationConflictAdmin(admin.ModelAdmin):
    """Attempts to register an ID-card number already held in another part of the district (district staff,
    read-only): the user was told only that the number cannot be registered there."""

    list_display = ["at", "user", "channel", "id_number", "org", "member", "candidate"]
    list_filter = ["channel"]
    search_fields = ["user__username", "=id_number", "member__name", "candidate__name"]
    list_select_related = ["user", "org", "member", "candidate"]
    show_full_result_count = False
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
