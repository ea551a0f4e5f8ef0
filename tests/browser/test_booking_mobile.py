"""A resident books a room from a phone-sized browser, end to end, and finds it in "my bookings";
center staff approve a booking on the phone staff page."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role, RoleGrant
from servicecenters.models import Booking, BookingStatus
from tests.factories import UserFactory, grant
from tests.servicecenters.factories import CenterFactory, RoomFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def phone_sign_in(page, live_server, user, password):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/m/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("#login-form [type=submit]")
    assert "/m/login/" not in page.url


def test_resident_books_a_room_on_a_phone(live_server, page, screenshot, password):
    center = CenterFactory(code="SC01", name="凤凰台党群服务中心")
    RoomFactory(center=center, name="多功能活动室", capacity=50)
    RoomFactory(center=center, name="书吧", capacity=20, kind="reading_bar")
    resident = grant(UserFactory(username="resident-0001", is_staff=False), Role.RESIDENT)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    phone_sign_in(page, live_server, resident, password)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "home")

    page.click("text=凤凰台党群服务中心")
    page.click(".room >> text=书吧")
    page.goto(page.url.split("?")[0] + f"?date={tomorrow.isoformat()}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "room")

    page.click('.slot[data-slot-start="10:00"]')
    assert page.input_value("#book [name=start]") == "10:00"
    assert page.input_value("#book [name=end]") == "11:00"
    page.fill("#book [name=attendees]", "4")
    page.fill("#book [name=purpose]", "读书会")
    with page.expect_navigation():
        page.click("#book-submit")
    assert page.url.endswith("/m/bookings/")
    card = page.locator("#upcoming .booking").first
    assert "书吧" in card.inner_text() and "10:00–11:00" in card.inner_text()
    screenshot(page, "my-bookings")

    booking = Booking.objects.get(resident=resident)
    assert booking.status == BookingStatus.CONFIRMED and booking.attendees == 4
    assert timezone.localtime(booking.start) == datetime.datetime.combine(
        tomorrow, datetime.time(10), tzinfo=timezone.get_current_timezone())

    # The same slot again: taken, said so in place, with the waitlist offered.
    page.goto(f"{live_server.url}/m/rooms/{booking.room_id}/?date={tomorrow.isoformat()}")
    assert "taken" in page.locator('.slot[data-slot-start="10:00"]').get_attribute("class")
    page.select_option("#book [name=start]", "10:00")
    page.select_option("#book [name=end]", "11:00")
    with page.expect_navigation():
        page.click("#book-submit")
    assert page.locator("#booking-errors").is_visible() and page.locator("#join-waitlist").is_visible()
    screenshot(page, "conflict")

    page.goto(f"{live_server.url}/inbox/")
    assert page.locator(".msg").count() == 1
    screenshot(page, "inbox")


def test_center_staff_approve_on_a_phone(live_server, page, screenshot, password):
    center = CenterFactory(code="SC01", name="凤凰台党群服务中心")
    room = RoomFactory(center=center, name="区域党校", capacity=80, needs_approval=True)
    staff = UserFactory(username="center-SC01", is_staff=False)
    RoleGrant.objects.create(user=staff, role=Role.CENTER_STAFF, center_id=center.pk)
    resident = grant(UserFactory(username="resident-0002", is_staff=False), Role.RESIDENT)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    tz = timezone.get_current_timezone()
    booking = Booking.objects.create(
        room=room, resident=resident, attendees=30, purpose="主题党日", status=BookingStatus.PENDING,
        start=datetime.datetime.combine(tomorrow, datetime.time(14), tzinfo=tz),
        end=datetime.datetime.combine(tomorrow, datetime.time(16), tzinfo=tz),
    )
    phone_sign_in(page, live_server, staff, password)
    page.goto(f"{live_server.url}/m/staff/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "queue")
    with page.expect_navigation():
        page.click(f'[data-booking="{booking.pk}"] [data-action=approve]')
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.decided_by == staff
    page.goto(f"{live_server.url}/m/staff/occupancy/")
    page.wait_for_selector("#occupancy-chart svg")
    box = page.locator("#occupancy-chart svg").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # a tooltip, under the CSP
    page.wait_for_timeout(200)
    screenshot(page, "occupancy")
