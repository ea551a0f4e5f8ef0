"""The in-app inbox: the one way the portal sends messages (jobs, bookings, assessment)."""

import logging

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import PermissionDenied

from .models import Message

log = logging.getLogger(__name__)


def message_send(*, recipient, kind, key, subject, body="", url="", email=False):
    """Put a message in `recipient`'s inbox once per `key`; returns (message, created).

    Sending again with the same key changes nothing, so a job run twice sends nothing twice. With
    email=True and an address on file, the mail goes out after the surrounding transaction commits.
    """
    try:
        with transaction.atomic():
            message = Message.objects.create(
                recipient=recipient, kind=kind, key=key, subject=subject[:200], body=body, url=url
            )
    except IntegrityError:
        return Message.objects.get(recipient=recipient, key=key), False
    if email and recipient.email:
        transaction.on_commit(lambda: _mail(message.pk))
    return message, True


def message_send_many(*, recipients, kind, key, subject, body="", url=""):
    """Send one message to each recipient in a single insert; already-sent (recipient, key) pairs are skipped."""
    rows = [
        Message(recipient=r, kind=kind, key=key, subject=subject[:200], body=body, url=url) for r in recipients
    ]
    before = Message.objects.filter(key=key, recipient__in=[r.pk for r in recipients]).count()
    Message.objects.bulk_create(rows, ignore_conflicts=True)
    after = Message.objects.filter(key=key, recipient__in=[r.pk for r in recipients]).count()
    return after - before


def _mail(message_id):
    message = Message.objects.select_related("recipient").get(pk=message_id)
    try:
        send_mail(message.subject, message.body, None, [message.recipient.email])
    except Exception:  # a mail server problem must not lose the inbox message
        log.exception("mail for message %s failed", message_id)


def message_mark_read(*, actor, message):
    """Mark one of the actor's own messages as read."""
    if message.recipient_id != actor.pk:
        raise PermissionDenied
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
    return message
