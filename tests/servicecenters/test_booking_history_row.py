"""A booking and its history row written by one statement (core.inserts.insert_with_history): the same rows as
simple-history writes through save(), the same signals, and later saves still recorded."""

import datetime

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from core.inserts import insert_with_history
from servicecenters import services
from servicecenters.models import Booking, BookingStatus

from .conftest import local_dt

pytestmark = pytest.mark.django_db

#: Columns the two ways of writing cannot share: the keys and the moments of writing.
OWN = {"history_id", "id", "history_date", "created_at", "code", "start", "end"}


def _history_values(booking):
    row = booking.history.values().get()
    return {k: v for k, v in row.items() if k not in OWN}


def _new(room, resident, day, hour):
    start = local_dt(day, hour)
    return Booking(room=room, resident=resident, start=start, end=start + datetime.timedelta(hours=1),
                   attendees=3, purpose="读书会", status=BookingStatus.CONFIRMED)


def test_one_statement_writes_the_row_and_its_history_as_save_does(room, resident, staff, tomorrow):
    made = _new(room, resident, tomorrow, 9)
    with CaptureQueriesContext(connection) as ctx:
        insert_with_history(made, user=staff)
    assert len(ctx.captured_queries) == 1
    saved = _new(room, resident, tomorrow, 11)
    saved._history_user = staff
    saved.save()

    made_row = Booking.objects.get(pk=made.pk)
    assert made.created_at == made_row.created_at and made.code == made_row.code and made_row.purpose == "读书会"
    assert _history_values(made) == _history_values(saved)
    history = made.history.get()
    assert (history.history_type, history.history_user_id, history.id) == ("+", staff.pk, made.pk)
    assert (history.code, history.start, history.created_at) == (made.code, made.start, made.created_at)


def test_post_save_receivers_run_once_and_later_saves_are_recorded(room, resident, tomorrow):
    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((instance.pk, created))

    post_save.connect(receiver, sender=Booking)
    try:
        booking = insert_with_history(_new(room, resident, tomorrow, 9), user=resident)
    finally:
        post_save.disconnect(receiver, sender=Booking)
    assert seen == [(booking.pk, True)]
    assert booking.history.count() == 1, "simple-history's own receiver does not write a second row"
    assert not hasattr(booking, "skip_history_when_saving")

    services.booking_cancel(actor=resident, booking=booking)
    assert list(booking.history.order_by("history_date").values_list("history_type", "status")) == [
        ("+", "confirmed"), ("~", "cancelled")]


def test_a_booking_made_by_the_service_has_one_history_row_by_its_resident(room, resident, tomorrow):
    start = local_dt(tomorrow, 9)
    booking = services.booking_create(actor=resident, room=room, start=start,
                                      end=start + datetime.timedelta(hours=1), attendees=2)
    history = booking.history.get()
    assert (history.history_type, history.history_user_id, history.status) == ("+", resident.pk, booking.status)


def test_insert_writes_one_row_by_one_statement_with_the_fields_save_fills(resident):
    from core.inserts import insert
    from inbox.models import Message

    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((instance.pk, created))

    post_save.connect(receiver, sender=Message)
    try:
        with CaptureQueriesContext(connection) as ctx:
            message = insert(Message(recipient=resident, kind="booking_confirmed", key="k:1", subject="预约成功"))
    finally:
        post_save.disconnect(receiver, sender=Message)
    assert len(ctx.captured_queries) == 1 and seen == [(message.pk, True)]
    row = Message.objects.get(pk=message.pk)
    assert (row.recipient_id, row.key, row.subject, row.created_at) == (resident.pk, "k:1", "预约成功",
                                                                       message.created_at)
    assert message.created_at is not None and not message._state.adding
