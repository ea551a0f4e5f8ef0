"""A community secretary imports the members sheet, sees the rejected row named by row and column, fixes it
and imports again."""

import pytest

from members.records.models import Member
from tests.members.test_import import row, xlsx_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_secretary_imports_a_sheet_and_fixes_a_rejected_row(live_server, page, sign_in, screenshot, tree,
                                                            community_secretary):
    sign_in(page, community_secretary, next_path="/admin/members/member/")
    with page.expect_navigation():
        page.click("a.import-link")
    assert page.url.endswith("/members/import/")

    bad = row(2, id_number=row(2)["id_number"][:-1] + ("0" if row(2)["id_number"][-1] != "0" else "1"))
    page.set_input_files("#id_file", files=[{"name": "党员名册.xlsx", "mimeType": XLSX,
                                             "buffer": xlsx_bytes([row(1), bad, row(3)])}])
    with page.expect_navigation():
        page.click("#import-submit")
    assert page.locator("#import-rejected").is_visible()
    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 1
    cells = [c.strip() for c in errors.first.locator("td").all_text_contents()]
    assert cells[:2] == ["3", "E"] and cells[2]  # row 3 (the header is row 1), column E: the ID number
    screenshot(page, "rejected")
    assert Member.objects.filter(name__startswith="导入").count() == 0  # all or nothing

    page.set_input_files("#id_file", files=[{"name": "党员名册.xlsx", "mimeType": XLSX,
                                             "buffer": xlsx_bytes([row(1), row(2), row(3)])}])
    with page.expect_navigation():
        page.click("#import-submit")
    assert page.locator("#import-done").is_visible()
    screenshot(page, "imported")
    assert Member.objects.filter(name__startswith="导入", org=tree.grid).count() == 3
