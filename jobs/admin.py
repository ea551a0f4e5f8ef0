from django.contrib import admin

from .models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["job", "period", "started_at", "finished_at"]
    list_filter = ["job"]
    search_fields = ["job", "period"]
    readonly_fields = ["job", "period", "result", "started_at", "finished_at"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False
