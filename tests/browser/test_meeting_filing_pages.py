"""A secretary's meeting, a street's pre-review and a quarter's publication in a real browser (with screenshots)."""

import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-meet")


@pytest.fixture
def shot(screenshot):
    def take(page, label):
        path = screenshot(page, label)
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(path, SHOTS / path.name)

    return take


def test_a_secretary_records_a_meeting_with_a_checklist(live_server, page, sign_in, shot, tree, community_secretary):
    from members.orglife.models import Meeting
    from tests.factories import MemberFactory
    from tests.members.helpers import ensure_definitions

    ensure_definitions()
    MemberFactory(org=tree.building, name="赵缺席")
    MemberFactory(org=tree.grid, name="钱出席")
    sign_in(page, community_secretary, next_path="/admin/members/meeting/add/")
    assert page.locator("#id_org option").count() == 4  # no member yet: the branch first
    shot(page, "choose-branch")
    page.select_option("#id_org", label="省委社区")
    with page.expect_navigation():
        page.click("#choose-branch [type=submit]")
    rows = page.locator(".attendance-table tbody tr")
    assert rows.count() == 3
    page.select_option("#id_kind", "members")
    page.fill("#id_held_on", "2026-04-03")
    page.fill("#id_topic", "支部党员大会")
    page.fill("#id_minutes", "传达学习上级精神")
    page.click(".attendance-all")  # the static script ticks everyone and greys the reasons
    assert page.locator(".attendance-reason:disabled").count() == 3
    row = rows.filter(has_text="赵缺席")
    row.locator("input[type=checkbox]").uncheck()
    row.locator(".attendance-reason").fill("外出务工")
    shot(page, "checklist")
    with page.expect_navigation():
        page.click("input[name=_save]")
    meeting = Meeting.objects.get()
    assert meeting.attendance.filter(present=True).count() == 2
    assert meeting.attendance.get(present=False).absence_reason == "外出务工"
    page.goto(f"{live_server.url}/admin/members/meeting/{meeting.pk}/change/")
    assert "外出务工" in page.locator("#attendance-group").inner_text()
    shot(page, "recorded")


def test_a_street_pre_reviews_with_the_record(live_server, page, sign_in, shot, tree, street_secretary):
    from tests.members.helpers import make_candidate, record_to

    candidate = record_to(make_candidate(tree.grid), 3)
    filing = candidate.filings.get(status="proposed")
    sign_in(page, street_secretary, next_path=f"/admin/members/stagefiling/{filing.pk}/change/")
    assert page.locator("input[name=decision]:checked").count() == 0
    assert page.locator(".filing-steps tbody tr").count() == 3
    assert "省委社区 · 第一网格" in page.content()
    shot(page, "filing")


def test_district_staff_sees_what_publishing_needs(live_server, page, sign_in, shot, tree, district_user):
    from assessment.models import Department, UnitLevel
    from tests.assessment.conftest import make_plan, put_scores

    make_plan(UnitLevel.STREET)
    make_plan(UnitLevel.COMMUNITY)
    Department.objects.create(code="D01", name="区委办公室")
    make_plan(UnitLevel.DEPARTMENT)
    put_scores(tree.street, "2026Q3", [80, 70, 60])
    sign_in(page, district_user)
    page.goto(f"{live_server.url}/assessment/scores/2026Q3/?level=street")
    shot(page, "publish")
    assert page.locator("#unscored").is_visible() and page.locator("#exception-reason").is_visible()
    shot(page, "publish")
    page.fill("#exception-reason", "新设单位本季度不参评")
    page.on("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("#publish")
    assert page.locator("#reopen-form").is_visible()
    shot(page, "published")
