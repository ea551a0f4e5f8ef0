"""Reads of accounts: the second factor a user holds."""

from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


def has_second_factor(*, user):
    """Whether the user has set up an authenticator app (a confirmed TOTP device)."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def recovery_codes_left(*, user):
    """How many unused recovery codes the user has."""
    device = StaticDevice.objects.filter(user_id=user.pk, confirmed=True).first()
    return device.token_set.count() if device is not None else 0
