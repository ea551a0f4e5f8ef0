"""Text messages (SMS): one small interface for whatever sends them.

`send_sms(phone=..., text=...)` hands a message to the backend named by `settings.SMS_BACKEND` (a dotted path to a
class with `send(phone, text)`). A provider's backend (an SDK or an HTTP gateway) is a class like these; none is
needed yet. Development prints messages (ConsoleBackend) or writes them to files (FileBackend, in
`settings.SMS_FILE_PATH`); the tests keep them in memory (LocmemBackend, `core.sms.outbox`). A later messaging layer
(the inbox, reminders) sends through the same function.
"""

import datetime
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

#: Messages "sent" with LocmemBackend (the tests read and clear it).
outbox = []
_lock = threading.Lock()


@dataclass(frozen=True)
class TextMessage:
    phone: str
    text: str
    sent_at: datetime.datetime


class SmsError(Exception):
    """The message could not be handed to the provider."""


class BaseSmsBackend:
    def send(self, phone, text):  # pragma: no cover - the interface
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    """Writes each message to the log (development: runserver's console)."""

    def send(self, phone, text):
        logger.warning("SMS to %s: %s", phone, text)


class FileBackend(BaseSmsBackend):
    """Appends each message to a file per day in settings.SMS_FILE_PATH."""

    def send(self, phone, text):
        folder = Path(getattr(settings, "SMS_FILE_PATH", None) or Path(settings.BASE_DIR) / "sms")
        folder.mkdir(parents=True, exist_ok=True)
        now = datetime.datetime.now(datetime.UTC)
        with _lock, (folder / f"{now:%Y-%m-%d}.log").open("a", encoding="utf-8") as fh:
            fh.write(f"{now.isoformat()}\t{phone}\t{text}\n")


class LocmemBackend(BaseSmsBackend):
    """Keeps messages in `core.sms.outbox` (tests)."""

    def send(self, phone, text):
        with _lock:
            outbox.append(TextMessage(phone=phone, text=text, sent_at=datetime.datetime.now(datetime.UTC)))


def get_backend():
    return import_string(getattr(settings, "SMS_BACKEND", "core.sms.ConsoleBackend"))()


def send_sms(*, phone, text):
    """Send one text message now. Raises SmsError when the backend fails (the caller decides what to tell)."""
    try:
        get_backend().send(phone, text)
    except SmsError:
        raise
    except Exception as exc:
        logger.exception("SMS backend failed")
        raise SmsError(str(exc)) from exc
