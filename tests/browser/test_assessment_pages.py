"""The assessment pages in a real browser: the ranking with its ECharts trend, a breakdown, a secretary's scope."""

import pytest

from assessment.models import UnitLevel
from assessment.ranking import take_snapshots
from tests.assessment.conftest import make_plan, put_scores
from tests.factories import CommunityFactory, StreetFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ranked(tree):
    make_plan(UnitLevel.STREET, share=30)
    make_plan(UnitLevel.COMMUNITY, share=100)
    streets = [tree.street, tree.other_street] + [StreetFactory(code=f"S{i:02d}", name=n) for i, n in
                                                   enumerate(["花园路街道", "人民路街道", "杜岭街道"], start=3)]
    second = CommunityFactory(code="S01C02", name="文化社区", parent=tree.street)
    for k, quarter in enumerate(["2026Q1", "2026Q2", "2026Q3"]):
        for i, street in enumerate(streets):
            put_scores(street, quarter, [70 + 3 * i + k * (i - 2), 80 - i, 85])
        put_scores(tree.community, quarter, [75 + k, 80, 85])
        put_scores(second, quarter, [82 - k, 80, 85])
        put_scores(tree.other_community, quarter, [90, 90, 90])
        take_snapshots(quarter)
    return tree


def test_assessment_ranking_with_trend_chart_for_district_staff(live_server, page, sign_in, screenshot, district_user,
                                                              ranked):
    sign_in(page, district_user)
    page.goto(f"{live_server.url}/assessment/?quarter=2026Q3&level=street")
    assert page.eval_on_selector("#header", "el => getComputedStyle(el).backgroundColor") == "rgb(183, 28, 28)"
    assert "Noto Sans CJK SC" in page.eval_on_selector("body", "el => getComputedStyle(el).fontFamily")
    page.wait_for_selector("#trend-chart[data-rendered='1'] canvas")
    box = page.locator("#trend-chart canvas").first.bounding_box()
    assert box["width"] > 600 and box["height"] > 250
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # a tooltip, under the CSP
    page.wait_for_timeout(200)
    ranks = page.locator("#ranking-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.rank)")
    assert ranks == ["1", "2", "3", "4", "5"]
    assert page.locator("#ranking-table").get_by_text("经八路街道").count() == 1
    screenshot(page, "ranking")

    with page.expect_navigation():
        page.locator("#ranking-table tbody tr").first.locator("a.rank").click()
    assert page.locator("#breakdown tbody tr").count() == 3
    screenshot(page, "breakdown")


def test_assessment_ranking_street_secretary_sees_own_communities(live_server, page, sign_in, screenshot, street_secretary,
                                                      ranked):
    sign_in(page, street_secretary)
    page.goto(f"{live_server.url}/assessment/?quarter=2026Q3&level=community")
    page.wait_for_selector("#trend-chart[data-rendered='1'] canvas")
    text = page.locator("#ranking-table").inner_text()
    assert "省委社区" in text and "文化社区" in text and "鑫苑社区" not in text
    screenshot(page, "secretary")
