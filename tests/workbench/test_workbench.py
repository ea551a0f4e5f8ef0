"""The front door, each role's workbench (scoped, a fixed number of queries), the staff navigation and the staff
inbox's layout."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import RoleGrant
from assessment.models import Finding, Inspection, InspectionPlan, Interview, InterviewReason
from members.orglife.models import Meeting, MeetingKind
from participation.models import ResidentRequest
from servicecenters.models import Booking, BookingStatus
from tests.factories import Role, UserFactory, grant
from tests.servicecenters.factories import CenterFactory, RoomFactory

PASSWORD = "Jinshui-test-2026"


@pytest.fixture
def inspector(db):
    return grant(UserFactory(username="inspector-01", first_name="赵督查"), Role.INSPECTOR)


@pytest.fixture
def center_staff(tree):
    center = CenterFactory(code="SC01", name="凤凰台党群服务中心", street=tree.street)
    user = UserFactory(username="center-SC01", is_staff=False)
    RoleGrant.objects.create(user=user, role=Role.CENTER_STAFF, center_id=center.pk)
    user.center = center
    return user


def _meeting(org, recorder, topic):
    return Meeting.objects.create(org=org, kind=MeetingKind.BRANCH_MEETING if hasattr(MeetingKind, "BRANCH_MEETING")
                                  else MeetingKind.values[0], held_on=datetime.date(2026, 11, 2), topic=topic,
                                  minutes="会议记录", recorded_by=recorder)


# --- the front door ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_visitor_signs_in_at_the_front_door(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="sign-in-form"' in html and 'action="/i18n/setlang/"' in html


@pytest.mark.django_db
def test_staff_land_on_their_workbench_and_residents_on_the_phone_pages(client, street_secretary, resident,
                                                                         settings):
    settings.OTP_REQUIRED = False
    answer = client.post("/", {"username": "sec-S01", "password": PASSWORD})
    assert answer.status_code == 302 and answer["Location"] == "/workbench/"
    assert client.get("/")["Location"] == "/workbench/"
    client.logout()
    resident.set_password(PASSWORD)
    resident.save()
    answer = client.post("/", {"username": "resident-0001", "password": PASSWORD})
    assert answer["Location"] == "/m/"
    assert client.get("/")["Location"] == "/m/"
    assert client.get("/workbench/")["Location"] == "/m/"


@pytest.mark.django_db
def test_signing_in_on_the_phone_page_sends_staff_to_the_workbench_too(client, street_secretary, resident, settings):
    settings.OTP_REQUIRED = False
    answer = client.post("/m/login/", {"username": "sec-S01", "password": PASSWORD}, follow=True)
    assert answer.redirect_chain[-1][0] == "/workbench/" and answer.status_code == 200
    client.logout()
    resident.set_password(PASSWORD)
    resident.save()
    answer = client.post("/m/login/", {"username": "resident-0001", "password": PASSWORD}, follow=True)
    assert answer.redirect_chain[-1][0] == "/m/" and answer.status_code == 200


@pytest.mark.django_db
def test_center_staff_land_on_their_workbench(client, center_staff, settings):
    answer = client.post("/", {"username": "center-SC01", "password": PASSWORD})
    assert answer["Location"] == "/workbench/"


@pytest.mark.django_db
def test_a_wrong_password_is_answered_in_chinese_on_the_front_door(client):
    page = client.post("/", {"username": "nobody", "password": "wrong-password"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "请输入一个正确的用户名和密码" in page.content.decode()


@pytest.mark.django_db
def test_the_workbench_asks_staff_for_the_second_factor(client, street_secretary, settings):
    settings.OTP_REQUIRED = True
    client.post("/", {"username": "sec-S01", "password": PASSWORD})
    answer = client.get("/workbench/")
    assert answer.status_code == 302 and "/accounts/2fa/" in answer["Location"]


# --- the workbenches -----------------------------------------------------------------------------------------------


def _sections(page):
    return {section.key: section for _role, sections in page.context["roles"] for section in sections}


@pytest.mark.django_db
def test_district_staff_see_quarters_findings_interviews(client, district_user, tree, inspector):
    today = timezone.localdate()
    inspection = Inspection.objects.create(month="2026-10", org=tree.community, inspector=inspector,
                                           visited_on=datetime.date(2026, 10, 5), summary="检查")
    finding = Finding.objects.create(inspection=inspection, org=tree.community, description="台账不全",
                                     found_on=datetime.date(2026, 10, 5), deadline=today - datetime.timedelta(days=3))
    Interview.objects.create(org=tree.street, interviewee="张书记", reason=InterviewReason.RANKING, quarter="2026Q3")
    client.force_login(district_user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/workbench/")
    assert page.status_code == 200
    sections = _sections(page)
    assert [i.url for i in sections["overdue"].items] == [f"/assessment/findings/{finding.pk}/"]
    assert sections["interviews"].total == 1
    assert sections["quarters"].items and sections["quarters"].items[0].label == "2026Q4"
    assert len(queries) <= 14, [q["sql"] for q in queries]


@pytest.mark.django_db
def test_a_street_secretary_sees_their_street_only(client, tree, street_secretary, community_secretary):
    own = _meeting(tree.grid, community_secretary, "学习党章")
    other_recorder = grant(UserFactory(username="sec-S02C01"), Role.COMMUNITY_SECRETARY, tree.other_community)
    _meeting(tree.other_grid, other_recorder, "别处的会议")
    _meeting(tree.grid, street_secretary, "自己记录的会议")
    client.force_login(street_secretary)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/workbench/")
    sections = _sections(page)
    assert [i.label for i in sections["meetings"].items] == ["学习党章"]
    assert sections["meetings"].items[0].url == f"/admin/members/meeting/{own.pk}/change/"
    assert "别处的会议" not in page.content.decode()
    assert "quarters" not in sections  # the district's work is not theirs
    assert len(queries) <= 12, [q["sql"] for q in queries]


@pytest.mark.django_db
def test_a_community_secretary_sees_their_community_requests_only(client, tree, community_secretary, resident):
    due = timezone.localdate() + datetime.timedelta(days=2)
    ResidentRequest.objects.create(resident=resident, community=tree.community, kind="issue", title="路灯不亮",
                                   body="小区路灯坏了", due_on=due)
    ResidentRequest.objects.create(resident=resident, community=tree.other_community, kind="issue",
                                   title="别处的诉求", body="别处", due_on=due)
    client.force_login(community_secretary)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/workbench/")
    sections = _sections(page)
    assert [i.label for i in sections["requests"].items] == ["路灯不亮"]
    assert "duty" in sections and "deadlines" in sections and "birthdays" in sections
    assert "别处的诉求" not in page.content.decode()
    assert len(queries) <= 14, [q["sql"] for q in queries]


@pytest.mark.django_db
def test_an_inspector_sees_this_months_plan_and_their_open_findings(client, tree, inspector):
    month = timezone.localdate().strftime("%Y-%m")
    InspectionPlan.objects.create(month=month, org=tree.community, inspector=inspector)
    other = grant(UserFactory(username="inspector-02"), Role.INSPECTOR)
    InspectionPlan.objects.create(month=month, org=tree.other_community, inspector=other)
    client.force_login(inspector)
    page = client.get("/workbench/")
    sections = _sections(page)
    assert [i.label for i in sections["inspections"].items] == ["经八路街道 · 省委社区"]
    assert sections["inspections"].items[0].url == "/assessment/inspections/new/"
    assert "quarters" not in sections


@pytest.mark.django_db
def test_center_staff_see_their_centers_approvals_only(client, tree, center_staff, resident):
    room = RoomFactory(center=center_staff.center, name="多功能活动室")
    other_room = RoomFactory(center=CenterFactory(code="SC02", name="别的中心", street=tree.other_street),
                             name="书吧")
    start = timezone.now() + datetime.timedelta(days=1)
    for r in (room, other_room):
        Booking.objects.create(room=r, resident=resident, start=start, end=start + datetime.timedelta(hours=1),
                               attendees=3, purpose=f"{r.name}的读书会", status=BookingStatus.PENDING)
    client.force_login(center_staff)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/workbench/")
    sections = _sections(page)
    assert [i.detail for i in sections["approvals"].items] == ["多功能活动室的读书会"]
    assert sections["approvals"].items[0].url == f"/m/staff/?center={center_staff.center.pk}"
    assert len(queries) <= 10, [q["sql"] for q in queries]


@pytest.mark.django_db
def test_a_long_list_is_capped_with_a_link_to_the_rest(client, tree, street_secretary, community_secretary):
    for n in range(13):
        _meeting(tree.grid, community_secretary, f"会议{n}")
    client.force_login(street_secretary)
    page = client.get("/workbench/")
    section = _sections(page)["meetings"]
    assert len(section.items) == 10 and section.total == 13 and section.more == 3
    assert "/admin/members/meeting/" in page.content.decode()


# --- the navigation and the language switch ------------------------------------------------------------------------


def _nav_keys(html):
    import re

    block = html.split('id="portal-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'data-nav="([a-z]+)"', block)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/", "/assessment/", "/dashboard/", "/workbench/", "/workbench/tree/",
                                 "/inbox/", "/members/birthdays/", "/accountability/"])
def test_every_staff_page_carries_the_navigation(client, district_user, url):
    client.force_login(district_user)
    html = client.get(url).content.decode()
    assert _nav_keys(html) == ["workbench", "dashboard", "assessment", "members", "tree", "centers", "inbox",
                               "admin"]
    assert 'action="/i18n/setlang/"' in html and "district" in html  # the user's name, and the sign-out


@pytest.mark.django_db
def test_the_navigation_shows_only_what_the_role_reaches(client, center_staff, inspector):
    client.force_login(center_staff)
    assert _nav_keys(client.get("/workbench/").content.decode()) == ["workbench", "centers", "inbox"]
    client.force_login(inspector)
    assert "assessment" in _nav_keys(client.get("/workbench/").content.decode())


@pytest.mark.django_db
def test_residents_phone_pages_have_the_language_switch_and_no_staff_navigation(client, resident):
    client.force_login(resident)
    html = client.get("/m/").content.decode()
    assert 'action="/i18n/setlang/"' in html and 'id="portal-nav"' not in html


@pytest.mark.django_db
def test_the_language_switch_changes_the_language(client, district_user):
    client.force_login(district_user)
    answer = client.post("/i18n/setlang/", {"language": "en", "next": "/workbench/"})
    assert answer.status_code == 302 and answer["Location"] == "/workbench/"
    assert "Workbench" in client.get("/workbench/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/workbench/"})
    assert "工作台" in client.get("/workbench/").content.decode()


@pytest.mark.django_db
def test_the_inbox_is_a_staff_page_for_staff_and_a_phone_page_for_residents(client, district_user, resident):
    client.force_login(district_user)
    html = client.get("/inbox/").content.decode()
    assert 'class="tabbar"' not in html and 'class="wb-header"' in html
    client.force_login(resident)
    html = client.get("/inbox/").content.decode()
    assert 'class="tabbar"' in html and 'class="wb-header"' not in html


# --- dues to review ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_dues_to_review_on_the_community_then_the_street_workbench(client, tree, street_secretary,
                                                                   community_secretary):
    from members.dues.selectors import _months_back
    from members.dues.services import dues_record, dues_review

    month = _months_back(timezone.localdate(), 2)
    dues_record(actor=community_secretary, member=tree.member, month=month, kind="employed", income_base=4000)
    other_secretary = grant(UserFactory(username="sec-S02C01"), Role.COMMUNITY_SECRETARY, tree.other_community)
    dues_record(actor=other_secretary, member=tree.other_member, month=month, kind="employed", income_base=4000)
    page_url = "/members/dues/review/"

    client.force_login(community_secretary)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/workbench/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    section = _sections(page)["dues"]
    assert [(i.label, i.badge) for i in section.items] == [("省委社区", f"{month:%Y-%m}")]
    assert section.items[0].url == f"{page_url}#dues-{tree.community.pk}-{month:%Y-%m}"
    assert section.more_url == page_url and "党费待审核" in page.content.decode()
    assert "鑫苑社区" not in page.content.decode()
    assert len(queries) <= 16, [q["sql"] for q in queries]

    client.force_login(street_secretary)
    assert _sections(client.get("/workbench/"))["dues"].total == 0  # the community reviews first
    dues_review(actor=community_secretary, community=tree.community, month=month)
    dues_review(actor=other_secretary, community=tree.other_community, month=month)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/workbench/")
    section = _sections(page)["dues"]
    assert [i.label for i in section.items] == ["省委社区"] and section.total == 1
    assert len(queries) <= 14, [q["sql"] for q in queries]
    client.force_login(community_secretary)
    assert _sections(client.get("/workbench/"))["dues"].total == 0
