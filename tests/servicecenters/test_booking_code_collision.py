"""A booking code drawn twice is drawn again, on real PostgreSQL: the resident never sees the collision."""

import itertools

import pytest

from servicecenters import services
from servicecenters.models import Booking

from .conftest import local_dt


@pytest.fixture
def codes_drawn(monkeypatch):
    """The code field's default, made to repeat a code already in use before drawing fresh ones."""
    field = Booking._meta.get_field("code")
    queue = []

    def draw():
        return queue.pop(0) if queue else original()

    original = field.default
    # Field.get_default() calls the cached `_get_default`, not `default` itself.
    monkeypatch.setattr(field, "_get_default", draw)
    return queue


@pytest.mark.django_db(transaction=True)
def test_a_taken_code_is_drawn_again(resident, room, tomorrow, codes_drawn):
    first = services.booking_create(actor=resident, room=room, start=local_dt(tomorrow, 9),
                                    end=local_dt(tomorrow, 10), attendees=1)
    codes_drawn.extend([first.code, first.code])  # the next two draws repeat it
    second = services.booking_create(actor=resident, room=room, start=local_dt(tomorrow, 11),
                                     end=local_dt(tomorrow, 12), attendees=1)
    assert not codes_drawn, "both repeated codes were drawn"
    assert second.code != first.code
    assert Booking.objects.filter(code=first.code).count() == 1
    assert Booking.objects.count() == 2 and second.history.count() == 1


@pytest.mark.django_db(transaction=True)
def test_codes_taken_every_time_give_up_without_a_half_written_booking(resident, room, tomorrow, codes_drawn):
    from django.db import IntegrityError

    first = services.booking_create(actor=resident, room=room, start=local_dt(tomorrow, 9),
                                    end=local_dt(tomorrow, 10), attendees=1)
    codes_drawn.extend(itertools.repeat(first.code, services.CODE_ATTEMPTS))
    with pytest.raises(IntegrityError):
        services.booking_create(actor=resident, room=room, start=local_dt(tomorrow, 11),
                                end=local_dt(tomorrow, 12), attendees=1)
    assert Booking.objects.count() == 1 and Booking.history.count() == 1
