"""The center staff page on a phone: each booker by name and masked phone, the booking code, the search box."""

import datetime
import os
import shutil

import pytest
from django.utils import timezone

from accounts.models import Role, RoleGrant
from inbox.models import ContactPreference
from servicecenters.models import Booking, BookingStatus
from tests.browser.test_booking_mobile import PHONE, phone_sign_in
from tests.factories import UserFactory, grant
from tests.servicecenters.factories import CenterFactory, RoomFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_see_bookers_and_find_a_booking(live_server, page, screenshot, password):
    center = CenterFactory(code="SC01", name="凤凰台党群服务中心")
    school = RoomFactory(center=center, name="区域党校", capacity=80, needs_approval=True)
    hall = RoomFactory(center=center, name="二楼会议室", capacity=30)
    staff = UserFactory(username="center-SC01", is_staff=False)
    RoleGrant.objects.create(user=staff, role=Role.CENTER_STAFF, center_id=center.pk)
    people = []
    for i, (name, phone) in enumerate((("张三", "13812345678"), ("李四", "15987654321"))):
        user = grant(UserFactory(username=f"resident-00{i + 10}", first_name=name, is_staff=False), Role.RESIDENT)
        ContactPreference.objects.create(user=user, phone=phone)
        people.append(user)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    tz = timezone.get_current_timezone()

    def at(day, hour):
        return datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz)

    pending = Booking.objects.create(room=school, resident=people[0], attendees=30, purpose="主题党日",
                                     status=BookingStatus.PENDING, start=at(tomorrow, 14), end=at(tomorrow, 16))
    Booking.objects.create(room=hall, resident=people[1], attendees=8, purpose="读书会",
                           status=BookingStatus.CONFIRMED, start=at(tomorrow, 9), end=at(tomorrow, 10))
    phone_sign_in(page, live_server, staff, password)
    page.goto(f"{live_server.url}/m/staff/")
    card = page.locator(f'[data-booking="{pending.pk}"]').inner_text()
    assert "张三" in card and "138****5678" in card and pending.code in card and "13812345678" not in card
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shots = [screenshot(page, "queue")]
    page.fill("#booking-q", pending.code.lower())
    with page.expect_navigation():
        page.click("#booking-search [type=submit]")
    found = page.locator("[data-found]")
    assert found.count() == 1 and "张三" in found.inner_text()
    shots.append(screenshot(page, "found"))
    with page.expect_navigation():
        page.click(f'[data-booking="{pending.pk}"] [data-action=approve]')
    message = page.locator(".messages, .message, [role=status]").first.inner_text()
    assert "已批准 张三" in message and "区域党校" in message
    shots.append(screenshot(page, "approved"))
    if os.path.isdir("/tmp/shots-assess"):
        for path in shots:
            shutil.copy(path, f"/tmp/shots-assess/{path.name}")
