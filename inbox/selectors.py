from .models import Message


def inbox_for(*, user):
    """The user's own messages, newest first (nobody reads another's inbox)."""
    if not user.is_authenticated:
        return Message.objects.none()
    return Message.objects.filter(recipient_id=user.pk)
