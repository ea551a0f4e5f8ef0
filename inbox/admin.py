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


from django.contrib import messages as flash  # noqa: E402
from django.utils.translation import gettext_lazy as _  # noqa: E402

from .models import ContactPreference, Delivery  # noqa: E402


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Every e-mail and SMS planned, with its outcome, for district staff. A failed or unknown one may be sent
    again by hand (a person decides: the machine never resends an unknown outcome)."""

    list_display = ["created_at", "channel", "address_masked", "status", "attempts", "due_at", "sent_at",
                    "deferred_reason", "last_error"]
    list_filter = ["channel", "status", "deferred_reason"]
    search_fields = ["message__recipient__username", "message__key", "provider_id"]
    list_select_related = ["message"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    show_full_result_count = False
    actions = ["send_again"]

    @admin.display(description=_("address"))
    def address_masked(self, obj):
        a = obj.address
        return a[:3] + "****" + a[-4:] if obj.channel == "sms" and len(a) >= 11 else a

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send again (failed or unknown outcome only)"))
    def send_again(self, request, queryset):
        from django.utils import timezone

        n = queryset.filter(status__in=[Delivery.Status.FAILED, Delivery.Status.UNKNOWN]).update(
            status=Delivery.Status.PENDING, due_at=timezone.now(), attempts=0, deferred_reason="by_hand")
        flash.success(request, _("%(n)s deliveries queued again.") % {"n": n})


@admin.register(ContactPreference)
class ContactPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "phone_verified_at", "updated_at"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "phone", "phone_verified_at", "muted", "updated_at"]

    def has_add_permission(self, request):
        return False
