"""A street secretary reviews a community's duty report in a real browser: scores it against the criteria, counts
the democratic evaluation's ballots, and sees the result; a screenshot of each step."""

import datetime

import pytest

from accountability import services
from accountability.models import DutyReport
from assessment.models import UnitLevel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def submitted(tree, district_user, community_secretary):
    cycle = services.duty_cycle_open(actor=district_user, year=2026, level=UnitLevel.COMMUNITY,
                                     duties="落实三会一课\n发展党员“两级备案、两级预审”\n服务群众",
                                     criteria="履职尽责: 40\n解决问题: 30\n党建成效: 30",
                                     due_on=datetime.date(2026, 12, 20))
    report = DutyReport.objects.get(cycle=cycle, org=tree.community)
    services.duty_report_save(actor=community_secretary, report=report, secretary_name="张书记", submit=True,
                              body="一年来，社区党委认真落实抓基层党建第一责任人职责……")
    for name in ("王明", "李红"):
        services.voter_add(actor=district_user, report=report, kind="member", name=name)
    services.voter_add(actor=district_user, report=report, kind="representative", name="赵居民")
    return report


def test_street_secretary_reviews_a_community_report(live_server, page, sign_in, screenshot, street_secretary,
                                                     submitted):
    sign_in(page, street_secretary)
    page.goto(f"{live_server.url}/accountability/")
    with page.expect_navigation():
        page.locator("#cycle-table a").first.click()
    assert "省委社区" in page.locator("#report-table").inner_text()
    screenshot(page, "cycle")
    with page.expect_navigation():
        page.locator("#report-table a", has_text="省委社区").click()
    assert "一年来" in page.locator("#report-body").inner_text()
    page.fill("#id_c0", "38")
    page.fill("#id_c1", "28")
    page.fill("#id_c2", "26")
    page.fill("#id_comment", "责任落实到位，台账规范")
    with page.expect_navigation():
        page.locator("#review-form button[type=submit]").click()
    assert page.locator("#report-status").inner_text() == "已评议"
    assert page.locator("#report-final").inner_text() == "92.00"
    for choice in ("excellent", "good", "excellent"):
        page.locator("#voters select[name=choice]").first.select_option(choice)
        with page.expect_navigation():
            page.locator("#voters button[type=submit]").first.click()
    assert "均已投票" in page.locator("#voters").inner_text()
    # (0.7 × 92) + 0.3 × (100 + 80 + 100) / 3 = 64.4 + 28 = 92.40
    assert page.locator("#report-final").inner_text() == "92.40"
    tally = page.locator("#tally").inner_text()
    assert "王明" not in tally and "赵居民" not in tally
    screenshot(page, "reviewed")
