"""A community secretary imports a points sheet from the points list, sees the bad row named by row and column,
fixes it and imports again."""

import pytest

from members.points.models import PointEntry
from tests.members.test_sheet_imports import point, sheet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_secretary_imports_points_and_fixes_a_bad_row(live_server, page, sign_in, screenshot, tree,
                                                      community_secretary):
    sign_in(page, community_secretary, next_path="/admin/members/pointentry/")
    with page.expect_navigation():
        page.click("a.import-link")
    assert page.locator("#id_kind").input_value() == "points"

    bad = sheet("points", [point(tree.member, 1), point(tree.member, 2, category="打扫卫生")]).export("xlsx")
    page.set_input_files("#id_file", files=[{"name": "积分.xlsx", "mimeType": XLSX, "buffer": bad}])
    with page.expect_navigation():
        page.click("#import-submit")
    assert page.locator("#import-rejected").is_visible()
    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 1
    cells = [c.strip() for c in errors.first.locator("td").all_text_contents()]
    assert cells[:2] == ["3", "D"] and cells[2]  # row 3 (the header is row 1), column D: the category
    screenshot(page, "rejected")
    assert PointEntry.objects.count() == 0  # all or nothing

    fixed = sheet("points", [point(tree.member, 1), point(tree.member, 2, category="学习")]).export("xlsx")
    assert page.locator("#id_kind").input_value() == "points"
    page.set_input_files("#id_file", files=[{"name": "积分.xlsx", "mimeType": XLSX, "buffer": fixed}])
    with page.expect_navigation():
        page.click("#import-submit")
    assert page.locator("#import-done").is_visible()
    screenshot(page, "imported")
    assert PointEntry.objects.filter(member=tree.member).count() == 2
