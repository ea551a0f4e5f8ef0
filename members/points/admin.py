"""The admin of points entries (added and corrected through the services; exported to Excel)."""

from django import forms as django_forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scoping import ScopedAdminMixin
from core.errors import ValidationError
from core.forms import add_service_error
from members.admin_parts import CommunityFilter, StreetFilter, xlsx_response
from members.records.exports import id_number_shown
from members.records.selectors import member_list

from .models import PointEntry
from .selectors import point_entry_list
from .services import point_entry_create, point_entry_update


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
        id_number = id_number_shown(request, [e.member for e in entries])
        rows = [(e.on, id_number(e.member), e.member.name, e.member.org.name, e.get_category_display(), e.points,
                 e.reason, e.recorded_by.username) for e in entries]
        headers = [_("date"), _("ID-card number"), _("full name"), _("party organization"),
                   PointEntry._meta.get_field("category").verbose_name, _("points"), _("reason"), _("recorded by")]
        return xlsx_response("points", headers, rows, "points.xlsx")

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
                        self._saved = point_entry_update(actor=request.user, entry=obj, **values)
                    else:
                        self._saved = point_entry_create(actor=request.user, member=data["member"], **values)
                except ValidationError as exc:
                    add_service_error(self, exc)

        return ServiceForm

    def save_model(self, request, obj, form, change):
        saved = getattr(form, "_saved", None)
        if saved is not None:
            obj.pk = saved.pk
