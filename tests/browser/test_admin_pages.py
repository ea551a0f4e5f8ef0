"""The admin in a real browser: sign-in, the organization tree, members, data scope, language."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The province only (digits 1–2): the rest would let the date of birth, sequence and check digit be rebuilt.
MASKED_ID = re.compile(r"^\d{2}\*{16}$")


def cells(page, field):
    """The texts of one column of the change list (the first column is a <th>, the others <td>)."""
    return [t.strip() for t in page.locator(f"#result_list tbody .field-{field}").all_text_contents()]


def assert_portal_chrome(page, lang="zh-hans"):
    """The page is in the expected language and wears the portal's header."""
    assert page.locator("html").get_attribute("lang") == lang
    header_bg = page.eval_on_selector("#header", "el => getComputedStyle(el).backgroundColor")
    assert header_bg == "rgb(183, 28, 28)", header_bg
    font = page.eval_on_selector("body", "el => getComputedStyle(el).fontFamily")
    assert "Noto Sans CJK SC" in font


def test_district_staff_browses_the_organization_tree(live_server, page, sign_in, screenshot, district_user, tree):
    page.goto(f"{live_server.url}/admin/login/")
    assert_portal_chrome(page)
    screenshot(page, "login")
    sign_in(page, district_user, next_path="/admin/grids/orgnode/")
    assert page.url.endswith("/admin/grids/orgnode/")
    assert_portal_chrome(page)
    assert "退出登录" in page.locator("#logout-form").text_content()  # our catalog names "Log out" everywhere

    names = cells(page, "name")
    for name in ("经八路街道", "省委社区", "第一网格", "1号楼组", "北林路街道", "鑫苑社区"):
        assert name in names
    screenshot(page, "tree")

    street_row = page.locator("#result_list tbody tr").filter(has=page.locator("th", has_text=re.compile(r"^S01$")))
    assert street_row.count() == 1
    with page.expect_navigation():
        street_row.locator("td.field-children_link a").click()
    assert f"parent__id__exact={tree.street.pk}" in page.url
    assert cells(page, "name") == ["省委社区"]
    assert "鑫苑社区" not in page.locator("#result_list").inner_text()
    screenshot(page, "children")


def test_member_list_masks_id_numbers_filters_and_searches(live_server, page, sign_in, screenshot, district_user,
                                                           tree):
    sign_in(page, district_user, next_path="/admin/members/member/")
    assert_portal_chrome(page)
    assert sorted(cells(page, "name")) == sorted(["王明", "李红"])
    id_cells = cells(page, "masked_id_number_display")
    assert len(id_cells) == 2 and all(MASKED_ID.match(v) for v in id_cells), id_cells
    assert tree.member.id_number not in page.content()
    assert tree.member.phone not in page.content()
    screenshot(page, "all")

    with page.expect_navigation():
        page.locator("#changelist-filter a", has_text="经八路街道").first.click()
    assert f"street={tree.street.pk}" in page.url
    assert cells(page, "name") == ["王明"]
    screenshot(page, "street")

    page.goto(f"{live_server.url}/admin/members/member/")
    page.fill("#searchbar", "李红")
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    assert cells(page, "name") == ["李红"]
    assert MASKED_ID.match(cells(page, "masked_id_number_display")[0])
    assert tree.other_member.id_number not in page.content()


def test_community_secretary_sees_only_their_community(live_server, page, sign_in, screenshot, community_secretary,
                                                       tree):
    sign_in(page, community_secretary, next_path="/admin/grids/orgnode/")
    names = cells(page, "name")
    assert "省委社区" in names and "第一网格" in names
    assert "鑫苑社区" not in names and "北林路街道" not in names and "经八路街道" not in names
    screenshot(page, "tree")

    page.goto(f"{live_server.url}/admin/members/member/")
    assert cells(page, "name") == ["王明"]
    assert "李红" not in page.content()
    screenshot(page, "members")

    with page.expect_navigation():
        page.locator("#result_list tbody th.field-name a").click()
    assert page.url.endswith(f"/admin/members/member/{tree.member.pk}/change/")
    assert page.input_value("#id_name") == "王明"
    screenshot(page, "own-member")

    response = page.goto(f"{live_server.url}/admin/members/member/{tree.other_member.pk}/change/")
    assert response.status == 404
    body = page.content()
    assert "李红" not in body and tree.other_member.masked_id_number not in body
    screenshot(page, "foreign-member")


def test_member_form_shows_the_stored_dates(live_server, page, sign_in, community_secretary, tree):
    """<input type="date"> accepts only ISO dates; a localized value (1950/05/29) shows as empty."""
    sign_in(page, community_secretary, next_path=f"/admin/members/member/{tree.member.pk}/change/")
    assert page.input_value("#id_name") == "王明"
    assert page.input_value("#id_birth_date") == tree.member.birth_date.isoformat()
    assert page.input_value("#id_joined_on") == tree.member.joined_on.isoformat()


def test_admin_speaks_english_on_request(live_server, new_page, sign_in, screenshot, district_user):
    page = new_page(locale="en-US")  # Accept-Language: en-US; LocaleMiddleware maps it to "en"
    sign_in(page, district_user)
    assert_portal_chrome(page, lang="en")
    assert page.locator("#site-name").inner_text().strip() == "Jinshui District party-building portal"
    assert page.locator("#logout-form").text_content().strip() == "Log out"
    assert "Welcome," in page.locator("#user-tools").text_content()
    screenshot(page, "index")


def test_theme_toggle_still_switches_to_dark(live_server, page, sign_in, screenshot, district_user, tree):
    sign_in(page, district_user, next_path="/admin/grids/orgnode/")
    background = "el => getComputedStyle(el).backgroundColor"
    assert page.eval_on_selector("body", background) == "rgb(255, 255, 255)"
    for _ in range(3):  # the toggle cycles auto -> light -> dark (or from wherever it starts)
        if page.locator("html").get_attribute("data-theme") == "dark":
            break
        page.locator("#user-tools .theme-toggle").click()
    assert page.locator("html").get_attribute("data-theme") == "dark"
    assert page.eval_on_selector("body", background) == "rgb(18, 18, 18)"
    assert page.eval_on_selector("#header", background) == "rgb(138, 23, 23)"
    screenshot(page, "dark")
