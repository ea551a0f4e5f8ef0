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


def _shot(page, screenshot, label):
    """The suite's screenshot, and a copy under /tmp/shots-resid/ to look at."""
    import shutil
    from pathlib import Path

    path = screenshot(page, label)
    target = Path("/tmp/shots-resid")
    target.mkdir(exist_ok=True)
    shutil.copy(path, target / path.name)


def test_team_leader_records_hours_and_a_secretary_proposes_a_match_on_a_phone(live_server, page, screenshot,
                                                                              password, sign_in):
    from community.models import ResidentUnit
    from members.points.models import PointEntry
    from members.selfservice.models import MemberAccount
    from participation.models import Match, Need, Resource, TeamMembership, VolunteerHours, VolunteerTeam
    from tests.factories import GridFactory, MemberFactory

    street = StreetFactory(code="S01", name="经八路街道")
    community = CommunityFactory(code="S01C01", name="省委社区", parent=street)
    grid = GridFactory(code="S01C01G01", name="第一网格", parent=community)
    leader = grant(UserFactory(username="resident-0100", is_staff=False, first_name="秀兰", last_name="王"),
                   Role.RESIDENT)
    team = VolunteerTeam.objects.create(node=community, name="夕阳红巡逻队", kind="patrol", charter="每晚巡逻楼院",
                                        founded_on=datetime.date(2020, 1, 1), leader=leader)
    mother = grant(UserFactory(username="resident-0101", is_staff=False), Role.RESIDENT)
    MemberAccount.objects.create(user=mother, member=MemberFactory(org=grid, name="张敏"),
                                 method=MemberAccount.Method.SELF)
    TeamMembership.objects.create(team=team, user=leader, name="王秀兰", joined_on=datetime.date(2020, 1, 1))
    TeamMembership.objects.create(team=team, user=mother, member=mother.member_account.member, name="张敏",
                                  joined_on=datetime.date(2020, 1, 1))

    # The team's leader, on the phone: the roster, a new member, hours for a party member.
    phone_sign_in(page, live_server, leader, password)
    page.goto(f"{live_server.url}/m/teams/")
    page.click("text=名册与时长")
    assert f"/m/teams/{team.pk}/roster/" in page.url
    page.fill("#member-form #id_name", "李大爷")
    with page.expect_navigation():
        page.click("#member-form [type=submit]")
    assert "李大爷" in page.locator("#roster").inner_text()
    membership = TeamMembership.objects.get(team=team, name="张敏")
    page.select_option("#hours-form #id_membership", str(membership.pk))
    page.fill("#hours-form #id_hours", "2.5")
    page.fill("#hours-form #id_what", "夜间巡逻")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    with page.expect_navigation():
        page.click("#hours-form [type=submit]")
    assert "2.5" in page.locator("#roster").inner_text()
    entry = VolunteerHours.objects.get(membership=membership)
    assert PointEntry.objects.filter(pk=entry.point_entry_id, member=membership.member).exists()
    _shot(page, screenshot, "roster")

    # The community's secretary, on the phone: posts a need and proposes the nearest resource.
    unit = ResidentUnit.objects.create(node=grid, name="省人民医院", contact="张主任")
    near = Resource.objects.create(node=grid, unit=unit, kind="expert", title="省人民医院·医生义诊")
    far_street = StreetFactory(code="S02", name="北林路街道")
    far_unit = ResidentUnit.objects.create(node=far_street, name="郑州大学")
    Resource.objects.create(node=far_street, unit=far_unit, kind="expert", title="郑州大学·法学教授")
    secretary = grant(UserFactory(username="sec-S01C01"), Role.COMMUNITY_SECRETARY, community)
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    sign_in(page, secretary)
    page.goto(f"{live_server.url}/m/thinktank/")
    page.fill("#need-form #id_title", "老年人健康讲座专家")
    page.select_option("#need-form #id_kind", "expert")
    with page.expect_navigation():
        page.click("#need-form [type=submit]")
    need = Need.objects.get(title="老年人健康讲座专家")
    assert page.url.endswith(f"/m/thinktank/needs/{need.pk}/")
    candidates = page.locator("#candidates .candidate")
    assert candidates.count() == 2 and "医生义诊" in candidates.nth(0).inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, screenshot, "need")
    with page.expect_navigation():
        candidates.nth(0).locator("button").click()
    match = Match.objects.get(need=need)
    assert match.resource == near and match.distance == 1
    assert "医生义诊" in page.locator("#matches").inner_text()
    _shot(page, screenshot, "proposed")
