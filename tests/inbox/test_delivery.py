"""The messaging layer: channels per kind and preference, exactly one SMS per message however often the sender
runs and whatever fails, quiet hours that defer, per-phone rate limits."""

import datetime
import threading
import zoneinfo

import pytest
from django.db import connection, connections, transaction

from inbox import services
from inbox.models import ContactPreference, Delivery, Message
from core.sms import SmsRejected, backends
from core.sms.tencent import TencentBackend

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
NOON = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=SH)


def _send(user, key="k1", *, kind="booking_reminder", now=NOON, **extra):
    return services.message_send(recipient=user, kind=kind, key=key, subject="明天的预约", sms_params=["党员之家 11-26 09:00"],
                                 now=now, **extra)


@pytest.mark.django_db
def test_a_kind_with_sms_plans_one_delivery_per_channel_and_sends_after_commit(sms, phone_user, mailoutbox,
                                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message, created = _send(phone_user)
    assert created
    rows = {d.channel: d for d in message.deliveries.all()}
    assert set(rows) == {"email", "sms"}
    assert rows["sms"].text == "温馨提醒：您预约的党员之家 11-26 09:00将于明天开始，请按时到场。"
    assert rows["sms"].status == Delivery.Status.SENT and rows["email"].status == Delivery.Status.SENT
    assert [m["phone"] for m in sms] == ["13812345678"] and len(mailoutbox) == 1
    # The same key again: nothing new planned or sent.
    with django_capture_on_commit_callbacks(execute=True):
        _again, created = _send(phone_user)
    assert not created and Delivery.objects.count() == 2 and len(sms) == 1


@pytest.mark.django_db
def test_inbox_only_kinds_and_preferences_choose_the_channels(sms, phone_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message, _c = services.message_send(recipient=phone_user, kind="unknown.kind", key="a", subject="x",
                                            sms_params=["x"])
    assert not message.deliveries.exists()
    services.preference_update(actor=phone_user, muted=["bookings:sms"])
    with django_capture_on_commit_callbacks(execute=True):
        message, _c = _send(phone_user, key="b")
    assert list(message.deliveries.values_list("channel", flat=True)) == ["email"]
    with pytest.raises(services.ValidationError):
        services.preference_update(actor=phone_user, muted=["bookings:inbox"])


@pytest.mark.django_db
def test_no_phone_no_sms_and_an_unconfirmed_phone_is_not_used(sms, django_capture_on_commit_callbacks):
    from tests.factories import UserFactory

    user = UserFactory(username="nophone", email="")
    ContactPreference.objects.create(user=user, phone="13900000000")  # never confirmed
    with django_capture_on_commit_callbacks(execute=True):
        message, _c = _send(user)
    assert not message.deliveries.exists() and not sms


@pytest.mark.django_db
def test_a_failing_provider_is_retried_and_the_sms_goes_out_exactly_once(settings, sms, phone_user,
                                                                         django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "core.sms.backends.FailingBackend"
    settings.SMS_FAIL_TIMES = 2
    with django_capture_on_commit_callbacks(execute=True):
        message, _c = _send(phone_user, kind="waitlist_offer")
    delivery = message.deliveries.get(channel="sms")
    assert delivery.status == Delivery.Status.PENDING and delivery.attempts == 1
    assert delivery.deferred_reason == "retry" and "unavailable" in delivery.last_error
    # Not yet due: the sender leaves it alone.
    assert services.deliver_due(now=NOON)["sent"] == 0
    later = NOON + datetime.timedelta(minutes=2)
    assert services.deliver_due(now=later) == {"sent": 0, "failed": 1, "deferred": 0, "unknown": 0}
    result = services.deliver_due(now=later + datetime.timedelta(minutes=10))
    assert result["sent"] == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 3 and delivery.provider_id
    # However often the sender runs now, the SMS is not sent again.
    for hours in (1, 2, 30):
        services.deliver_due(now=later + datetime.timedelta(hours=hours))
    assert len(sms) == 1 and backends.failures["count"] == 2


@pytest.mark.django_db
def test_a_provider_that_stays_down_is_given_up_after_the_last_attempt(settings, sms, phone_user,
                                                                       django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "core.sms.backends.FailingBackend"
    settings.SMS_FAIL_TIMES = None
    with django_capture_on_commit_callbacks(execute=True):
        message, _c = _send(phone_user)
    when = NOON
    for _n in range(10):
        when += datetime.timedelta(hours=2)
        services.deliver_due(now=when)
    delivery = message.deliveries.get(channel="sms")
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == services.MAX_ATTEMPTS
    assert not sms


@pytest.mark.django_db
def test_a_refused_sms_is_not_retried(settings, sms, phone_user, django_capture_on_commit_callbacks, monkeypatch):
    def refuse(self, phone, text, **kw):
        raise SmsRejected("InvalidParameterValue.IncorrectPhoneNumber")

    monkeypatch.setattr(backends.LocmemBackend, "send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        message, _c = _send(phone_user)
    delivery = message.deliveries.get(channel="sms")
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 1
    services.deliver_due(now=NOON + datetime.timedelta(days=1))
    assert message.deliveries.get(channel="sms").attempts == 1


@pytest.mark.django_db
def test_a_delivery_interrupted_while_sending_is_never_resent(sms, phone_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # planned, not sent
        message, _c = _send(phone_user)
    delivery = message.deliveries.get(channel="sms")
    claimed = services._claim(pk=delivery.pk, now=NOON)  # a worker claimed it, then died before recording
    assert claimed.status == Delivery.Status.SENDING
    result = services.deliver_due(now=NOON + datetime.timedelta(minutes=30))
    delivery.refresh_from_db()
    assert result["unknown"] == 1 and delivery.status == Delivery.Status.UNKNOWN and not sms


@pytest.mark.django_db
def test_quiet_hours_defer_an_sms_until_seven_and_nothing_is_dropped(sms, phone_user,
                                                                     django_capture_on_commit_callbacks):
    night = datetime.datetime(2026, 11, 25, 22, 30, tzinfo=SH)
    with django_capture_on_commit_callbacks(execute=True):
        message, _c = _send(phone_user, now=night)
    sms_row = message.deliveries.get(channel="sms")
    email_row = message.deliveries.get(channel="email")
    assert email_row.status == Delivery.Status.SENT  # e-mail has no quiet hours
    assert sms_row.status == Delivery.Status.PENDING and sms_row.deferred_reason == "quiet_hours"
    assert sms_row.due_at == datetime.datetime(2026, 11, 26, 7, 0, tzinfo=SH)
    assert services.deliver_due(now=datetime.datetime(2026, 11, 26, 6, 59, tzinfo=SH))["sent"] == 0
    assert not sms
    assert services.deliver_due(now=datetime.datetime(2026, 11, 26, 7, 0, tzinfo=SH))["sent"] == 1
    assert len(sms) == 1


@pytest.mark.parametrize("hour, minute, until", [
    (21, 59, None), (22, 0, (26, 7)), (23, 59, (26, 7)), (0, 0, (25, 7)), (6, 59, (25, 7)), (7, 0, None),
])
def test_quiet_hours_in_beijing_time(settings, hour, minute, until):
    settings.SMS_QUIET_HOURS = (22, 7)
    now = datetime.datetime(2026, 11, 25, hour, minute, tzinfo=SH).astimezone(datetime.UTC)
    expected = None if until is None else datetime.datetime(2026, 11, until[0], 7, tzinfo=SH)
    assert services.quiet_until(now) == expected


@pytest.mark.django_db
def test_rate_limits_per_phone_defer_the_extra_sms(sms, phone_user, django_capture_on_commit_callbacks):
    when = NOON
    for n in range(7):
        with django_capture_on_commit_callbacks(execute=True):
            _send(phone_user, key=f"k{n}", now=when)
        services.deliver_due(now=when)
        when += datetime.timedelta(minutes=1)
    assert len(sms) == 5  # five an hour
    held = Delivery.objects.filter(channel="sms", status=Delivery.Status.PENDING)
    assert held.count() == 2 and set(held.values_list("deferred_reason", flat=True)) == {"rate_limit"}
    assert min(held.values_list("due_at", flat=True)) == NOON + datetime.timedelta(hours=1)
    services.deliver_due(now=NOON + datetime.timedelta(hours=1, minutes=5))
    assert len(sms) == 7
    # The day's limit (10): the next ones wait for tomorrow.
    when = NOON + datetime.timedelta(hours=3)
    for n in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            _send(phone_user, key=f"d{n}", now=when)
        services.deliver_due(now=when)
        when += datetime.timedelta(minutes=1)
    assert len(sms) == 10
    assert Delivery.objects.filter(channel="sms", status=Delivery.Status.PENDING).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_sms_once(sms, phone_user):
    for n in range(4):
        _send(phone_user, key=f"c{n}", now=NOON)  # autocommit: each sent at once …
    Delivery.objects.update(status=Delivery.Status.PENDING, attempts=0, sent_at=None, claimed_at=None)
    sms.clear()  # … so pretend none went out, and race two senders for them
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(services.deliver_due(now=NOON + datetime.timedelta(minutes=1)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phones = [m for m in sms if m["phone"] == "13812345678"]
    assert len(phones) == 4 and len({m["text"] for m in phones}) == 1
    assert Delivery.objects.filter(channel="sms", status=Delivery.Status.SENT).count() == 4
    assert sum(r["sent"] for r in results) == 8  # four SMS and four e-mails, each by one of the two


@pytest.mark.django_db
def test_the_deliver_job_is_registered_and_hands_the_work_to_the_task(django_capture_on_commit_callbacks, monkeypatch):
    from jobs.ledger import run

    called = []
    monkeypatch.setattr(services.deliver_due_task, "delay", lambda: called.append(True))
    with django_capture_on_commit_callbacks(execute=True):
        period, result, ran = run("inbox.deliver", "2026-11-25T07")
    assert ran and result == {"queued": True} and called == [True]


def test_tencent_backend_builds_the_request_and_reads_the_answer(settings):
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    from core.sms import SmsTemporaryError

    settings.SMS_TENCENT_APP_ID, settings.SMS_TENCENT_SIGN = "1400000000", "金水党建"

    class Status:
        def __init__(self, code):
            self.Code, self.Message, self.SerialNo = code, "msg", "2433:123"

    class Client:
        def __init__(self, answer):
            self.answer, self.requests = answer, []

        def SendSms(self, request):
            self.requests.append(request)
            if isinstance(self.answer, Exception):
                raise self.answer
            return type("R", (), {"SendStatusSet": [Status(self.answer)]})()

    ok = Client("Ok")
    assert TencentBackend(client=ok).send("13812345678", "t", template_id="123", params=["a", 2]) == "2433:123"
    sent = ok.requests[0]
    assert (sent.PhoneNumberSet, sent.TemplateId, sent.TemplateParamSet, sent.SignName, sent.SmsSdkAppId) == (
        ["+8613812345678"], "123", ["a", "2"], "金水党建", "1400000000")
    with pytest.raises(SmsRejected):
        TencentBackend(client=Client("InvalidParameterValue.IncorrectPhoneNumber")).send("1", "t", template_id="1")
    with pytest.raises(SmsTemporaryError):
        TencentBackend(client=Client("LimitExceeded.PhoneNumberThirtySecondLimit")).send("1", "t", template_id="1")
    with pytest.raises(SmsTemporaryError):
        TencentBackend(client=Client(TencentCloudSDKException("ClientNetworkError", "timeout"))).send(
            "1", "t", template_id="1")
    with pytest.raises(SmsRejected):
        TencentBackend(client=ok).send("1", "t")  # no template id configured


def test_file_backend_appends_a_line(settings, tmp_path):
    import json

    settings.SMS_FILE_PATH = str(tmp_path / "sms.log")
    message_id = backends.FileBackend().send("13812345678", "您好", template_id=None, params=["x"])
    line = json.loads((tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()[0])
    assert line["id"] == message_id and line["text"] == "您好" and line["phone"] == "13812345678"


@pytest.mark.django_db
def test_a_broker_that_does_not_answer_leaves_the_deliveries_pending_for_the_hourly_job(
        settings, sms, phone_user, django_capture_on_commit_callbacks, monkeypatch):
    import kombu.exceptions

    settings.INBOX_DELIVER_ASYNC = True

    def down(*args):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(services.deliver_task, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        message, created = _send(phone_user)  # no error reaches the sender
    assert created and {d.status for d in message.deliveries.all()} == {Delivery.Status.PENDING}
    services.deliver_due(now=NOON)  # the planned time, not the clock: at night the SMS would wait for 07:00
    assert {d.status for d in message.deliveries.all()} == {Delivery.Status.SENT} and len(sms) == 1
