from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """One message in a user's in-app inbox. `key` makes sending idempotent: one message per user and key."""

    # No index of its own: message_once_per_key and message_inbox both lead with the recipient.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="messages",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=50)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(_("deduplication key"), max_length=200)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="message_once_per_key",
            violation_error_message=_("This message has already been sent to this person."),
        )]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="message_inbox")]

    def __str__(self):
        return self.subject


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Delivery(models.Model):
    """One message going out on one channel (e-mail or SMS; the inbox row is the message itself).

    Unique per (message, channel): a message is never sent twice on a channel. The sender claims a due row
    under a row lock (SKIP LOCKED), marks it `sending` and commits before it calls the provider; the outcome is
    written afterwards. A failure is retried with back-off until MAX_ATTEMPTS; a row left `sending` (the worker
    died between the provider's answer and our write) is never resent but marked `unknown` for a person to
    look at: a second SMS is worse than a missing one."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, given up")
        UNKNOWN = "unknown", _("Outcome unknown, not resent")
        CANCELLED = "cancelled", _("Cancelled")

    message = models.ForeignKey(Message, verbose_name=_("message"), on_delete=models.CASCADE,
                                related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254, help_text=_("The e-mail address or phone number."))
    text = models.TextField(_("text sent"), blank=True)
    template = models.CharField(_("SMS template"), max_length=50, blank=True)
    params = models.JSONField(_("template parameters"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    due_at = models.DateTimeField(_("due at"))
    deferred_reason = models.CharField(_("deferred because"), max_length=30, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_id = models.CharField(_("provider's message id"), max_length=100, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["message", "channel"], name="delivery_once_per_channel",
                violation_error_message=_("This message has already been handed to this channel."),
            ),
            models.CheckConstraint(condition=~models.Q(channel="inbox"), name="delivery_not_inbox",
                violation_error_message=_("The inbox is not a channel a message is delivered through."),
            ),
            models.CheckConstraint(condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                                   name="delivery_sent_has_time",
                violation_error_message=_("A sent message needs the time it was sent."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="delivery_due"),
            models.Index(fields=["channel", "address", "sent_at"], name="delivery_rate"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.address}"


class ContactPreference(models.Model):
    """How a person wants to be reached: their phone for SMS (checked by a code, or taken from the member record
    staff keep), and the channels they turned off per topic (the inbox always gets the message)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="contact_preference")
    phone = models.CharField(_("mobile phone for SMS"), max_length=20, blank=True)
    phone_verified_at = models.DateTimeField(_("phone confirmed at"), null=True, blank=True)
    #: ["<topic>:<channel>", …] turned off, e.g. ["bookings:sms", "learning:email"].
    muted = models.JSONField(_("channels turned off"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contact preference")
        verbose_name_plural = _("contact preferences")

    def __str__(self):
        return str(self.user)

    def allows(self, topic, channel):
        return f"{topic}:{channel}" not in (self.muted or [])


class PhoneCode(models.Model):
    """A code sent by SMS to confirm a phone number a user gave on the preferences page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="+")
    phone = models.CharField(_("phone"), max_length=20)
    code_hash = models.CharField(_("code (hashed)"), max_length=128)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    tries = models.PositiveSmallIntegerField(_("tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("phone confirmation code")
        verbose_name_plural = _("phone confirmation codes")
        ordering = ["-created_at"]
