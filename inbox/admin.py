from django.contrib import admin

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """All messages sent, for district staff (model permissions come from accounts.backends)."""

    list_display = ["created_at", "recipient", "kind", "subject", "read_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__username", "subject", "key"]
    list_select_related = ["recipient"]
    readonly_fields = ["recipient", "kind", "key", "subject", "body", "url", "created_at", "read_at"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False
