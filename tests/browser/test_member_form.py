"""A community secretary registers a member in the admin: the date of birth and the gender appear as soon as the
ID-card number is typed (a lowercase x too), a joining date before 18 is refused in plain Chinese (no constraint
name), and the corrected form saves."""

import datetime

import pytest

from members.records.models import Member
from members.records.validators import make_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WOMAN = make_id_number("410105", datetime.date(1985, 2, 3), 456)  # ends in X


def test_secretary_registers_a_member_from_the_id_number(live_server, page, sign_in, screenshot, tree,
                                                         community_secretary):
    sign_in(page, community_secretary, next_path="/admin/members/member/add/")
    page.fill("#id_name", "赵丽")
    page.fill("#id_id_number", WOMAN.lower())
    page.locator("#id_id_number").blur()
    assert page.input_value("#id_birth_date") == "1985-02-03"
    assert page.input_value("#id_gender") == "F"
    page.click("#id_org + .select2 .select2-selection")
    page.fill(".select2-search__field", "S01C01G01")
    page.click(".select2-results__option:has-text('S01C01G01')")
    page.fill("#id_joined_on", "2000-07-01")
    page.fill("#id_full_member_on", "2001-07-01")
    page.select_option("#id_status", "full")
    page.select_option("#id_category", "direct")
    with page.expect_navigation():
        page.click("input[name=_save]")
    errors = page.locator(".errorlist").all_text_contents()
    text = " ".join(errors)
    assert "入党时须年满18周岁" in text and "约束" not in text
    assert not any(name in page.content() for name in ("member_joined_after", "member_full_", "member_id_number"))
    screenshot(page, "refused")
    page.fill("#id_joined_on", "2010-07-01")
    page.fill("#id_full_member_on", "2011-07-01")
    with page.expect_navigation():
        page.click("input[name=_save]")
    member = Member.objects.get(name="赵丽")
    assert (member.id_number, member.gender, member.birth_date) == (WOMAN, "F", datetime.date(1985, 2, 3))
    screenshot(page, "saved")
