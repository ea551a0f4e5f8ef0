"""SMS backends behind one setting, SMS_BACKEND (a dotted path to a class).

Every backend has one method::

    send(phone, text, *, template_id=None, params=None) -> provider_message_id

`phone` is a mainland mobile number (11 digits), `text` the Chinese text (what the development backends record),
`template_id` and `params` what a template-based provider (Tencent Cloud SMS) sends instead. It raises
SmsTemporaryError when trying again later may work (network, provider busy, rate limited by the provider) and
SmsRejected when it will not (bad number, template refused, number on a blacklist).

Backends: inbox.sms.tencent.TencentBackend (production), inbox.sms.backends.ConsoleBackend (development, the
default), FileBackend (one JSON line per message in SMS_FILE_PATH), LocmemBackend (tests: `outbox`) and
FailingBackend (tests: fails the first SMS_FAIL_TIMES sends).
"""

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """A send that did not go out."""


class SmsTemporaryError(SmsError):
    """Try again later."""


class SmsRejected(SmsError):
    """The provider refused it for good: do not try again."""


DEFAULT_BACKEND = "inbox.sms.backends.ConsoleBackend"


def get_backend():
    """An instance of the configured backend (settings.SMS_BACKEND)."""
    return import_string(getattr(settings, "SMS_BACKEND", "") or DEFAULT_BACKEND)()
