"""Each role's day in Debian's chromium: sign in at `/`, land on the right page, reach every part of the work from
the navigation (no typed address after signing in), do the role's main task, and see no English word or
constraint name on the Chinese pages. Screenshots: screenshots/test_<role>…png (and /tmp/shots-front/ when
SHOTS_DIR says so)."""

import datetime
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Role, RoleGrant
from assessment.models import Finding, Inspection, InspectionPlan, Interview, InterviewReason
from members.orglife.models import Meeting, MeetingKind
from participation.models import ResidentRequest
from servicecenters.models import Booking, BookingStatus
from tests.factories import MemberFactory, UserFactory, grant
from tests.servicecenters.factories import CenterFactory, RoomFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Words that may show in Latin letters on a Chinese page: the users' own names and the language switch's "English".
ALLOWED = {"English", "admin", "inspector", "center", "resident", "sec"}
SHOTS = os.environ.get("SHOTS_DIR")


@pytest.fixture
def district(tree):
    """The tree of tests/conftest.py with every role's account and a little open work for each."""
    d = tree
    today = timezone.localdate()
    d.admin = grant(UserFactory(username="admin", first_name="区委组织部"), Role.DISTRICT_STAFF)
    d.street_sec = grant(UserFactory(username="sec-S01", first_name="张书记"), Role.STREET_SECRETARY, tree.street)
    d.community_sec = grant(UserFactory(username="sec-S01C01", first_name="李书记"), Role.COMMUNITY_SECRETARY,
                            tree.community)
    d.inspector = grant(UserFactory(username="inspector-01", first_name="赵督查"), Role.INSPECTOR)
    d.center = CenterFactory(code="SC01", name="凤凰台党群服务中心", street=tree.street)
    d.room = RoomFactory(center=d.center, name="多功能活动室", capacity=30)
    d.center_staff = UserFactory(username="center-SC01", first_name="王社工", is_staff=False)
    RoleGrant.objects.create(user=d.center_staff, role=Role.CENTER_STAFF, center_id=d.center.pk)
    d.resident = grant(UserFactory(username="resident-0001", first_name="刘居民", is_staff=False), Role.RESIDENT)
    for n in range(3):
        MemberFactory(org=tree.grid, name=f"党员{n}")
    d.meeting = Meeting.objects.create(org=tree.grid, kind=MeetingKind.values[0], held_on=today.replace(day=1),
                                       topic="学习党的二十届四中全会精神", minutes="会议记录", recorded_by=d.community_sec)
    d.request = ResidentRequest.objects.create(resident=d.resident, community=tree.community, kind="issue",
                                               title="楼道路灯不亮", body="三号楼二单元路灯坏了",
                                               due_on=today + datetime.timedelta(days=3))
    InspectionPlan.objects.create(month=today.strftime("%Y-%m"), org=tree.community, inspector=d.inspector)
    visit = Inspection.objects.create(month=(today.replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m"),
                                      org=tree.other_community, inspector=d.inspector,
                                      visited_on=today.replace(day=1) - datetime.timedelta(days=20), summary="检查台账")
    Finding.objects.create(inspection=visit, org=tree.other_community, description="三会一课记录不全",
                           found_on=visit.visited_on, deadline=today - datetime.timedelta(days=2))
    Interview.objects.create(org=tree.street, interviewee="张书记", reason=InterviewReason.RANKING, quarter="2026Q3")
    start = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(15)))
    d.booking = Booking.objects.create(room=d.room, resident=d.resident, start=start,
                                       end=start + datetime.timedelta(hours=1), attendees=6, purpose="党员读书会",
                                       status=BookingStatus.PENDING)
    return d


def front_door_sign_in(page, live_server, user, password):
    """Sign in at `/` (and pass the second factor on its page when the user must)."""
    from accounts.scopes import forget_scope, requires_second_factor
    from tests.second_factor import authenticator, totp_code

    device = authenticator(user) if requires_second_factor(user) else None
    forget_scope(user)
    page.goto(f"{live_server.url}/")
    assert page.locator("#sign-in-form").is_visible()
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("#sign-in-form [type=submit]")
    if device is not None:
        assert "/accounts/2fa/verify/" in page.url, page.url
        page.fill("#id_code", totp_code(device))
        with page.expect_navigation():
            page.click("#second-factor-form [type=submit]")
    return page


def no_english(page):
    """No English word (beyond user names and the language switch) and no constraint name on the page."""
    # Codes shown to be read out or typed (a booking's code, 8 random letters and digits) are not words.
    body = page.inner_text("body")
    for code in page.locator(".code, code").all_inner_texts():
        body = body.replace(code, "")
    text = re.sub(r"(https?|webcal)://\S+", "", body)  # an address shown to copy (the calendar)
    words = {w for w in re.findall(r"[A-Za-z][A-Za-z_]{3,}", text) if w not in ALLOWED}
    assert not words, f"{page.url}: {sorted(words)}"
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), page.url


def shot(page, screenshot, label):
    path = screenshot(page, label)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        Path(SHOTS, path.name).write_bytes(path.read_bytes())


def visit_nav(page, screenshot, keys, *, check=True):
    """Click each navigation link in turn; each page opens, carries the navigation with that link marked current."""
    for key in keys:
        with page.expect_navigation():
            page.click(f"#portal-nav [data-nav={key}]")
        assert page.locator(f"#portal-nav [data-nav={key}].on").count() == 1, (key, page.url)
        if check:
            no_english(page)
        shot(page, screenshot, f"nav-{key}")


def nav_keys(page):
    return page.eval_on_selector_all("#portal-nav [data-nav]", "els => els.map(e => e.dataset.nav)")


def test_district_staff_day(live_server, page, screenshot, password, district):
    page.goto(f"{live_server.url}/")
    no_english(page)
    shot(page, screenshot, "front-door")
    front_door_sign_in(page, live_server, district.admin, password)
    assert page.url == f"{live_server.url}/workbench/"
    no_english(page)
    shot(page, screenshot, "workbench")
    assert page.locator("#wb-overdue li").count() == 1 and page.locator("#wb-interviews li").count() == 1
    assert nav_keys(page) == ["workbench", "dashboard", "assessment", "members", "tree", "centers", "inbox", "admin"]
    visit_nav(page, screenshot, ["dashboard", "assessment", "tree", "inbox", "workbench", "members", "admin",
                                 "centers"])
    # The main task: from the tree, down to a street and its party members in the admin.
    page.click("#portal-nav [data-nav=tree]")
    page.click(f".wb-row[data-node='{district.street.pk}'] .wb-row-name")
    assert page.locator("#tree-focus").inner_text().count("经八路街道") >= 1
    shot(page, screenshot, "tree-street")
    with page.expect_navigation():
        page.click("#tree-focus >> text=党员名册")
    assert page.locator("#result_list tbody tr").count() == 4  # the three above and the tree's 王明
    # The overdue rectification opens from the workbench.
    page.click("#portal-nav [data-nav=workbench]")
    with page.expect_navigation():
        page.click("#wb-overdue li a")
    assert "/assessment/findings/" in page.url


def test_street_secretary_day(live_server, page, screenshot, password, district):
    front_door_sign_in(page, live_server, district.street_sec, password)
    assert page.url == f"{live_server.url}/workbench/"
    no_english(page)
    shot(page, screenshot, "workbench")
    assert "centers" not in nav_keys(page)
    visit_nav(page, screenshot, ["dashboard", "assessment", "tree", "inbox", "workbench"])
    # Only their street in the tree.
    page.click("#portal-nav [data-nav=tree]")
    assert page.locator(f".wb-row[data-node='{district.other_street.pk}']").count() == 0
    assert page.locator(f".wb-row[data-node='{district.community.pk}']").count() == 1
    page.click("#portal-nav [data-nav=workbench]")
    # The main task: the meeting to review opens in the admin.
    with page.expect_navigation():
        page.click("#wb-meetings li a")
    assert f"/admin/members/meeting/{district.meeting.pk}/change/" in page.url
    shot(page, screenshot, "meeting")


def test_community_secretary_day(live_server, page, screenshot, password, district):
    front_door_sign_in(page, live_server, district.community_sec, password)
    assert page.url == f"{live_server.url}/workbench/"
    no_english(page)
    shot(page, screenshot, "workbench")
    visit_nav(page, screenshot, ["dashboard", "tree", "inbox", "workbench"])
    # The main task: accept a resident's request from the workbench.
    with page.expect_navigation():
        page.click("#wb-requests li a")
    with page.expect_navigation():
        page.click("#accept")
    district.request.refresh_from_db()
    assert district.request.status == "accepted"
    shot(page, screenshot, "request-accepted")


def test_inspector_day(live_server, page, screenshot, password, district):
    front_door_sign_in(page, live_server, district.inspector, password)
    assert page.url == f"{live_server.url}/workbench/"
    no_english(page)
    shot(page, screenshot, "workbench")
    assert "assessment" in nav_keys(page)
    visit_nav(page, screenshot, ["assessment", "tree", "inbox", "workbench"])
    # The main task: record the planned inspection, reached from the workbench.
    with page.expect_navigation():
        page.click("#wb-inspections li a")
    assert "/assessment/inspections/new/" in page.url
    page.select_option("#id_org", str(district.community.pk))
    page.fill("#id_visited_on", timezone.localdate().isoformat())
    page.fill("#id_summary", "查阅三会一课台账，抽查党员活动记录。")
    with page.expect_navigation():
        page.click("#inspection-form [type=submit]")
    assert Inspection.objects.filter(org=district.community, inspector=district.inspector).exists()
    shot(page, screenshot, "recorded")
    page.click("#portal-nav [data-nav=workbench]")
    assert "已督查" in page.locator("#wb-inspections").inner_text()


def test_center_staff_day(live_server, page, screenshot, password, district):
    front_door_sign_in(page, live_server, district.center_staff, password)
    assert page.url == f"{live_server.url}/workbench/"
    no_english(page)
    shot(page, screenshot, "workbench")
    assert nav_keys(page) == ["workbench", "centers", "inbox"]
    visit_nav(page, screenshot, ["inbox", "workbench"])
    # The main task: approve the booking, reached from the workbench.
    with page.expect_navigation():
        page.click("#wb-approvals li a")
    with page.expect_navigation():
        page.click(f"form[action*='/staff/bookings/{district.booking.pk}/approve/'] button")
    district.booking.refresh_from_db()
    assert district.booking.status == BookingStatus.CONFIRMED
    shot(page, screenshot, "approved")


def test_resident_day(live_server, page, screenshot, password, district):
    front_door_sign_in(page, live_server, district.resident, password)
    assert page.url == f"{live_server.url}/m/"
    assert page.locator("#portal-nav").count() == 0 and page.locator(".tabbar").is_visible()
    no_english(page)
    shot(page, screenshot, "home")
    # The main task: book a room, from the phone pages' own links.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with page.expect_navigation():
        page.click(f"a[href='/m/centers/{district.center.pk}/']")
    with page.expect_navigation():
        page.click(".room >> text=多功能活动室")
    shot(page, screenshot, "room")
    # The room opens on the next day with bookable hours (tomorrow, late in the evening); otherwise step to it.
    if tomorrow.isoformat() not in page.locator(".daynav strong").first.inner_text():
        with page.expect_navigation():
            page.click(f".daynav a[href$='date={tomorrow.isoformat()}']")
    page.click('.slot[data-slot-start="10:00"]')
    page.fill("#book [name=attendees]", "4")
    page.fill("#book [name=purpose]", "读书会")
    with page.expect_navigation():
        page.click("#book-submit")
    assert page.url.endswith("/m/bookings/")
    assert Booking.objects.filter(resident=district.resident, purpose="读书会").exists()
    no_english(page)
    shot(page, screenshot, "booked")
    # The inbox keeps the phone layout for residents; the language switch is there.
    with page.expect_navigation():
        page.click(".tabbar >> text=站内消息")
    assert page.url.endswith("/inbox/") and page.locator(".tabbar").is_visible()
    assert page.locator(".pn-lang button").count() == 2
    with page.expect_navigation():
        page.click(".pn-lang button[value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
