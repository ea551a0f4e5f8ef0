"""Center staff see a booker's name and masked phone and find a booking by code or name, in their own center only;
messages say what was done; the search starts at the next bookable hour and never offers a time past; a center's
street is the street its organization lies in."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, RoleGrant
from inbox.models import ContactPreference
from servicecenters import selectors
from servicecenters.models import CODE_ALPHABET, Booking, BookingStatus, OpeningHours, ServiceCenter
from tests.factories import UserFactory

from .conftest import local_dt
from .factories import CenterFactory, RoomFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PHONE = "13812345678"


@pytest.fixture
def named(resident, resident2):
    resident.first_name = "张三"
    resident.save()
    ContactPreference.objects.create(user=resident, phone=PHONE)
    resident2.first_name = "李四"
    resident2.save()
    return resident, resident2


@pytest.fixture
def other_staff(other_center):
    user = UserFactory(username="center-SC02", is_staff=False, password="!")
    RoleGrant.objects.create(user=user, role=Role.CENTER_STAFF, center_id=other_center.pk)
    return user


def _book(who, room, day, hour, status=BookingStatus.PENDING):
    return Booking.objects.create(room=room, resident=who, start=local_dt(day, hour), end=local_dt(day, hour + 1),
                                  attendees=2, status=status)


def test_every_booking_gets_its_own_short_code(resident, room, tomorrow):
    codes = {_book(resident, room, tomorrow, h).code for h in range(8, 18)}
    assert len(codes) == 10
    assert all(len(c) == 8 and set(c) <= set(CODE_ALPHABET) for c in codes)


def test_staff_see_name_and_masked_phone_never_the_number(client, named, staff, room, tomorrow):
    booking = _book(named[0], room, tomorrow, 14)
    client.force_login(staff)
    body = client.get(reverse("sc:staff"), **EN).content.decode()
    assert "张三" in body and "138****5678" in body and booking.code in body
    assert PHONE not in body and "resident-0001" not in body


def test_staff_find_a_booking_by_code_or_name_in_their_center_only(
        client, named, staff, other_staff, room, other_room, tomorrow):
    mine = _book(named[0], room, tomorrow, 10, BookingStatus.CONFIRMED)
    other = _book(named[1], room, tomorrow, 12, BookingStatus.CONFIRMED)
    foreign = _book(named[0], other_room, tomorrow, 10, BookingStatus.CONFIRMED)
    client.force_login(staff)

    def found(q):
        response = client.get(reverse("sc:staff"), {"q": q}, **EN)
        assert response.status_code == 200
        return {b.pk for b in response.context["found"]}

    assert found(mine.code) == {mine.pk}
    assert found(mine.code.lower()) == {mine.pk}
    assert found("张") == {mine.pk}
    assert found("李四") == {other.pk}
    assert found(foreign.code) == set()  # another center's booking, even by its exact code
    client.force_login(other_staff)
    assert {b.pk for b in client.get(reverse("sc:staff"), {"q": "张三"}).context["found"]} == {foreign.pk}


def test_the_search_costs_one_query_whatever_it_finds(client, named, staff, room, tomorrow):
    client.force_login(staff)
    _book(named[0], room, tomorrow, 8)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("sc:staff"), {"q": "张三"})
    for hour in range(9, 20):
        _book(named[0], room, tomorrow, hour)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("sc:staff"), {"q": "张三"})
    assert len(response.context["found"]) == 12
    assert len(many) == len(few)


def test_messages_say_what_was_done(client, named, staff, room, tomorrow):
    booking = _book(named[0], room, tomorrow, 14)
    client.force_login(staff)
    response = client.post(reverse("sc:staff_action", args=[booking.pk, "approve"]), follow=True,
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = [str(m) for m in response.context["messages"]]
    day = f"{tomorrow.month}月{tomorrow.day}日"
    assert text == [f"已批准 张三 {day} 14:00–15:00 在 {room.name} 的预约，并已通知本人。"]
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_the_resident_is_told_their_code(client, resident, room, tomorrow):
    client.force_login(resident)
    response = client.post(reverse("sc:room", args=[room.pk]), {
        "date": tomorrow.isoformat(), "start": "15:00", "end": "16:00", "attendees": 1, "weeks": 1,
        "on_clash": "skip"}, follow=True, **EN)
    booking = Booking.objects.get(resident=resident)
    assert any(booking.code in str(m) and room.name in str(m) for m in response.context["messages"])
    assert booking.code in response.content.decode()  # and on the list of their bookings


# --- the search --------------------------------------------------------------------------------


def _at(hh, mm=0, day=None):
    day = day or datetime.date(2030, 1, 7)  # a Monday
    return datetime.datetime.combine(day, datetime.time(hh, mm), tzinfo=timezone.get_current_timezone())


def test_the_search_starts_at_the_next_bookable_hour(center):
    OpeningHours.objects.filter(center=center).update(opens=datetime.time(8, 30), closes=datetime.time(21, 0))
    monday, tuesday = datetime.date(2030, 1, 7), datetime.date(2030, 1, 8)
    assert selectors.next_search_slot(now=_at(17, 20)) == (monday, datetime.time(18), datetime.time(19))
    assert selectors.next_search_slot(now=_at(3, 0)) == (monday, datetime.time(9), datetime.time(10))
    assert selectors.next_search_slot(now=_at(19, 59)) == (monday, datetime.time(20), datetime.time(21))
    # After the last bookable hour of the day: the first of the next day.
    assert selectors.next_search_slot(now=_at(20, 0)) == (tuesday, datetime.time(9), datetime.time(10))
    assert selectors.next_search_slot(now=_at(23, 40)) == (tuesday, datetime.time(9), datetime.time(10))


def test_a_day_every_center_is_closed_is_skipped(center):
    OpeningHours.objects.filter(center=center, weekday=1).delete()  # closed on Tuesdays
    assert selectors.next_search_slot(now=_at(22, 0))[0] == datetime.date(2030, 1, 9)


def test_the_pages_never_offer_a_time_past(client, resident, room):
    client.force_login(resident)
    home = client.get(reverse("sc:home")).context["search"]
    day, start = home.initial["date"], home.initial["start"]
    begins = datetime.datetime.combine(day, datetime.time.fromisoformat(start),
                                       tzinfo=timezone.get_current_timezone())
    assert begins > timezone.now()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.get(reverse("sc:search"), {"date": yesterday.isoformat(), "start": "09:00", "end": "10:00",
                                                 "people": 1}, **EN)
    assert response.context["form"].errors["start"] and not response.context["rooms"]
    assert list(selectors.free_rooms(user=resident, day=yesterday, start_time=datetime.time(9),
                                     end_time=datetime.time(10))) == []


# --- a center's street --------------------------------------------------------------------------


def test_a_center_serves_the_street_its_organization_lies_in(tree):
    center = ServiceCenter(code="SCX", name="凤凰台党群服务中心", street=tree.street, node=tree.community)
    center.full_clean()
    center.street = tree.other_street
    with pytest.raises(ValidationError) as refused:
        center.full_clean()
    assert "node" in refused.value.message_dict
    center.street, center.node = tree.community, tree.community  # a community is not a street
    with pytest.raises(ValidationError):
        center.full_clean()


def test_the_admin_refuses_a_center_in_another_street(client, tree, district_user):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "r@example.com", "pw")
    client.force_login(admin)
    response = client.post("/admin/servicecenters/servicecenter/add/", {
        "code": "SCY", "name": "测试中心", "street": tree.other_street.pk, "node": tree.community.pk,
        "hours-TOTAL_FORMS": 0, "hours-INITIAL_FORMS": 0, "closed_days-TOTAL_FORMS": 0,
        "closed_days-INITIAL_FORMS": 0, "rooms-TOTAL_FORMS": 0, "rooms-INITIAL_FORMS": 0,
    }, **EN)
    assert response.status_code == 200 and not ServiceCenter.objects.filter(code="SCY").exists()
    assert "lies in another street" in response.content.decode()


def test_the_demo_centers_serve_the_street_they_stand_in():
    from demo import servicecenters as centers_demo
    from demo import tree as demo

    small = demo.Counts(streets=17, level2=30, villages=3, grids=40, building_groups=40, members=40, residents=3)
    demo.build(1, counts=small, today=datetime.date(2026, 11, 30))
    centers_demo.seed(scale=1, seed=1, hashed_password="!", today=datetime.date(2026, 11, 30))
    centers = list(ServiceCenter.objects.select_related("street", "node"))
    assert len(centers) == centers_demo.CENTERS_PER_COPY
    from grids.models import Level, OrgNode

    streets = list(OrgNode.objects.filter(level=Level.STREET))
    for center in centers:
        assert center.node is not None and center.node.path.startswith(center.street.path), center.name
        center.full_clean()
        place = center.name.removesuffix("党群服务中心")
        named_after = [s for s in streets if s.name.startswith(place)]
        if named_after:  # a center named after a street serves that street
            assert center.street == named_after[0], center.name
    by_name = {c.name: c.street.name for c in centers}
    assert by_name["凤凰台党群服务中心"] == "凤凰台街道" and by_name["经八路党群服务中心"] == "经八路街道"
    # The bookers have names and phones, as staff should see them.
    assert not Booking.objects.filter(resident__first_name="").exists()
