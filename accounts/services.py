"""Writes of accounts and roles. Keyword-only and atomic."""

import re
import secrets
import unicodedata

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.errors import PermissionDenied, ValidationError

from .models import Role, RoleGrant

#: User names kept for staff accounts (the district's `admin`, `sec-<code>` for secretaries, `center-<code>` for
#: service-center staff, `inspector-NN`, and the like): public sign-up refuses them, whatever the case, the
#: separator or look-alike (full-width) letters, so that nobody can take a staff name before staff get it.
RESERVED_USERNAMES = re.compile(
    r"^(?:admin|administrator|root|superuser|system|staff|district|inspector|secretary"
    r"|(?:admin|sec|secretary|center|centre|inspector|district|staff|grid)[-_.@+]?(?:[-_.@+]|\d).*)$"
)


def username_is_reserved(username):
    """Whether a user name is kept for staff (see RESERVED_USERNAMES)."""
    folded = unicodedata.normalize("NFKC", username or "").casefold().strip()
    return bool(RESERVED_USERNAMES.match(folded))


@transaction.atomic
def resident_sign_up(*, username, password, first_name="", email=""):
    """Create a resident's own account (not staff) with the resident role, in one transaction.

    The caller has validated the input (the sign-up form: a free username, an acceptable password); a user name
    kept for staff is refused here (ValidationError on `username`). Returns the new user.
    """
    if username_is_reserved(username):
        raise ValidationError({"username": [ValidationError(
            _("This user name is kept for staff accounts. Choose another."), code="reserved_username")]})
    user = get_user_model()(username=username, first_name=first_name, email=email, is_staff=False)
    user.set_password(password)
    user.save()
    RoleGrant.objects.create(user=user, role=Role.RESIDENT)
    return user


# --- the second factor (django-otp): an authenticator app and recovery codes -----------------------------------

#: Recovery codes given when the authenticator is set up; each works once.
RECOVERY_CODES = 10
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def _code_error(message, code):
    """A refusal of the code field, with its reason (`wrong_code`, `throttled` …) kept on the message."""
    return ValidationError({"code": [ValidationError(message, code=code)]})


def refusal_reasons(exc):
    """The reasons (codes) of a service's refusal, whatever the field."""
    errors = exc.error_dict.values() if hasattr(exc, "error_dict") else [exc.error_list]
    return {error.code for field_errors in errors for error in field_errors}


def _plain(code):
    """A code as typed: spaces and dashes dropped, lower case (recovery codes are shown as `abcde-fghjk`)."""
    return re.sub(r"[\s-]+", "", unicodedata.normalize("NFKC", str(code or ""))).lower()[:32]


def second_factor_begin(*, user):
    """The authenticator a user is setting up: a new TOTP device, unconfirmed until a code from it is entered;
    the one begun earlier if the page is opened again (so the QR code does not change). Refused when the user
    already has a confirmed one (it is replaced only by someone who can pass it: no taking over an account
    with its password alone)."""
    if TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists():
        raise PermissionDenied(_("Two-factor sign-in is already set up for this account."))
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    return device


def second_factor_confirm(*, user, code):
    """Confirm the authenticator begun with `second_factor_begin` by a code it shows, and issue new recovery codes.

    Returns (the confirmed device, the recovery codes as shown to the user: they are not shown again). A wrong
    code counts towards django-otp's wait (kept: the check runs outside the confirming transaction)."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    if device is None or TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists():
        raise _code_error(_("Open this page again to set up two-factor sign-in."), "no_device")
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        raise _code_error(_("Too many wrong codes. Wait a minute and try again."), "throttled")
    if verify_token(user, device.persistent_id, _plain(code)) is None:
        raise _code_error(_("The code is wrong or has expired. Enter the code the app shows now."), "wrong_code")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists():  # a concurrent confirmation won
            raise _code_error(_("Two-factor sign-in is already set up for this account."), "confirmed")
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).delete()
        return device, recovery_codes_renew(user=user)


@transaction.atomic
def recovery_codes_renew(*, user):
    """Replace the user's recovery codes by RECOVERY_CODES new ones; returns them as shown (`abcde-fghjk`)."""
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = StaticDevice.objects.create(user=user, name=_("Recovery codes"), confirmed=True)
    codes = ["".join(secrets.choice(_CODE_ALPHABET) for _i in range(10)) for _n in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def second_factor_check(*, user, code):
    """The user's confirmed device that accepts `code` (a 6-digit code of their authenticator app, or one of their
    recovery codes, which is then used up). django-otp slows down guessing per device (a growing wait after
    each wrong code). Raises ValidationError on `code`."""
    token = _plain(code)
    devices = TOTPDevice if re.fullmatch(r"\d{6}", token) else StaticDevice
    candidates = list(devices.objects.filter(user_id=user.pk, confirmed=True).order_by("pk"))
    if not candidates:
        raise _code_error(_("The code is wrong or has expired. Enter the code the app shows now."), "wrong_code")
    for device in candidates:
        allowed, _details = device.verify_is_allowed()
        if not allowed:
            raise _code_error(_("Too many wrong codes. Wait a minute and try again."), "throttled")
        verified = verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    raise _code_error(_("The code is wrong or has expired. Enter the code the app shows now."), "wrong_code")
