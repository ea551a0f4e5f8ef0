"""Text messages (SMS): backends behind one setting, SMS_BACKEND (a dotted path to a class). The inbox's delivery
layer (inbox.services: channels, quiet hours, limits, retries) and the member-link code (send_sms) both send here.

Every backend has one method::

    send(phone, text, *, template_id=None, params=None) -> provider_message_id

`phone` is a mainland mobile number (11 digits), `text` the Chinese text (what the development backends record),
`template_id` and `params` what a template-based provider (Tencent Cloud SMS) sends instead. It raises
SmsTemporaryError when trying again later may work (network, provider busy, rate limited by the provider) and
SmsRejected when it will not (bad number, template refused, number on a blacklist).

Backends: core.sms.tencent.TencentBackend (production), core.sms.backends.ConsoleBackend (development, the
default), FileBackend (one JSON line per message in SMS_FILE_PATH), LocmemBackend (tests: `outbox`) and
FailingBackend (tests: fails the first SMS_FAIL_TIMES sends).
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """A send that did not go out."""


class SmsTemporaryError(SmsError):
    """Try again later."""


class SmsRejected(SmsError):
    """The provider refused it for good: do not try again."""


DEFAULT_BACKEND = "core.sms.backends.ConsoleBackend"


def get_backend():
    """An instance of the configured backend (settings.SMS_BACKEND)."""
    return import_string(getattr(settings, "SMS_BACKEND", "") or DEFAULT_BACKEND)()


logger = logging.getLogger(__name__)


def send_sms(*, phone, text):
    """Send one text message now, outside the inbox's delivery records (a one-time code the person waits for).
    Raises SmsError when the backend fails (the caller decides what to tell); returns the provider's id."""
    try:
        return get_backend().send(phone, text)
    except SmsError:
        raise
    except Exception as exc:
        logger.exception("SMS backend failed")
        raise SmsError(str(exc)) from exc
