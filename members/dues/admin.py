"""The admin of dues: payments by member and month (the amount due from the brackets) and the communities'
monthly reviews."""

from django import forms as django_forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scoping import ScopedAdminMixin
from members.admin_parts import CommunityFilter, ServiceFormMixin, StreetFilter, xlsx_response
from members.records.exports import id_number_shown
from members.records.selectors import member_list

from .models import DuesPayment, DuesReview
from .selectors import dues_list
from .services import dues_record


class DuesForm(django_forms.ModelForm):
    class Meta:
        model = DuesPayment
        fields = ["member", "month", "kind", "income_base", "amount_paid", "paid_on", "paid_by"]
        widgets = {"month": django_forms.DateInput(attrs={"type": "date"}),
                   "paid_on": django_forms.DateInput(attrs={"type": "date"})}


@admin.register(DuesPayment)
class DuesPaymentAdmin(ServiceFormMixin, ScopedAdminMixin, SimpleHistoryAdmin):
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
        id_number = id_number_shown(request, [p.member for p in payments])
        rows = [(f"{p.month:%Y-%m}", id_number(p.member), p.member.name, p.member.org.name, p.get_kind_display(),
                 p.income_base, p.amount_due, p.amount_paid, p.arrears, p.paid_on, p.paid_by) for p in payments]
        headers = [_("month"), _("ID-card number"), _("full name"), _("party organization"), _("kind of income"),
                   _("income base"), _("amount due"), _("amount paid"), _("arrears"), _("paid on"),
                   _("paid by someone else")]
        return xlsx_response("dues", headers, rows, "dues.xlsx")

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
            return dues_record(
                actor=request.user, member=obj.member if obj else data["member"],
                month=obj.month if obj else data["month"], kind=data["kind"], income_base=data["income_base"],
                amount_paid=data.get("amount_paid") or 0, paid_on=data.get("paid_on"),
                paid_by=data.get("paid_by") or "")

        return self._service_form(form, request, record)


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
