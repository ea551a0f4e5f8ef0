"""The admin of transfers: sent from one branch, accepted or sent back by the receiving one, or out of the
district with an introduction letter."""

from django import forms as django_forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scoping import ScopedAdminMixin
from grids.models import OrgNode
from members.admin_parts import ServiceFormMixin
from members.records.selectors import member_list

from .models import Transfer, TransferStatus
from .selectors import transfer_list
from .services import transfer_accept, transfer_complete_out, transfer_return, transfer_send


@admin.register(Transfer)
class TransferAdmin(ServiceFormMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    """Transfers sent from or to the user's branches; the receiving branch accepts or sends back."""

    list_display = ["member", "from_org", "to_org", "destination", "status", "sent_on", "decided_on", "letter"]
    list_filter = ["status"]
    list_select_related = ["member", "from_org", "to_org"]
    search_fields = ["member__name", "letter_number"]
    show_full_result_count = False
    autocomplete_fields = ["member"]

    def scoped_queryset(self, request, write=False):
        return transfer_list(user=request.user, write=write)

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
        return format_html('<a href="{}">{}</a>', reverse("members:transfer-letter", args=[obj.pk]),
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
            kwargs["queryset"] = OrgNode.objects.filter(level__gte=2)  # any branch of the district receives
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            form = super().get_form(request, obj, **kwargs)
            return self._service_form(form, request, lambda f: transfer_send(
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
                return transfer_accept(actor=request.user, transfer=obj)
            if choice == "return":
                return transfer_return(actor=request.user, transfer=obj, note=note)
            return transfer_complete_out(actor=request.user, transfer=obj)

        return self._service_form(DecisionForm, request, decide)
