"""A resident, on a phone-sized browser, chooses their community, raises an issue with a photo, follows it, and
signs up for an activity at a service center; the last place then shows as full to the next resident."""

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from participation.models import Activity, ResidentRequest, Signup
from tests.factories import CommunityFactory, Role, StreetFactory, UserFactory, grant
from tests.servicecenters.factories import CenterFactory

from .test_booking_mobile import PHONE, phone_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_raises_an_issue_and_signs_up_on_a_phone(live_server, page, screenshot, password, tmp_path,
                                                           settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    street = StreetFactory(code="S01", name="经八路街道")
    community = CommunityFactory(code="S01C01", name="省委社区", parent=street)
    center = CenterFactory(code="SC01", name="凤凰台党群服务中心", street=street)
    now = timezone.now()
    starts = now + datetime.timedelta(days=2)
    activity = Activity.objects.create(
        center=center, kind="four_oclock", title="四点钟课堂·作业辅导", starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2), capacity=1, signup_opens=now - datetime.timedelta(days=1),
        signup_closes=starts, description="小学生作业辅导，志愿者老师一对一。",
    )
    resident = grant(UserFactory(username="resident-0001", is_staff=False), Role.RESIDENT)
    photo = tmp_path / "lamp.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 90, 90)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())

    phone_sign_in(page, live_server, resident, password)
    page.click("#requests-entry")
    page.click("#new-request")
    # First time: choose the community (once).
    assert "/m/profile/" in page.url
    page.select_option("#id_community", str(community.pk))
    with page.expect_navigation():
        page.click("#profile-submit")
    assert page.url.endswith("/m/requests/new/")  # back where the resident was going
    page.check("input[name=kind][value=issue]")
    page.fill("#id_title", "楼道灯坏了")
    page.fill("#id_body", "3号楼2单元楼道灯不亮，晚上出行不便。")
    page.set_input_files("#id_photos", str(photo))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "new-request")
    with page.expect_navigation():
        page.click("#request-submit")
    made = ResidentRequest.objects.get(resident=resident)
    assert page.url.endswith(f"/m/requests/{made.pk}/")
    assert "已提交" in page.locator("#request-status").inner_text()
    assert page.locator("#steps li").count() == 1
    assert page.locator("#request-card img").count() == 1
    screenshot(page, "request")

    page.goto(f"{live_server.url}/m/activities/")
    assert "四点钟课堂" in page.locator("#activities").inner_text()
    page.click(".activity >> text=四点钟课堂·作业辅导")
    with page.expect_navigation():
        page.click("#signup")
    assert page.locator("#signed-up").is_visible()
    assert "1 / 1" in page.locator("#places").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "signed-up")
    assert Signup.objects.filter(activity=activity, user=resident).exists()

    # The next resident finds it full.
    other = grant(UserFactory(username="resident-0002", is_staff=False), Role.RESIDENT)
    page.context.clear_cookies()
    phone_sign_in(page, live_server, other, password)
    page.goto(f"{live_server.url}/m/activities/{activity.pk}/")
    assert page.locator("#full").is_visible()
    screenshot(page, "full")
