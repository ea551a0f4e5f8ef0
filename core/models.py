from django.db import models
from django.utils.translation import gettext_lazy as _


class ThrottleHit(models.Model):
    """One counted try (core.throttle): which key, when."""

    key = models.CharField(_("key"), max_length=100)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("counted try")
        verbose_name_plural = _("counted tries")
        indexes = [models.Index(fields=["key", "at"], name="core_throttle_key_at")]
