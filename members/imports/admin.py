"""The admin of background imports (district staff)."""

from django.contrib import admin

from .models import MemberImport


@admin.register(MemberImport)
class MemberImportAdmin(admin.ModelAdmin):
    """Background imports (district staff)."""

    list_display = ["created_at", "created_by", "kind", "file_name", "status", "total", "created", "updated",
                    "written"]
    list_filter = ["status", "kind"]
    list_select_related = ["created_by"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
