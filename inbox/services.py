"""The messaging layer: the one way the portal sends a message (jobs, bookings, assessment, learning).

`message_send` puts the message in the recipient's in-app inbox (idempotent by (recipient, key)) and plans its
other channels by the kind's row in inbox.kinds.KINDS and the person's ContactPreference: one Delivery row per
message and channel, in the caller's transaction. After the commit the deliveries are sent at once (in the
request, or in the worker with INBOX_DELIVER_ASYNC); what could not go out (provider down, quiet hours, a phone's
rate limit) stays due and the hourly job "inbox.deliver" sends it. A delivery is claimed under a row lock and
committed as `sending` before the provider is called, so no two workers send it and no retry resends one that
went out.
"""

import datetime
import hashlib
import logging
import secrets
import zoneinfo

from celery import shared_task
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import PermissionDenied, ValidationError
from core.inserts import insert
from core.sms import SmsRejected, get_backend
from jobs.outbox import RETRY_ON

from . import kinds as kind_table
from .models import Channel, ContactPreference, Delivery, Message, PhoneCode

log = logging.getLogger(__name__)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
#: Attempts per delivery before it is given up, and the wait before each retry (seconds).
MAX_ATTEMPTS = 5
BACKOFF = (60, 300, 900, 3600)
#: A delivery left `sending` this long was interrupted after (or while) calling the provider: not resent.
STALE_AFTER = datetime.timedelta(minutes=10)

_PHONE_SOURCES = []


def register_phone_source(source):
    """`source(user_ids) -> {user id: phone}`: where else a phone for SMS is known (a member's record, kept by
    staff). Apps above register one from their AppConfig.ready; a confirmed phone on the person's own
    preferences comes first."""
    if source not in _PHONE_SOURCES:
        _PHONE_SOURCES.append(source)
    return source


def _setting(name, default):
    return getattr(settings, name, default)


# --- quiet hours and rate limits ------------------------------------------------------------------


def quiet_until(now):
    """The end of the quiet hours (no SMS 22:00–07:00 Asia/Shanghai by default) when `now` is in them, else None."""
    start, end = _setting("SMS_QUIET_HOURS", (22, 7))
    local = now.astimezone(SHANGHAI)
    if start == end:
        return None
    in_quiet = local.hour >= start or local.hour < end if start > end else start <= local.hour < end
    if not in_quiet:
        return None
    day = local.date() + datetime.timedelta(days=1) if local.hour >= end and start > end else local.date()
    return datetime.datetime.combine(day, datetime.time(end), tzinfo=SHANGHAI)


def _rate_wait(phone, now):
    """When an SMS to `phone` may next go out under the per-hour and per-day limits: None if now."""
    counted = Delivery.objects.filter(
        channel=Channel.SMS, address=phone,
        status__in=[Delivery.Status.SENDING, Delivery.Status.SENT, Delivery.Status.UNKNOWN])
    for window, limit in ((datetime.timedelta(hours=1), _setting("SMS_RATE_PER_HOUR", 5)),
                          (datetime.timedelta(days=1), _setting("SMS_RATE_PER_DAY", 10))):
        recent = list(counted.filter(claimed_at__gt=now - window).order_by("-claimed_at").values_list(
            "claimed_at", flat=True)[:limit])
        if len(recent) >= limit:
            return recent[-1] + window  # when the oldest of the last `limit` leaves the window
    return None


# --- sending ------------------------------------------------------------------------------------


def _phones(user_ids, preferences):
    phones = {uid: p.phone for uid, p in preferences.items() if p.phone and p.phone_verified_at}
    missing = [uid for uid in user_ids if uid not in phones]
    for source in _PHONE_SOURCES:
        if not missing:
            break
        for uid, phone in (source(missing) or {}).items():
            if phone and uid not in phones:
                phones[uid] = phone
        missing = [uid for uid in user_ids if uid not in phones]
    return phones


#: The contact preference's columns a caller may read in a statement of its own (preference_columns).
_PREFERENCE_FIELDS = ("id", "phone", "phone_verified_at", "muted")


def preference_columns(user_id):
    """The contact preference of user `user_id` as annotations (contact_id, contact_phone, …), for a caller that
    reads it within a statement it runs anyway (one row per preference: the subqueries read one index entry);
    preference_from(row) then makes of that row what message_send(preference=…) takes."""
    mine = ContactPreference.objects.filter(user_id=user_id)
    return {f"contact_{name}": Subquery(mine.values(name)[:1]) for name in _PREFERENCE_FIELDS}


def preference_sql(user_id_sql):
    """preference_columns for a statement written by hand: {name: SQL expression}, the user's id given as the SQL
    `user_id_sql` (a placeholder, say "%(user)s")."""
    table = connection.ops.quote_name(ContactPreference._meta.db_table)
    return {f"contact_{name}": f"(SELECT p.{connection.ops.quote_name(ContactPreference._meta.get_field(name).column)}"
            f" FROM {table} p WHERE p.user_id = {user_id_sql})" for name in _PREFERENCE_FIELDS}


def preference_from(row, user_id):
    """The ContactPreference that preference_columns (or preference_sql) read into `row` (a dict), None when the
    user has none: what message_send's `preference` takes."""
    if row["contact_id"] is None:
        return None
    values = {name: row[f"contact_{name}"] for name in _PREFERENCE_FIELDS}
    if isinstance(values["muted"], str):  # read by hand: the JSON as the database sent it
        values["muted"] = ContactPreference._meta.get_field("muted").from_db_value(values["muted"], None, connection)
    return ContactPreference(user_id=user_id, **values)


#: message_send's `preference` when the caller did not read it: message_send reads it.
UNREAD = object()


def _plan(messages, *, email=False, sms_params=None, now=None, fresh=False, preferences=None):
    """Delivery rows for freshly created messages (one kind): by the kind's channels and each person's choice.
    `fresh`: the messages were created in this transaction, so no other call can plan them: the rows are inserted
    as they are and their ids come back with the insert. `preferences`: {user id: ContactPreference} of every
    recipient that has one, when the caller read them already (None: read here)."""
    if not messages:
        return []
    now = now or timezone.now()
    rule = kind_table.kind_of(messages[0].kind)
    channels = set(rule.channels) | ({kind_table.EMAIL} if email else set())
    user_ids = [m.recipient_id for m in messages]
    if preferences is None:
        preferences = {p.user_id: p for p in ContactPreference.objects.filter(user_id__in=user_ids)}
    want_sms = kind_table.SMS in channels and rule.sms_template and sms_params is not None
    phones = _phones(user_ids, preferences) if want_sms else {}
    rows = []
    for message in messages:
        preference = preferences.get(message.recipient_id)
        allows = (lambda channel: preference is None or preference.allows(rule.topic, channel))
        if kind_table.EMAIL in channels and message.recipient.email and allows(kind_table.EMAIL):
            rows.append(Delivery(message=message, channel=Channel.EMAIL, address=message.recipient.email,
                                 due_at=now))
        phone = phones.get(message.recipient_id)
        if want_sms and phone and allows(kind_table.SMS):
            params = [str(p)[:30] for p in sms_params]
            later = None if rule.urgent else quiet_until(now)
            rows.append(Delivery(message=message, channel=Channel.SMS, address=phone, template=rule.sms_template,
                                 params=params, text=kind_table.sms_text(rule.sms_template, params),
                                 due_at=later or now, deferred_reason="quiet_hours" if later else ""))
    if not rows:
        return []
    if fresh:
        Delivery.objects.bulk_create(rows)
        ids = [row.pk for row in rows if row.due_at <= now and row.pk is not None]
    else:
        # A concurrent call planning the same message loses quietly: one row per message and channel.
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        ids = list(Delivery.objects.filter(message__in=messages, status=Delivery.Status.PENDING, due_at__lte=now)
                   .values_list("pk", flat=True))
    if ids:
        transaction.on_commit(lambda: _after_commit(ids, now))
    return rows


def _after_commit(ids, now):
    if _setting("INBOX_DELIVER_ASYNC", False):
        hand_to_worker(deliver_task, ids)
    else:
        deliver_now(ids, now=now)


def hand_to_worker(task, *args):
    """Queue `task` for the worker; with the broker away, log it and go on: the deliveries stay pending in the
    database and the hourly `inbox.deliver` job sends them (the request that planned them must not fail)."""
    try:
        task.delay(*args)
    except RETRY_ON as exc:
        log.warning("The broker did not take %s (%s); the hourly delivery job will send what is due.",
                    task.name, exc.__class__.__name__)


def message_send(*, recipient, kind, key, subject, body="", url="", email=False, sms_params=None, now=None,
                 fresh=False, preference=UNREAD):
    """Put a message in `recipient`'s inbox once per `key` and plan its e-mail and SMS; returns (message, created).

    Sending again with the same key changes nothing, so a job run twice sends nothing twice. The kind's row in
    inbox.kinds says which channels it takes (`email=True` adds e-mail to a kind that has none); an SMS needs
    the kind's template parameters (`sms_params`). E-mail and SMS leave after the surrounding transaction
    commits.

    `fresh=True`: the caller knows no message with this key can exist (the key names a row the caller inserted in
    the current transaction), so the message and its deliveries are written straight away: no savepoint, no
    look-up of a duplicate (three statements: the message, the person's preferences, the deliveries).

    `preference`: the recipient's ContactPreference (None: they have none) when the caller read it in a statement
    of its own (preference_columns, preference_from), so that it is not read again; not given, it is read here."""
    preferences = None
    if preference is not UNREAD:
        preferences = {} if preference is None else {recipient.pk: preference}
    if fresh:
        message = insert(Message(recipient=recipient, kind=kind, key=key, subject=subject[:200], body=body, url=url))
        _plan([message], email=email, sms_params=sms_params, now=now, fresh=True, preferences=preferences)
        return message, True
    try:
        with transaction.atomic():
            message = Message.objects.create(
                recipient=recipient, kind=kind, key=key, subject=subject[:200], body=body, url=url
            )
            _plan([message], email=email, sms_params=sms_params, now=now, preferences=preferences)
    except IntegrityError:
        return Message.objects.get(recipient=recipient, key=key), False
    return message, True


def message_send_many(*, recipients, kind, key, subject, body="", url="", email=False, sms_params=None, now=None):
    """Send one message to each recipient in a single insert; already-sent (recipient, key) pairs are skipped.
    Returns how many were new."""
    recipients = list(recipients)
    ids = [r.pk for r in recipients]
    with transaction.atomic():
        before = set(Message.objects.filter(key=key, recipient__in=ids).values_list("recipient_id", flat=True))
        rows = [Message(recipient=r, kind=kind, key=key, subject=subject[:200], body=body, url=url)
                for r in recipients if r.pk not in before]
        Message.objects.bulk_create(rows, ignore_conflicts=True)
        fresh = list(Message.objects.filter(key=key, recipient__in=ids).exclude(recipient_id__in=before)
                     .select_related("recipient"))
        _plan(fresh, email=email, sms_params=sms_params, now=now)
    return len(fresh)


def _claim(*, pk=None, now):
    """Take the next due delivery (or delivery `pk` if due) under a row lock, other workers skipping it; apply
    quiet hours and the phone's rate limits (serialised per phone by an advisory lock); mark it `sending` and
    commit. Returns the delivery to send, "deferred", or None when nothing is due."""
    with transaction.atomic():
        qs = Delivery.objects.select_for_update(skip_locked=True, of=("self",)).select_related(
            "message__recipient").filter(status=Delivery.Status.PENDING, due_at__lte=now)
        if pk is not None:
            qs = qs.filter(pk=pk)
        delivery = qs.order_by("due_at", "pk").first()
        if delivery is None:
            return None
        if delivery.channel == Channel.SMS:
            rule = kind_table.kind_of(delivery.message.kind)
            later = None if rule.urgent else quiet_until(now)
            reason = "quiet_hours"
            if later is None and not rule.unlimited:
                if connection.vendor == "postgresql":
                    lock = int.from_bytes(hashlib.sha256(delivery.address.encode()).digest()[:8], "big", signed=True)
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock])
                later, reason = _rate_wait(delivery.address, now), "rate_limit"
            if later is not None:
                delivery.due_at, delivery.deferred_reason = later, reason
                delivery.save(update_fields=["due_at", "deferred_reason"])
                return "deferred"
        delivery.status = Delivery.Status.SENDING
        delivery.attempts += 1
        delivery.claimed_at = now
        delivery.save(update_fields=["status", "attempts", "claimed_at"])
    return delivery


def _send(delivery, now=None):
    """Call the channel's provider for a claimed delivery (outside any transaction) and record the outcome."""
    now = now or timezone.now()
    try:
        if delivery.channel == Channel.EMAIL:
            message = delivery.message
            send_mail(message.subject, message.body, None, [delivery.address])
            provider_id = ""
        else:
            template_id = (_setting("SMS_TEMPLATE_IDS", {}) or {}).get(delivery.template)
            provider_id = get_backend().send(delivery.address, delivery.text, template_id=template_id,
                                             params=delivery.params) or ""
    except SmsRejected as exc:
        log.warning("delivery %s refused for good: %s", delivery.pk, exc)
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.FAILED, last_error=str(exc)[:300])
        return False
    except Exception as exc:  # noqa: BLE001 — a provider or mail server problem is retried, never lost
        log.warning("delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, exc)
        gave_up = delivery.attempts >= MAX_ATTEMPTS
        wait = BACKOFF[min(delivery.attempts - 1, len(BACKOFF) - 1)]
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.FAILED if gave_up else Delivery.Status.PENDING,
            due_at=now + datetime.timedelta(seconds=wait), deferred_reason="" if gave_up else "retry",
            last_error=f"{type(exc).__name__}: {exc}"[:300])
        return False
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.SENT, sent_at=now, provider_id=str(provider_id)[:100], last_error="")
    return True


def deliver_now(ids, *, now=None):
    """Send the given deliveries if they are due (right after their message was committed). Returns how many
    went out."""
    sent = 0
    now = now or timezone.now()
    for pk in ids:
        delivery = _claim(pk=pk, now=now)
        if isinstance(delivery, Delivery):
            sent += _send(delivery, now)
    return sent


def deliver_due(*, now=None, limit=1000):
    """Send every due delivery (at most `limit`), each claimed under a row lock; mark the ones a worker left
    `sending` too long ago as `unknown` (not resent). Returns counts."""
    now = now or timezone.now()
    stale = Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - STALE_AFTER).update(
        status=Delivery.Status.UNKNOWN, last_error="interrupted while sending: not resent")
    counts = {"sent": 0, "failed": 0, "deferred": 0, "unknown": stale}
    for _n in range(limit):
        delivery = _claim(now=now)
        if delivery is None:
            break
        if delivery == "deferred":
            counts["deferred"] += 1
            continue
        counts["sent" if _send(delivery, now) else "failed"] += 1
    return counts


@shared_task(name="inbox.deliver", ignore_result=True)
def deliver_task(ids):
    """Send these just-committed deliveries in the worker (INBOX_DELIVER_ASYNC)."""
    return deliver_now(ids)


@shared_task(name="inbox.deliver_due", ignore_result=True)
def deliver_due_task():
    """Send every due delivery (queued by the job "inbox.deliver" once its ledger transaction commits)."""
    return deliver_due()


def message_mark_read(*, actor, message):
    """Mark one of the actor's own messages as read."""
    if message.recipient_id != actor.pk:
        raise PermissionDenied
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
    return message


# --- preferences --------------------------------------------------------------------------------

PHONE_CODE_TTL = datetime.timedelta(minutes=10)
PHONE_CODE_TRIES = 5
PHONE_CODES_PER_DAY = 5


def normalize_mobile(phone):
    """A mainland mobile number as 11 digits (spaces, dashes and +86 dropped), or "" when it is not one."""
    digits = "".join(ch for ch in str(phone or "") if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if len(digits) == 11 and digits.startswith("1") else ""


@transaction.atomic
def preference_update(*, actor, muted):
    """Save which channels the actor turned off, per topic (`muted`: iterable of "topic:channel"; the inbox
    cannot be turned off)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in first."))
    allowed = {f"{t}:{c}" for t in kind_table.TOPICS for c in (kind_table.EMAIL, kind_table.SMS)}
    muted = sorted(set(muted or ()))
    if any(m not in allowed for m in muted):
        raise ValidationError({"muted": [_("Choose among the channels shown.")]})
    preference, _created = ContactPreference.objects.select_for_update().get_or_create(user=actor)
    preference.muted = muted
    preference.save(update_fields=["muted", "updated_at"])
    return preference


def phone_code_request(*, actor, phone, now=None):
    """Send a six-digit code to `phone` to confirm it is the actor's (at most PHONE_CODES_PER_DAY a day)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in first."))
    number = normalize_mobile(phone)
    if not number:
        raise ValidationError({"phone": [_("Enter a mainland mobile number of 11 digits.")]}, code="bad_phone")
    now = now or timezone.now()
    with transaction.atomic():
        ContactPreference.objects.get_or_create(user=actor)
        ContactPreference.objects.select_for_update().get(user=actor)  # one request at a time per user
        if PhoneCode.objects.filter(user=actor, created_at__gt=now - datetime.timedelta(days=1)).count() \
                >= PHONE_CODES_PER_DAY:
            raise ValidationError({"phone": [_("Too many codes today. Try again tomorrow.")]}, code="throttled")
        code = f"{secrets.randbelow(10 ** 6):06d}"
        record = PhoneCode.objects.create(user=actor, phone=number, code_hash=make_password(code))
        message = Message.objects.create(
            recipient=actor, kind="inbox.phone_code", key=f"phone-code:{record.pk}",
            subject=_("A confirmation code was sent to %(phone)s") % {"phone": number[:3] + "****" + number[-4:]},
        )
        # The code goes by SMS only: never into the inbox, where it would confirm nothing.
        params = [code]
        delivery = Delivery.objects.create(
            message=message, channel=Channel.SMS, address=number, template="phone_code", params=params,
            text=kind_table.sms_text("phone_code", params), due_at=now)
        transaction.on_commit(lambda: deliver_now([delivery.pk]))
    return record


def phone_code_confirm(*, actor, code, now=None):
    """Confirm the phone of the actor's latest code; the phone then receives their SMS. A wrong code counts as
    a try (five per code) even though it is refused."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in first."))
    now = now or timezone.now()
    wrong = ValidationError({"code": [_("This code is wrong or has expired. Ask for a new one.")]}, code="bad_code")
    with transaction.atomic():
        record = PhoneCode.objects.select_for_update().filter(user=actor, used_at__isnull=True).order_by(
            "-created_at", "-pk").first()
        if record is None or record.created_at < now - PHONE_CODE_TTL or record.tries >= PHONE_CODE_TRIES:
            ok = False
        elif not check_password(str(code or "").strip(), record.code_hash):
            PhoneCode.objects.filter(pk=record.pk).update(tries=record.tries + 1)
            ok = False
        else:
            ok = True
            record.used_at = now
            record.save(update_fields=["used_at"])
            preference, _created = ContactPreference.objects.select_for_update().get_or_create(user=actor)
            preference.phone, preference.phone_verified_at = record.phone, now
            preference.save(update_fields=["phone", "phone_verified_at", "updated_at"])
    if not ok:
        raise wrong
    return preference


@transaction.atomic
def phone_remove(*, actor):
    """Forget the actor's phone: no more SMS to it (the member record's phone, if any, is staff's)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in first."))
    ContactPreference.objects.filter(user=actor).update(phone="", phone_verified_at=None)
    Delivery.objects.filter(message__recipient=actor, channel=Channel.SMS, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.CANCELLED)
