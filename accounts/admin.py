from django.contrib import admin

from accounts.scopes import resolve_scope

from .models import RoleGrant


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "node", "granted_by", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "node__code", "node__name"]
    list_select_related = ["user", "node", "granted_by"]
    autocomplete_fields = ["user", "node"]
    readonly_fields = ["granted_by", "created_at"]
    show_full_result_count = False

    # Granting roles is district staff's work only.
    def has_module_permission(self, request):
        return resolve_scope(request.user).write_all

    has_view_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: resolve_scope(request.user).write_all
    )

    def has_add_permission(self, request):
        return resolve_scope(request.user).write_all

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)

