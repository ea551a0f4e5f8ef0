import datetime

from django.utils import timezone

from .models import ContactPreference, Delivery, Message, PhoneCode


def inbox_for(*, user):
    """The user's own messages, newest first (nobody reads another's inbox)."""
    if not user.is_authenticated:
        return Message.objects.none()
    return Message.objects.filter(recipient_id=user.pk)


def preference_for(*, user):
    """The user's contact preference (an unsaved default when they never chose)."""
    return ContactPreference.objects.filter(user_id=user.pk).first() or ContactPreference(user_id=user.pk)


def pending_phone_code(*, user, now=None):
    """The phone the user's latest unused, unexpired code was sent to, or ""."""
    now = now or timezone.now()
    code = PhoneCode.objects.filter(user_id=user.pk, used_at__isnull=True,
                                    created_at__gt=now - datetime.timedelta(minutes=10)).order_by("-created_at").first()
    return code.phone[:3] + "****" + code.phone[-4:] if code else ""


def delivery_list(*, user):
    """Deliveries, for district staff only (the admin): a person's own are theirs through their inbox."""
    from accounts.scopes import is_district

    return Delivery.objects.select_related("message__recipient") if is_district(user) else Delivery.objects.none()
