"""The admin of the links between user accounts and member records."""

from django import forms as django_forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scoping import ScopedAdminMixin
from members.admin_parts import ServiceFormMixin
from members.records.selectors import member_list

from .models import MemberAccount
from .selectors import member_account_list
from .services import member_account_link, member_account_unlink


class MemberAccountAddForm(django_forms.ModelForm):
    username = django_forms.CharField(label=_("user name"), max_length=150,
                                      help_text=_("The user name the member signs in with on the phone pages."))

    class Meta:
        model = MemberAccount
        fields = ["member"]


@admin.register(MemberAccount)
class MemberAccountAdmin(ServiceFormMixin, ScopedAdminMixin, SimpleHistoryAdmin):
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
        if obj is None:
            form = super().get_form(request, obj, **kwargs)
            return self._service_form(form, request, lambda f: member_account_link(
                actor=request.user, member=f.cleaned_data["member"],
                user=get_user_model().objects.filter(username=f.cleaned_data["username"].strip()).first()))
        kwargs["fields"], kwargs["form"] = [], django_forms.ModelForm
        base = super().get_form(request, obj, **kwargs)

        class UnlinkForm(base):
            unlink = django_forms.BooleanField(label=_("Unlink this account from the member record"))

        return self._service_form(UnlinkForm, request, lambda f: member_account_unlink(
            actor=request.user, account=obj))

    def save_model(self, request, obj, form, change):
        saved = getattr(form, "_saved", None)
        if saved is not None:  # the link the service made (the log entry names it)
            obj.pk, obj.user_id, obj.member_id, obj.method = saved.pk, saved.user_id, saved.member_id, saved.method

    def response_change(self, request, obj):
        self.message_user(request, _("The account was unlinked from %(member)s.") % {"member": obj.member.name},
                          messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:members_memberaccount_changelist"))

    def delete_model(self, request, obj):
        member_account_unlink(actor=request.user, account=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for account in queryset:
                member_account_unlink(actor=request.user, account=account)
