"""The second factor in tests: an authenticator with a known key, and its codes computed as the phone app would.

`client.force_login(user)` (tests/conftest.py) signs a user in the way the sign-in pages do, second factor
included: a user who must pass it (accounts.scopes.requires_second_factor) gets an authenticator with KEY and the
session is marked as having passed it with that device (django-otp's session key), so that the staff pages open
as after a real sign-in. The browser tests enter the code on the real page instead (tests/browser/conftest.py),
and tests/accounts/test_second_factor.py drives the whole flow without either shortcut.
"""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

#: The authenticator key of every test user (hex, as django-otp stores it).
KEY = "3132333435363738393031323334353637383930"


def authenticator(user, key=KEY):
    """The user's confirmed authenticator (created with `key` if they have none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test phone", key=key, confirmed=True)
    return device


def totp_code(device, at=None):
    """The code the app shows now: for the next time step when this one's code was used already (django-otp
    refuses a code twice and accepts one step ahead)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at if at is not None else time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


def pass_second_factor(client, user):
    """Mark a test client's session as having passed the second factor (for a user who must)."""
    from accounts.scopes import forget_scope, requires_second_factor

    needed = requires_second_factor(user)
    forget_scope(user)  # the test may still grant roles on this very object
    if not needed:
        return
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
    session.save()
