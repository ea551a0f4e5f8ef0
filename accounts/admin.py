from django.contrib import admin

from .models import RoleGrant


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    """Who holds which role where. Only district staff have the model permissions (accounts.backends)."""

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
