"""The dashboard in a real browser: its ECharts charts render, for district staff and for a street secretary."""

import datetime

import pytest

from demo import community as community_demo
from demo import tree as demo
from grids.models import OrgNode
from tests.factories import Role, UserFactory, grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL = demo.Counts(streets=3, level2=8, villages=2, grids=16, building_groups=30, members=300, residents=1)

# Every chart's canvas exists, has a size, and has painted pixels.
CHARTS_PAINTED = """() => Array.from(document.querySelectorAll('.dash-chart')).map(el => {
  const canvas = el.querySelector('canvas');
  if (!canvas || !canvas.width || !canvas.height) return 0;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  return painted;
})"""


@pytest.fixture
def district(transactional_db):
    demo.build(1, counts=SMALL, today=datetime.date(2026, 3, 1))
    community_demo.seed(scale=1, seed=1, today=datetime.date(2026, 3, 1))
    return OrgNode.objects.get(code="JS01")


def _open_dashboard(page, sign_in, user, query=""):
    sign_in(page, user, next_path=f"/dashboard/{query}")
    assert page.url.endswith(f"/dashboard/{query}")
    page.wait_for_function("document.querySelectorAll('.dash-chart[data-rendered]').length === "
                           "document.querySelectorAll('.dash-chart').length")
    page.wait_for_timeout(600)  # the charts' entry animation
    painted = page.evaluate(CHARTS_PAINTED)
    assert len(painted) >= 7 and all(p > 500 for p in painted), painted
    header = page.eval_on_selector(".portal-header", "el => getComputedStyle(el).backgroundColor")
    assert header == "rgb(183, 28, 28)"
    assert "Noto Sans CJK SC" in page.eval_on_selector("body", "el => getComputedStyle(el).fontFamily")
    # Hover every chart: the tooltips render under the Content-Security-Policy too (new_page fails on a refusal).
    for chart in page.locator(".dash-chart canvas").all():
        box = chart.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(150)


def test_district_staff_sees_the_district_charts(live_server, new_page, sign_in, screenshot, district):
    user = grant(UserFactory(username="district"), Role.DISTRICT_STAFF)
    page = new_page("zh-CN")
    _open_dashboard(page, sign_in, user, "?year=2017")  # the report's year (the page opens on the current one)
    text = page.locator("main").inner_text()
    assert "全区" in text or "Whole district" in text
    for figure in ("653", "609", "196", "647", "810", "419", "203", "192", "95%", "73%", "80%", "720", "228"):
        assert figure in text, figure
    screenshot(page, "district")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(page, "phone")


def test_street_secretary_sees_their_street_charts(live_server, new_page, sign_in, screenshot, district):
    user = grant(UserFactory(username="sec-street"), Role.STREET_SECRETARY, district)
    page = new_page("en-US")
    _open_dashboard(page, sign_in, user)
    assert page.locator("h1").inner_text() == district.name
    other = OrgNode.objects.get(code="JS02")
    assert other.name not in page.locator("main").inner_text()
    screenshot(page, "street")


def _shot(page, screenshot, name):
    import shutil

    path = screenshot(page, name)
    shutil.copy(path, f"/tmp/shots-assess/{path.name}") if __import__("os").path.isdir("/tmp/shots-assess") else None


def test_each_scope_sees_this_year_and_its_own_rank(live_server, new_page, sign_in, screenshot, district):
    """District, street and community: the current year by default, the title naming the scope, and a secretary's
    own place in the ranking (never the district's first place)."""
    from django.utils import timezone

    from assessment.models import RankingRow, RankingSnapshot
    from grids.models import Level

    communities = list(OrgNode.objects.filter(level=Level.COMMUNITY).order_by("-code"))
    snapshot = RankingSnapshot.objects.create(quarter="2026Q3", level="community", ranked_count=len(communities))
    for rank, node in enumerate(communities, start=1):
        RankingRow.objects.create(snapshot=snapshot, org=node, unit_code=node.code, unit_name=node.name, rank=rank,
                                  total=95 - 3 * rank, interview_suggested=rank == len(communities))
    last = communities[-1]
    street = OrgNode.objects.get(path=last.path.rsplit("/", 2)[0] + "/")
    users = {
        "district": grant(UserFactory(username="district"), Role.DISTRICT_STAFF),
        "street": grant(UserFactory(username="sec-street"), Role.STREET_SECRETARY, street),
        "community": grant(UserFactory(username="sec-community"), Role.COMMUNITY_SECRETARY, last),
    }
    year = str(timezone.localdate().year)
    for label, user in users.items():
        page = new_page("zh-CN")
        _open_dashboard(page, sign_in, user)
        assert page.locator("#year option[selected]").inner_text() == year
        title = page.title()
        main = page.locator("main").inner_text()
        if label == "district":
            assert title.startswith("全区数据看板")
        else:
            name = street.name if label == "street" else last.name
            assert title.startswith(f"{name}数据看板") and "全区" not in page.locator("h1").inner_text()
        if label == "community":
            assert f"第{len(communities)}名/{len(communities)}" in main and "第一名" not in main
        _shot(page, screenshot, label)
