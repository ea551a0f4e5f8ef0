"""SMS backends for development and tests (see core.sms)."""

import itertools
import json
import logging
import sys
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from . import SmsTemporaryError

log = logging.getLogger(__name__)


class ConsoleBackend:
    """Prints each SMS (development: no provider, no cost)."""

    def send(self, phone, text, *, template_id=None, params=None):
        message_id = f"console-{uuid.uuid4().hex[:12]}"
        sys.stdout.write(f"[SMS to {phone}] {text}\n")
        sys.stdout.flush()
        return message_id


class FileBackend:
    """Appends one JSON line per SMS to settings.SMS_FILE_PATH (a staging machine's record of what would go out)."""

    _lock = threading.Lock()

    def send(self, phone, text, *, template_id=None, params=None):
        message_id = f"file-{uuid.uuid4().hex[:12]}"
        path = Path(getattr(settings, "SMS_FILE_PATH", "") or "sms.log")
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"id": message_id, "at": timezone.now().isoformat(), "phone": phone, "text": text,
                           "template_id": template_id, "params": list(params or [])}, ensure_ascii=False)
        with self._lock, path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
        return message_id


class SentSms(dict):
    """What LocmemBackend sent: a dict of phone, text, template_id, params and id, also readable as attributes."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


#: What LocmemBackend sent, for tests (SentSms).
outbox = []
_counter = itertools.count(1)


class LocmemBackend:
    """Keeps each SMS in `core.sms.backends.outbox` (tests)."""

    def send(self, phone, text, *, template_id=None, params=None):
        message_id = f"locmem-{next(_counter)}"
        outbox.append(SentSms(id=message_id, phone=phone, text=text, template_id=template_id,
                              params=list(params or [])))
        return message_id


#: How many sends FailingBackend has failed so far (tests reset it).
failures = {"count": 0}


class FailingBackend(LocmemBackend):
    """Fails the first settings.SMS_FAIL_TIMES sends (all of them when it is None) with a temporary error, then
    sends like LocmemBackend: the test stand-in for a provider that is down."""

    def send(self, phone, text, *, template_id=None, params=None):
        limit = getattr(settings, "SMS_FAIL_TIMES", None)
        if limit is None or failures["count"] < limit:
            failures["count"] += 1
            raise SmsTemporaryError("provider unavailable (test backend)")
        return super().send(phone, text, template_id=template_id, params=params)
