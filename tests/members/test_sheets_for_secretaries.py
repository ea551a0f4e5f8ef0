"""Sheets a secretary can use: the blank sheet has an example row, drop-down lists of the allowed values, the
ID-card column as text and readable widths, and the example left in is skipped; a sheet can update the members
already registered in the secretary's area (only the cells it fills, recorded in the history), never those
outside it."""

import io

import openpyxl
import pytest
import tablib
from django.urls import reverse
from django.utils import translation

from members.imports.engine import sheet_import, template_xlsx
from members.records.models import Member
from rest_framework.test import APIClient

from tests.factories import MemberFactory, Role, UserFactory, grant
from tests.members.test_import import row, sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspector(db):
    return grant(UserFactory(username="inspector"), Role.INSPECTOR)


@pytest.fixture
def api_client_for():
    def make(user):
        api = APIClient()
        api.force_authenticate(user)
        return api
    return make


def _book(kind, language="zh-hans", actor=None):
    with translation.override(language):
        return openpyxl.load_workbook(io.BytesIO(template_xlsx(kind, actor=actor))).active


def test_the_member_template_is_ready_to_fill_in(community_secretary, tree):
    ws = _book("members", actor=community_secretary)
    headers = [c.value for c in ws[1]]
    assert headers[:5] == ["姓名*", "性别", "民族", "出生日期", "身份证号*"]
    example = {h.rstrip("*"): c.value for h, c in zip(headers, ws[2])}
    assert example["姓名"] == "张三（示例）" and example["性别"] == "男" and example["党员状态"] == "正式党员"
    assert example["党组织编码"] == tree.grid.code  # a grid of the secretary's own area
    assert isinstance(example["身份证号"], str) and len(example["身份证号"]) == 18
    letter = {h.rstrip("*"): openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(headers)}
    assert ws.column_dimensions[letter["身份证号"]].number_format == "@"
    assert ws[f"{letter['身份证号']}2"].number_format == "@"
    assert ws.column_dimensions[letter["身份证号"]].width >= 20
    assert all(ws.column_dimensions[letter[h]].width >= 10 for h in letter)
    lists = {str(dv.sqref).split(":")[0][:-1]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists[letter["性别"]] == '"男,女"'
    assert lists[letter["党员状态"]] == '"预备党员,正式党员"'
    assert "直管党员" in lists[letter["党员类别"]]
    assert letter["姓名"] not in lists


@pytest.mark.parametrize("kind, column, allowed", [("points", "积分类别", "组织生活"), ("dues", "收入类型", "在职"),
                                                   ("attendance", "出席", "是,否")])
def test_every_template_lists_its_allowed_values(kind, column, allowed):
    ws = _book(kind)
    headers = [str(c.value).rstrip("*") for c in ws[1]]
    letter = openpyxl.utils.get_column_letter(headers.index(column) + 1)
    lists = {str(dv.sqref).split(":")[0][:-1]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert allowed in lists[letter]
    assert ws.max_row == 2 and ws["A2"].value  # the example row


def test_the_template_downloaded_and_filled_in_imports(client, community_secretary, tree):
    client.force_login(community_secretary)
    response = client.get(reverse("members:import-template") + "?kind=members", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    ws = book.active
    values = row(1)
    ws.append([values[k] for k in values])
    content = io.BytesIO()
    book.save(content)
    data = tablib.Dataset().load(content.getvalue(), format="xlsx")
    result = sheet_import(kind="members", actor=community_secretary, dataset=data)
    # The example row (left in) is skipped, the asterisked headers are read, the secretary's row is imported.
    assert (result.errors, result.total, result.created) == ([], 1, 1)
    assert Member.objects.filter(name="导入1").exists() and not Member.objects.filter(name__contains="张三").exists()


def _update_sheet(rows, headers=("身份证号", "手机号码", "党组织编码", "转正日期", "党员状态")):
    data = tablib.Dataset(headers=list(headers))
    for values in rows:
        data.append(values)
    return data


def test_update_mode_changes_only_the_cells_given_and_records_history(community_secretary, tree):
    member = tree.member
    before = {f: getattr(member, f) for f in ("name", "gender", "joined_on", "full_member_on", "status")}
    data = _update_sheet([[member.id_number.lower(), "13900001111", "", "", ""]])
    result = sheet_import(kind="members", actor=community_secretary, dataset=data, mode="update")
    assert result.errors == [] and (result.created, result.updated) == (0, 1)
    member.refresh_from_db()
    assert member.phone == "13900001111"
    assert {f: getattr(member, f) for f in before} == before
    latest = member.history.latest()
    assert latest.history_type == "~" and latest.history_user == community_secretary and latest.phone == "13900001111"
    # The same sheet again changes nothing.
    result = sheet_import(kind="members", actor=community_secretary, dataset=data, mode="update")
    assert (result.updated, result.unchanged, result.errors) == (0, 1, [])


def test_update_mode_moves_within_the_area_and_applies_the_rules(community_secretary, tree):
    member = tree.member
    data = _update_sheet([[member.id_number, "", tree.building.code, "", ""],
                          [MemberFactory(org=tree.grid).id_number, "", "", "2099-01-01", ""]])
    result = sheet_import(kind="members", actor=community_secretary, dataset=data, mode="update")
    assert [(e.row, e.column) for e in result.errors] == [(3, "D")]
    assert "future" in result.errors[0].message and not result.written
    result = sheet_import(kind="members", actor=community_secretary, dataset=data, mode="update", valid_only=True)
    member.refresh_from_db()
    assert member.org == tree.building and result.updated == 1


def test_update_mode_refuses_members_outside_the_area_and_never_adds(community_secretary, tree):
    outside = tree.other_member
    unknown = row(9)["id_number"]
    data = _update_sheet([[outside.id_number, "13900002222", "", "", ""], [unknown, "13900003333", "", "", ""]])
    result = sheet_import(kind="members", actor=community_secretary, dataset=data, mode="update", valid_only=True)
    messages = [e.message for e in result.errors]
    assert len(messages) == 2 and all("only members registered in your area can be updated" in m for m in messages)
    # The same words whether the number is held elsewhere or nowhere.
    assert messages[0].replace(outside.id_number, "#") == messages[1].replace(unknown, "#")
    outside.refresh_from_db()
    assert outside.phone != "13900002222" and not Member.objects.filter(id_number=unknown).exists()


def test_add_mode_still_refuses_existing_members(community_secretary, tree):
    # Dates consistent with the member's own number (born up to 1999 by the factory's sequence), so that the only
    # thing wrong with the row is that the member exists.
    data = sheet([row(1, id_number=tree.member.id_number, name=tree.member.name, joined_on=tree.member.joined_on,
                      full_member_on=tree.member.full_member_on)])
    result = sheet_import(kind="members", actor=community_secretary, dataset=data)
    assert "already registered" in result.errors[0].message


def test_the_import_page_offers_the_update_mode(client, community_secretary, tree):
    client.force_login(community_secretary)
    page = client.get(reverse("members:import"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "更新已登记的党员" in page and 'value="add"' in page
    content = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["身份证号", "手机号码"])
    book.active.append([tree.member.id_number, "13900004444"])
    book.save(content)
    content.seek(0)
    content.name = "update.xlsx"
    response = client.post(reverse("members:import"), {"kind": "members", "mode": "update", "file": content},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and response.context["result"].updated == 1
    tree.member.refresh_from_db()
    assert tree.member.phone == "13900004444"


# --- search -------------------------------------------------------------------------------------------------


def _admin_search(client, user, term):
    client.force_login(user)
    response = client.get(reverse("admin:members_member_changelist"), {"q": term})
    assert response.status_code == 200
    return {m.pk for m in response.context["cl"].result_list}


def test_a_community_name_finds_its_whole_subtree(client, api_client_for, tree, community_secretary):
    deep = MemberFactory(org=tree.building, name="楼组党员")
    found = _admin_search(client, community_secretary, tree.community.name)
    assert {tree.member.pk, deep.pk} <= found and tree.other_member.pk not in found
    api = api_client_for(community_secretary)
    ids = {m["id"] for m in api.get("/api/v1/members/", {"search": tree.community.name}).json()["results"]}
    assert {tree.member.pk, deep.pk} <= ids


def test_part_of_a_number_finds_only_members_the_user_may_change(client, api_client_for, tree, community_secretary,
                                                                  street_secretary):
    member, other = tree.member, tree.other_member
    Member.objects.filter(pk=member.pk).update(phone="13711112222")
    Member.objects.filter(pk=other.pk).update(phone="13711113333")
    assert _admin_search(client, community_secretary, "1111") == {member.pk}
    assert _admin_search(client, community_secretary, member.id_number[6:14]) == {member.pk}
    # Three digits are too few to search inside the numbers.
    assert member.pk not in _admin_search(client, community_secretary, "137")
    api = api_client_for(community_secretary)
    assert [m["id"] for m in api.get("/api/v1/members/", {"search": "711112"}).json()["results"]] == [member.pk]
    assert api.get("/api/v1/members/", {"search": other.id_number[6:]}).json()["count"] == 0


def test_a_partial_search_reveals_nothing_about_members_seen_masked(client, api_client_for, tree, inspector):
    # An inspector sees the district, masked, and may change no one: part of a number finds nobody.
    found = _admin_search(client, inspector, tree.member.id_number[6:14])
    assert found == set()
    api = api_client_for(inspector)
    assert api.get("/api/v1/members/", {"search": tree.member.id_number[-6:]}).json()["count"] == 0
    assert api.get("/api/v1/members/", {"search": tree.member.phone[-6:]}).json()["count"] == 0


def test_search_query_count_does_not_grow_with_rows(client, tree, community_secretary, django_assert_max_num_queries):
    for _n in range(30):
        MemberFactory(org=tree.building)
    client.force_login(community_secretary)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("admin:members_member_changelist"), {"q": tree.community.name})
    assert len(response.context["cl"].result_list) >= 30
