from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from .centers import center_queryset
from .models import RoleGrant


class RoleGrantForm(forms.ModelForm):
    """A center role's center is chosen among the registered centers (accounts.centers) and stored by id."""

    center_id = forms.ModelChoiceField(queryset=None, required=False, label=_("service center"))

    class Meta:
        model = RoleGrant
        fields = ["user", "role", "node", "center_id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["center_id"]
        centers = center_queryset()
        field.queryset = centers if centers is not None else RoleGrant.objects.none()
        if self.instance.center_id is not None:
            self.initial["center_id"] = self.instance.center_id

    def clean_center_id(self):
        center = self.cleaned_data.get("center_id")
        return center.pk if center is not None else None


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    """Who holds which role where. Only district staff have the model permissions (accounts.backends)."""

    form = RoleGrantForm

    list_display = ["user", "role", "node", "granted_by", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "node__code", "node__name"]
    list_select_related = ["user", "node", "granted_by"]
    autocomplete_fields = ["user", "node"]
    readonly_fields = ["granted_by", "created_at"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


class PortalUserAdmin(UserAdmin):
    """District staff manage accounts, but only a superuser hands out superuser status or raw permissions."""

    list_filter = ["is_staff", "is_active", "role_grants__role"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions", "groups", "last_login", "date_joined"]
        return fields

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        # Non-superusers cannot open (and so cannot change the password of) a superuser.
        return qs if request.user.is_superuser else qs.filter(is_superuser=False)


admin.site.unregister(User)
admin.site.register(User, PortalUserAdmin)
